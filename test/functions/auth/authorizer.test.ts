import '../support/env';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Statement } from 'aws-lambda';
import { apiStagePrefix, createAuthorizer, tokenFromHeader } from '../../../functions/auth/authorizer';
import { lambdaContext } from '../support/api';

const POOL_ID = 'us-east-1_TestPool1';
const CLIENT_ID = 'test-client-id';
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`;
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:api123/prod/GET/orders/o1';
const PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:api123/prod/';

const poolKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = 'test-kid-1';

const b64url = (value: object | Buffer) =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

function jwt(claims: Record<string, unknown>, options: { key?: KeyObject; alg?: string; kid?: string } = {}): string {
  const header = { alg: options.alg ?? 'RS256', kid: options.kid ?? KID, typ: 'JWT' };
  const signingInput = `${b64url(header)}.${b64url(claims)}`;
  if (header.alg === 'none') return `${signingInput}.`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput), options.key ?? poolKey.privateKey);
  return `${signingInput}.${b64url(signature)}`;
}

function idToken(overrides: Record<string, unknown> = {}, options?: Parameters<typeof jwt>[1]): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt(
    {
      sub: 'user-alice',
      aud: CLIENT_ID,
      iss: ISSUER,
      token_use: 'id',
      email: 'alice@example.com',
      iat: now - 10,
      auth_time: now - 10,
      exp: now + 3600,
      ...overrides,
    },
    options,
  );
}

function authorizerEvent(authorization: string | undefined, methodArn = METHOD_ARN): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn,
    headers: authorization === undefined ? {} : { Authorization: authorization },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

let server: Server;
let endpoint: string;
let jwksRequests = 0;

beforeAll(async () => {
  const jwk = { ...poolKey.publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    if (req.url === `/${POOL_ID}/.well-known/jwks.json`) {
      jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const authorize = () => createAuthorizer({ userPoolId: POOL_ID, clientId: CLIENT_ID, endpoint });

function allowed(result: APIGatewayAuthorizerResult): string[] {
  return (result.policyDocument.Statement as Array<Statement & { Resource: string[] }>)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => s.Resource);
}
function denied(result: APIGatewayAuthorizerResult): string[] {
  return (result.policyDocument.Statement as Array<Statement & { Resource: string[] }>)
    .filter((s) => s.Effect === 'Deny')
    .flatMap((s) => s.Resource);
}

describe('authorizer', () => {
  it('accepts a valid ID token with Bearer and answers the customer context', async () => {
    const result = await authorize()(authorizerEvent(`Bearer ${idToken()}`));

    expect(result.principalId).toBe('user-alice');
    expect(result.context).toEqual({
      principalId: 'user-alice',
      userId: 'user-alice',
      email: 'alice@example.com',
      role: 'customer',
      groups: '',
    });
    expect(jwksRequests).toBeGreaterThan(0);
  });

  it('accepts a raw token without the Bearer prefix', async () => {
    const result = await authorize()(authorizerEvent(idToken()));
    expect(result.principalId).toBe('user-alice');
  });

  it('writes a policy for the whole stage, so a cached answer holds for every route', async () => {
    const result = await authorize()(authorizerEvent(idToken()));

    for (const resource of [...allowed(result), ...denied(result)]) expect(resource.startsWith(PREFIX)).toBe(true);
    expect(allowed(result)).toEqual([`${PREFIX}*/*`]);
    expect(denied(result)).toEqual(
      expect.arrayContaining([`${PREFIX}PUT/restaurants/*`, `${PREFIX}POST/restaurants/*`, `${PREFIX}*/deliveries/*`]),
    );
  });

  it("gives restaurant staff reads plus their own restaurant's writes, and the restaurantId in context", async () => {
    const result = await authorize()(
      authorizerEvent(idToken({ 'cognito:groups': ['restaurant'], 'custom:restaurantId': 'r1', sub: 'staff-1' })),
    );

    expect(result.context).toMatchObject({
      role: 'restaurant',
      restaurantId: 'r1',
      groups: 'restaurant',
      userId: 'staff-1',
    });
    expect(allowed(result)).toEqual(
      expect.arrayContaining([
        `${PREFIX}GET/*`,
        `${PREFIX}PUT/restaurants/r1/*`,
        `${PREFIX}POST/restaurants/r1/orders/*/events`,
      ]),
    );
    expect(allowed(result).some((arn) => arn.includes('deliveries'))).toBe(false);
  });

  it('gives couriers reads and the delivery route; admins everything', async () => {
    const courier = await authorize()(authorizerEvent(idToken({ 'cognito:groups': ['courier'] })));
    const admin = await authorize()(authorizerEvent(idToken({ 'cognito:groups': ['courier', 'admin'] })));

    expect(courier.context?.role).toBe('courier');
    expect(allowed(courier)).toEqual(expect.arrayContaining([`${PREFIX}GET/*`, `${PREFIX}POST/deliveries/*`]));
    expect(allowed(courier).some((arn) => arn.includes('restaurants'))).toBe(false);
    expect(admin.context?.role).toBe('admin');
    expect(allowed(admin)).toEqual([`${PREFIX}*/*`]);
  });

  it.each([
    ['expired', () => idToken({ exp: Math.floor(Date.now() / 1000) - 60 })],
    ['signed with another key', () => idToken({}, { key: otherKey.privateKey })],
    ['issued for another client (aud)', () => idToken({ aud: 'another-client' })],
    ['an access token (token_use)', () => idToken({ token_use: 'access' })],
    ['unsigned (alg none)', () => idToken({}, { alg: 'none' })],
    ['from another issuer', () => idToken({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' })],
    ['signed with an unknown kid', () => idToken({}, { kid: 'unknown-kid', key: otherKey.privateKey })],
    ['not a JWT', () => 'not-a-jwt'],
  ])('answers Unauthorized (401) for a token %s', async (_label, token) => {
    await expect(authorize()(authorizerEvent(`Bearer ${token()}`))).rejects.toThrow(/^Unauthorized$/);
  });

  it.each([
    ['no Authorization header', undefined],
    ['an empty header', ''],
    ['a bare Bearer', 'Bearer '],
  ])('answers Unauthorized for %s', async (_label, header) => {
    await expect(authorize()(authorizerEvent(header))).rejects.toThrow(/^Unauthorized$/);
  });

  it('is a fault, not a 401, when the JWKS cannot be fetched', async () => {
    const broken = createAuthorizer({ userPoolId: POOL_ID, clientId: CLIENT_ID, endpoint: `${endpoint}/missing` });

    await expect(broken(authorizerEvent(idToken()))).rejects.not.toThrow(/^Unauthorized$/);
  });

  it('runs as the Lambda entry with the JWKS override taken from AWS_ENDPOINT_URL', async () => {
    process.env.AWS_ENDPOINT_URL = endpoint;
    try {
      // A fresh copy of the module: the verifier is built at module scope from the environment.
      let handler: typeof import('../../../functions/auth/authorizer').handler | undefined;
      jest.isolateModules(() => {
        handler = require('../../../functions/auth/authorizer').handler;
      });
      if (!handler) throw new Error('handler not loaded');
      const result = await handler(authorizerEvent(`Bearer ${idToken()}`), lambdaContext());
      expect(result.principalId).toBe('user-alice');
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
    }
  });
});

describe('authorizer helpers', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer   abc ', 'abc'],
    ['abc', 'abc'],
    ['', undefined],
    [undefined, undefined],
  ])('reads the token from %p', (header, token) => {
    expect(tokenFromHeader(header)).toBe(token);
  });

  it('rejects a method ARN without API id and stage', () => {
    expect(() => apiStagePrefix('arn:aws:execute-api:us-east-1:1:api')).toThrow();
  });
});
