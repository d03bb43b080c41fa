import { generateKeyPairSync } from 'node:crypto';
import { cognitoToken, fnArn, REQUEST_AUTHORIZER, type Started, startGateway, TOKEN_AUTHORIZER } from './fixture.ts';

let gw: Started;
beforeEach(async () => {
  // A fresh gateway per test: the authorizer cache must not leak between cases.
  gw = await startGateway();
});
afterEach(() => gw?.stop());

const json = async (response: Response) => JSON.parse(await response.text());
const authorizerCalls = (id: string) => gw.service.authorizerInvocations().get(id) ?? 0;

describe('Lambda TOKEN authorizer', () => {
  it('lets an allowed caller through with principalId and context in the proxy event', async () => {
    const response = await fetch(gw.url('/token'), { headers: { Authorization: 'Bearer alice' } });
    const event = await json(response);
    expect(response.status).toBe(200);
    expect(event.requestContext.authorizer).toMatchObject({
      principalId: 'p-alice',
      userId: 'user-alice',
      admin: 'true',
      level: '3',
    });
  });

  it('sends the token and the method ARN to the function', async () => {
    await fetch(gw.url('/token'), { headers: { Authorization: 'alice' } });
    const call = gw.cloud.calls.find((c) => c.input?.FunctionName === fnArn('token-auth'));
    expect(JSON.parse(call?.input.Payload)).toEqual({
      type: 'TOKEN',
      authorizationToken: 'alice',
      methodArn: 'arn:aws:execute-api:us-east-1:000000000000:a1b2c3d4e5/test/GET/token',
    });
  });

  it('answers 401 without invoking the function when the identity source is missing', async () => {
    const response = await fetch(gw.url('/token'));
    expect(response.status).toBe(401);
    expect(await json(response)).toEqual({ message: 'Unauthorized' });
    expect(authorizerCalls(TOKEN_AUTHORIZER)).toBe(0);
  });

  it('answers 401 when the function throws Unauthorized', async () => {
    const response = await fetch(gw.url('/token'), { headers: { Authorization: 'unauthorized' } });
    expect(response.status).toBe(401);
    expect(await json(response)).toEqual({ message: 'Unauthorized' });
  });

  it('answers 500 AuthorizerConfigurationException when the function fails otherwise', async () => {
    const response = await fetch(gw.url('/token'), { headers: { Authorization: 'crash' } });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-amzn-errortype')).toBe('AuthorizerConfigurationException');
    expect(await json(response)).toEqual({ message: null });
  });

  it.each([
    ['context holds an object', 'nested'],
    ['answer has no policy', 'no-policy'],
  ])('answers 500 when the %s', async (_case, token) => {
    const response = await fetch(gw.url('/token'), { headers: { Authorization: token } });
    expect(response.status).toBe(500);
  });

  it('answers 403 with the explicit-deny message on a Deny policy', async () => {
    const response = await fetch(gw.url('/token'), { headers: { Authorization: 'deny' } });
    expect(response.status).toBe(403);
    expect(await json(response)).toEqual({
      message: 'User is not authorized to access this resource with an explicit deny',
    });
  });

  it('lets Deny win over Allow for the same method ARN', async () => {
    const get = await fetch(gw.url('/token'), { headers: { Authorization: 'mixed' } });
    const post = await fetch(gw.url('/token'), { method: 'POST', headers: { Authorization: 'mixed' } });
    expect(get.status).toBe(200);
    expect(post.status).toBe(403);
  });

  it('evaluates a cached policy against each method ARN (wildcard `?`)', async () => {
    const get = await fetch(gw.url('/token'), { headers: { Authorization: 'narrow' } });
    const post = await fetch(gw.url('/token'), { method: 'POST', headers: { Authorization: 'narrow' } });
    expect(get.status).toBe(200);
    expect(post.status).toBe(403);
    expect(await json(post)).toEqual({ message: 'User is not authorized to access this resource' });
    expect(authorizerCalls(TOKEN_AUTHORIZER)).toBe(1);
  });

  it('caches the result by token for the TTL', async () => {
    for (let i = 0; i < 3; i++) await fetch(gw.url('/token'), { headers: { Authorization: 'alice' } });
    await fetch(gw.url('/token'), { headers: { Authorization: 'bob' } });
    expect(authorizerCalls(TOKEN_AUTHORIZER)).toBe(2);
  });

  it('calls the function again once the TTL has passed', async () => {
    await fetch(gw.url('/token'), { headers: { Authorization: 'alice' } });
    const realNow = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(realNow + 301_000);
    try {
      await fetch(gw.url('/token'), { headers: { Authorization: 'alice' } });
    } finally {
      clock.mockRestore();
    }
    expect(authorizerCalls(TOKEN_AUTHORIZER)).toBe(2);
  });

  it('calls the function again once the cache is flushed', async () => {
    await fetch(gw.url('/token'), { headers: { Authorization: 'alice' } });
    await gw.service.operations.FlushStageAuthorizersCache!({}, { requestId: 't', caller: 'test' });
    await fetch(gw.url('/token'), { headers: { Authorization: 'alice' } });
    expect(authorizerCalls(TOKEN_AUTHORIZER)).toBe(2);
  });
});

