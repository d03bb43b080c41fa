/**
 * A newcomer signs up and signs in through the Cognito API, then browses restaurants; the API refuses requests
 * without a token, with a malformed one, with a forged one and with the wrong kind of token.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DEMO_PASSWORD } from '../../seed/demo';
import { type App, startApp, USERS } from './support/harness';

// Generous: the deadlines below are for liveness on a busy 2-core machine, not for speed.
jest.setTimeout(120_000);

let app: App;
let cognito: CognitoIdentityProviderClient;
let alice: string;

beforeAll(async () => {
  app = await startApp();
  cognito = new CognitoIdentityProviderClient(app.clientConfig);
  alice = await app.token(USERS.alice);
});

afterAll(async () => {
  await app?.stop();
});

const PASSWORD = 'Newcomer-pass-2026!';

const signIn = (email: string, password = PASSWORD) =>
  cognito.send(
    new InitiateAuthCommand({
      ClientId: app.out('UserPoolClientId'),
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );

const signUp = (email: string) =>
  cognito.send(
    new SignUpCommand({
      ClientId: app.out('UserPoolClientId'),
      Username: email,
      Password: PASSWORD,
      UserAttributes: [{ Name: 'email', Value: email }],
    }),
  );

/** A JWT with `claims`, signed RS256 with a key the pool never issued. */
const foreignToken = (claims: Record<string, unknown>, kid: string): string => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'RS256', kid, typ: 'JWT' })}.${b64(claims)}`;
  const signature = createSign('RSA-SHA256').update(head).sign(privateKey).toString('base64url');
  return `${head}.${signature}`;
};

const decode = (token: string, part: 0 | 1): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[part] ?? '', 'base64url').toString('utf8'));

const expectUnauthorized = (res: { status: number; body: any }) => {
  expect(res.status).toBe(401);
  expect(res.body).toMatchObject({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
};

describe('signing up and in through the Cognito API', () => {
  it('lets a confirmed newcomer sign in and call the API as a customer', async () => {
    // Prepare
    const email = `newcomer-${Date.now()}@dishpatch.example`;
    const signedUp = await signUp(email);
    expect(signedUp.UserConfirmed).toBe(false);
    await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: app.out('UserPoolId'), Username: email }));

    // Act
    const auth = await signIn(email);
    const token = auth.AuthenticationResult?.IdToken as string;
    const restaurants = await app.call('GET', '/restaurants', { token });
    const orders = await app.call('GET', '/orders', { token });

    // Assess
    expect(decode(token, 1)).toMatchObject({ email, token_use: 'id', sub: signedUp.UserSub });
    expect(restaurants.status).toBe(200);
    expect(orders.status).toBe(200);
    expect(orders.body.orders).toEqual([]);
  });

  it('refuses to sign in before the sign-up is confirmed', async () => {
    // Prepare
    const email = `unconfirmed-${Date.now()}@dishpatch.example`;
    await signUp(email);

    // Act
    const attempt = signIn(email);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'UserNotConfirmedException' });
  });

  it('refuses a wrong password', async () => {
    await expect(signIn(USERS.alice, 'Not-the-password-1!')).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
  });

  it('accepts the ID token with or without the Bearer prefix', async () => {
    const raw = await app.call('GET', '/restaurants', { headers: { Authorization: alice } });
    expect(raw.status).toBe(200);
  });
});

describe('requests without a valid ID token', () => {
  it('answers 401 in the error shape without a token', async () => {
    expectUnauthorized(await app.call('GET', '/restaurants'));
    expectUnauthorized(await app.call('GET', '/orders'));
  });

  it('answers 401 to a malformed token', async () => {
    expectUnauthorized(await app.call('GET', '/restaurants', { token: 'not-a-jwt' }));
    expectUnauthorized(await app.call('GET', '/restaurants', { headers: { Authorization: 'Bearer ' } }));
  });

  it('answers 401 to a token whose claims were altered after signing (admin group added)', async () => {
    // Prepare: keep Cognito's header and signature, swap in an admin payload.
    const claims = { ...decode(alice, 1), 'cognito:groups': ['admin'] };
    const [head, , signature] = alice.split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;

    // Act
    const res = await app.call('GET', '/restaurants', { token: forged });

    // Assess
    expectUnauthorized(res);
  });

  it('answers 401 to a token signed with a foreign key under the pool key id', async () => {
    const kid = decode(alice, 0).kid as string;
    const forged = foreignToken({ ...decode(alice, 1), 'cognito:groups': ['admin'] }, kid);
    expectUnauthorized(await app.call('GET', '/orders', { token: forged }));
    expectUnauthorized(await app.call('GET', '/restaurants', { token: forged }));
  });

  it('answers 401 to an unsigned token (alg none)', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(decode(alice, 1))}.`;
    expectUnauthorized(await app.call('GET', '/restaurants', { token: unsigned }));
  });

  it('answers 401 to an access token (the API takes ID tokens)', async () => {
    const auth = await signIn(USERS.alice, DEMO_PASSWORD);
    const access = auth.AuthenticationResult?.AccessToken as string;
    expect(decode(access, 1).token_use).toBe('access');
    expectUnauthorized(await app.call('GET', '/restaurants', { token: access }));
  });
});

describe('browsing restaurants', () => {
  it('lists the restaurants with whether they are open', async () => {
    // Act
    const res = await app.call('GET', '/restaurants', { token: alice });

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const byId = Object.fromEntries(
      (res.body.restaurants as { restaurantId: string }[]).map((r) => [r.restaurantId, r]),
    );
    expect(byId['r-pizzeria']).toEqual({
      restaurantId: 'r-pizzeria',
      name: 'Pizzeria Napoli',
      cuisine: 'italian',
      open: true,
    });
    expect(byId['r-taqueria']).toMatchObject({ open: false });
    expect(byId['r-sushi']).toMatchObject({ open: true });
  });

  it('shows a restaurant with its menu, prices in cents and limited stock', async () => {
    // Act
    const res = await app.call('GET', '/restaurants/r-pizzeria', { token: alice });

    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ restaurantId: 'r-pizzeria', name: 'Pizzeria Napoli', open: true });
    const menu = Object.fromEntries((res.body.menu as { menuItemId: string }[]).map((m) => [m.menuItemId, m]));
    expect(menu.margherita).toEqual({ menuItemId: 'margherita', name: 'Margherita', priceCents: 950, available: true });
    expect(menu['truffle-special']).toMatchObject({ priceCents: 2400, available: true, stock: 1 });
    expect(menu.calzone).toMatchObject({ available: false });
  });

  it('answers 404 RESTAURANT_NOT_FOUND for an unknown restaurant', async () => {
    const res = await app.call('GET', '/restaurants/r-nowhere', { token: alice });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'RESTAURANT_NOT_FOUND' } });
  });

  it('carries a request id on every answer, errors included', async () => {
    const ok = await app.call('GET', '/restaurants', { token: alice });
    const denied = await app.call('GET', '/restaurants');
    for (const res of [ok, denied]) {
      const id = res.headers.get('x-amzn-requestid') ?? res.headers.get('x-amz-apigw-id') ?? res.body?.requestId;
      expect(id).toEqual(expect.any(String));
    }
  });
});
