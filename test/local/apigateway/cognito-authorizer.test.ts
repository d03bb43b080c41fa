/** The Cognito authorizer against tokens of the real local Cognito service (its JWKS route, its claims). */
import { createCognitoService } from '../../../local/cognito/index.ts';
import type { ResolvedResource, Service } from '../../../local/core/types.ts';
import {
  ACCOUNT,
  FakeCloud,
  fixtureResources,
  functions,
  POOL_ID,
  REGION,
  type Started,
  startGateway,
} from './fixture.ts';

const CLIENT_ID = 'localclient0000000000000001';
const cognitoResources: ResolvedResource[] = [
  {
    logicalId: 'UserPool',
    type: 'AWS::Cognito::UserPool',
    properties: { UserPoolName: 'users', UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'] },
    physicalId: POOL_ID,
    attributes: { Arn: `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${POOL_ID}` },
  },
  {
    logicalId: 'Client',
    type: 'AWS::Cognito::UserPoolClient',
    properties: { UserPoolId: POOL_ID, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
    physicalId: CLIENT_ID,
    attributes: {},
  },
  {
    logicalId: 'Couriers',
    type: 'AWS::Cognito::UserPoolGroup',
    properties: { UserPoolId: POOL_ID, GroupName: 'courier' },
    physicalId: 'courier',
    attributes: {},
  },
];

let gw: Started;
let cognito: Service;
let idToken: string;
let accessToken: string;

beforeAll(async () => {
  const cloud = new FakeCloud(functions);
  cognito = await createCognitoService(cloud.ctx, cloud);
  cloud.addService(cognito, ['cognito-idp']);
  await cognito.provision?.(cognitoResources);
  await cognito.start?.();
  // fakeServices() registers a fake 'cognito-idp' too; keep the real one by registering it again afterwards.
  gw = await startGateway(fixtureResources(), cloud);
  cloud.addService(cognito, ['cognito-idp']);
  const call = (op: string, input: unknown) => cognito.operations[op]!(input, { requestId: 't', caller: 'test' });
  const username = 'courier@example.com';
  await call('SignUp', {
    ClientId: CLIENT_ID,
    Username: username,
    Password: 'Passw0rd!Passw0rd',
    UserAttributes: [{ Name: 'email', Value: username }],
  });
  await call('AdminConfirmSignUp', { UserPoolId: POOL_ID, Username: username });
  await call('AdminAddUserToGroup', { UserPoolId: POOL_ID, Username: username, GroupName: 'courier' });
  const auth = await call('InitiateAuth', {
    ClientId: CLIENT_ID,
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: 'Passw0rd!Passw0rd' },
  });
  idToken = auth.AuthenticationResult.IdToken;
  accessToken = auth.AuthenticationResult.AccessToken;
});
afterAll(async () => {
  await gw?.stop();
  await cognito?.stop?.();
});

it('accepts an ID token of the local pool and passes its claims on', async () => {
  const response = await fetch(gw.url('/cognito'), { headers: { Authorization: idToken } });
  const event = JSON.parse(await response.text());
  expect(response.status).toBe(200);
  expect(event.requestContext.authorizer.claims).toMatchObject({
    email: 'courier@example.com',
    'cognito:groups': 'courier',
    token_use: 'id',
    aud: CLIENT_ID,
  });
});

it('refuses the access token on a method without OAuth scopes', async () => {
  const response = await fetch(gw.url('/cognito'), { headers: { Authorization: accessToken } });
  expect(response.status).toBe(401);
});