describe('Lambda REQUEST authorizer', () => {
  it('receives headers and query strings and passes its context through', async () => {
    const response = await fetch(gw.url('/request?tenant=acme'), { headers: { 'X-User': 'carol' } });
    const event = await json(response);
    expect(response.status).toBe(200);
    expect(event.requestContext.authorizer).toMatchObject({
      principalId: 'carol',
      tenant: 'acme',
      type: 'REQUEST',
      resource: '/request',
    });
  });

  it('answers 401 without invoking when one identity source is missing', async () => {
    const response = await fetch(gw.url('/request'), { headers: { 'X-User': 'carol' } });
    expect(response.status).toBe(401);
    expect(authorizerCalls(REQUEST_AUTHORIZER)).toBe(0);
  });

  it('invokes on every request when the TTL is 0', async () => {
    for (let i = 0; i < 3; i++) await fetch(gw.url('/request?tenant=acme'), { headers: { 'X-User': 'carol' } });
    expect(authorizerCalls(REQUEST_AUTHORIZER)).toBe(3);
  });
});

describe('Cognito user pool authorizer', () => {
  it('verifies the ID token and hands its claims on as strings', async () => {
    const token = cognitoToken({ sub: 'u-1', email: 'a@example.com', 'cognito:groups': ['admin', 'courier'] });
    const response = await fetch(gw.url('/cognito'), { headers: { Authorization: token } });
    const event = await json(response);
    expect(response.status).toBe(200);
    expect(event.requestContext.authorizer.claims).toMatchObject({
      sub: 'u-1',
      email: 'a@example.com',
      'cognito:groups': 'admin,courier',
      token_use: 'id',
    });
    expect(event.requestContext.authorizer.claims.exp).toMatch(/^\w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}$/);
  });

  it('accepts the token after "Bearer "', async () => {
    const response = await fetch(gw.url('/cognito'), {
      headers: { Authorization: `Bearer ${cognitoToken({ sub: 'u-1' })}` },
    });
    expect(response.status).toBe(200);
  });

  it.each([
    ['no token', undefined],
    ['an expired token', cognitoToken({ sub: 'u', exp: Math.floor(Date.now() / 1000) - 10 })],
    [
      'a token signed by another key',
      cognitoToken({ sub: 'u' }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
    ],
    [
      'a token of another pool',
      cognitoToken({ sub: 'u', iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' }),
    ],
    ['an access token', cognitoToken({ sub: 'u', token_use: 'access' })],
    ['garbage', 'not-a-jwt'],
  ])('answers 401 for %s', async (_case, token) => {
    const response = await fetch(gw.url('/cognito'), { headers: token ? { Authorization: token } : {} });
    expect(response.status).toBe(401);
    expect(await json(response)).toEqual({ message: 'Unauthorized' });
  });
});
