import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  GetUserCommand,
  InitiateAuthCommand,
  ListUsersCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { type CognitoService, createCognitoService } from '../../../local/cognito';
import { awsCli, awsCliAvailable, resource, startTestEdge, TestCloud, testContext } from '../lambda/support';

const poolId = 'us-east-1_TestPool1';
const clientId = 'localclient0000000000000001';
const postConfirmationArn = 'arn:aws:lambda:us-east-1:000000000000:function:post-confirmation';

const templateResources = () => [
  resource(
    'AWS::Cognito::UserPool',
    'UserPool',
    {
      UserPoolName: 'users',
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 10,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: false,
        },
      },
      Schema: [
        { Name: 'email', Required: true, Mutable: true },
        { Name: 'restaurantId', AttributeDataType: 'String', Mutable: true },
      ],
      LambdaConfig: { PostConfirmation: postConfirmationArn },
    },
    poolId,
    { Arn: `arn:aws:cognito-idp:us-east-1:000000000000:userpool/${poolId}` },
  ),
  resource(
    'AWS::Cognito::UserPoolClient',
    'Client',
    {
      UserPoolId: poolId,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    },
    clientId,
  ),
  resource(
    'AWS::Cognito::UserPoolGroup',
    'Staff',
    { UserPoolId: poolId, GroupName: 'restaurant', Precedence: 10 },
    'restaurant',
  ),
  resource('AWS::Cognito::UserPoolGroup', 'Admins', { UserPoolId: poolId, GroupName: 'admin', Precedence: 1 }, 'admin'),
];

const decodeJwt = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));

describe('local Cognito user pools', () => {
  let dataDir: string;
  let cloud: TestCloud;
  let cognito: CognitoService;
  const triggerEvents: any[] = [];

  const setup = async () => {
    cloud = new TestCloud(testContext({ dataDir }));
    cloud.register({
      name: 'lambda',
      protocol: 'rest-json',
      operations: {
        Invoke: async (input: { Payload: string }) => {
          const event = JSON.parse(input.Payload);
          triggerEvents.push(event);
          return { StatusCode: 200, Payload: JSON.stringify(event) };
        },
      },
    });
    cognito = (await cloud.add(createCognitoService)) as CognitoService;
    await cognito.provision?.(templateResources());
  };

  let edge: Awaited<ReturnType<typeof startTestEdge>>;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-test-'));
    await setup();
    edge = await startTestEdge(() => cloud);
  });
  afterAll(async () => {
    await edge.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const jwks = async () => (await (await fetch(`${edge.url}/${poolId}/.well-known/jwks.json`)).json()) as Jwks;

  const call = (operation: string, input: unknown) => cloud.call('cognito-idp', operation, input);
  const signUpAndConfirm = async (
    email: string,
    password: string,
    attributes: { Name: string; Value: string }[] = [],
  ) => {
    await call('SignUp', { ClientId: clientId, Username: email, Password: password, UserAttributes: attributes });
    await call('ConfirmSignUp', {
      ClientId: clientId,
      Username: email,
      ConfirmationCode: cognito.confirmationCode(poolId, email),
    });
  };
  const signIn = (email: string, password: string) =>
    call('InitiateAuth', {
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    });

  it('signs up, confirms with the issued code, runs PostConfirmation, and signs in with tokens aws-jwt-verify accepts', async () => {
    const signUp = await call('SignUp', {
      ClientId: clientId,
      Username: 'ada@example.com',
      Password: 'Correct-Horse1',
      UserAttributes: [{ Name: 'custom:restaurantId', Value: 'r-1' }],
    });
    expect(signUp).toMatchObject({
      UserConfirmed: false,
      CodeDeliveryDetails: { DeliveryMedium: 'EMAIL', AttributeName: 'email' },
    });
    await expect(signIn('ada@example.com', 'Correct-Horse1')).rejects.toMatchObject({
      code: 'UserNotConfirmedException',
    });
    await expect(
      call('ConfirmSignUp', { ClientId: clientId, Username: 'ada@example.com', ConfirmationCode: '000000x' }),
    ).rejects.toMatchObject({ code: 'CodeMismatchException' });

    await call('ConfirmSignUp', {
      ClientId: clientId,
      Username: 'ada@example.com',
      ConfirmationCode: cognito.confirmationCode(poolId, 'ada@example.com'),
    });
    const auth = await signIn('ada@example.com', 'Correct-Horse1');

    expect(triggerEvents.at(-1)).toMatchObject({
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      userPoolId: poolId,
      userName: signUp.UserSub,
      request: {
        userAttributes: { email: 'ada@example.com', sub: signUp.UserSub, 'cognito:user_status': 'CONFIRMED' },
      },
    });
    const verifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: 'id', clientId });
    verifier.cacheJwks(await jwks());
    const claims = await verifier.verify(auth.AuthenticationResult.IdToken);
    expect(claims).toMatchObject({
      sub: signUp.UserSub,
      email: 'ada@example.com',
      email_verified: true,
      token_use: 'id',
      aud: clientId,
      'cognito:username': signUp.UserSub,
      'custom:restaurantId': 'r-1',
      iss: `https://cognito-idp.us-east-1.amazonaws.com/${poolId}`,
    });
    const accessVerifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: 'access', clientId });
    accessVerifier.cacheJwks(await jwks());
    expect(await accessVerifier.verify(auth.AuthenticationResult.AccessToken)).toMatchObject({
      client_id: clientId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: signUp.UserSub,
    });
  });

  it('answers NotAuthorizedException for a wrong password and UserNotFoundException for an unknown user', async () => {
    await expect(signIn('ada@example.com', 'Wrong-Password1')).rejects.toMatchObject({
      code: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
    await expect(signIn('nobody@example.com', 'Whatever-123')).rejects.toMatchObject({ code: 'UserNotFoundException' });
  });

  it('enforces the template password policy', async () => {
    await expect(
      call('SignUp', { ClientId: clientId, Username: 'short@example.com', Password: 'Ab1' }),
    ).rejects.toMatchObject({
      code: 'InvalidPasswordException',
      message: 'Password did not conform with policy: Password not long enough',
    });
    await expect(
      call('SignUp', { ClientId: clientId, Username: 'lower@example.com', Password: 'alllowercase1' }),
    ).rejects.toMatchObject({
      message: 'Password did not conform with policy: Password must have uppercase characters',
    });
  });

  it('puts the groups in cognito:groups, ordered by precedence, in both tokens', async () => {
    await signUpAndConfirm('grace@example.com', 'Grace-Hopper-1');
    for (const group of ['restaurant', 'admin']) {
      await call('AdminAddUserToGroup', { UserPoolId: poolId, Username: 'grace@example.com', GroupName: group });
    }

    const auth = await signIn('grace@example.com', 'Grace-Hopper-1');

    expect(decodeJwt(auth.AuthenticationResult.IdToken)['cognito:groups']).toEqual(['admin', 'restaurant']);
    expect(decodeJwt(auth.AuthenticationResult.AccessToken)['cognito:groups']).toEqual(['admin', 'restaurant']);
    const groups = await call('AdminListGroupsForUser', { UserPoolId: poolId, Username: 'grace@example.com' });
    expect(groups.Groups.map((g: { GroupName: string }) => g.GroupName)).toEqual(['restaurant', 'admin']);
    await expect(
      call('AdminAddUserToGroup', { UserPoolId: poolId, Username: 'grace@example.com', GroupName: 'nope' }),
    ).rejects.toMatchObject({ code: 'ResourceNotFoundException' });
  });

  it('refreshes tokens with REFRESH_TOKEN_AUTH and revokes them on GlobalSignOut', async () => {
    const auth = await signIn('grace@example.com', 'Grace-Hopper-1');
    const refreshed = await call('InitiateAuth', {
      ClientId: clientId,
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: { REFRESH_TOKEN: auth.AuthenticationResult.RefreshToken },
    });
    expect(refreshed.AuthenticationResult.RefreshToken).toBeUndefined();
    expect(decodeJwt(refreshed.AuthenticationResult.IdToken).email).toBe('grace@example.com');

    await call('GlobalSignOut', { AccessToken: refreshed.AuthenticationResult.AccessToken });

    await expect(call('GetUser', { AccessToken: auth.AuthenticationResult.AccessToken })).rejects.toMatchObject({
      code: 'NotAuthorizedException',
    });
    await expect(
      call('InitiateAuth', {
        ClientId: clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: auth.AuthenticationResult.RefreshToken },
      }),
    ).rejects.toMatchObject({ code: 'NotAuthorizedException' });
  });

  it('creates users as admin with a temporary password that must be changed at first sign-in', async () => {
    await call('AdminCreateUser', {
      UserPoolId: poolId,
      Username: 'courier@example.com',
      TemporaryPassword: 'Temporary-Pass1',
      UserAttributes: [{ Name: 'email_verified', Value: 'true' }],
    });
    const challenge = await call('AdminInitiateAuth', {
      UserPoolId: poolId,
      ClientId: clientId,
      AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'courier@example.com', PASSWORD: 'Temporary-Pass1' },
    });
    expect(challenge.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');

    const done = await call('RespondToAuthChallenge', {
      ClientId: clientId,
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: challenge.Session,
      ChallengeResponses: { USERNAME: 'courier@example.com', NEW_PASSWORD: 'Brand-New-Pass1' },
    });

    expect(done.AuthenticationResult.IdToken).toBeDefined();
    await call('AdminSetUserPassword', {
      UserPoolId: poolId,
      Username: 'courier@example.com',
      Password: 'Another-Pass1',
      Permanent: true,
    });
    const user = await call('AdminGetUser', { UserPoolId: poolId, Username: 'courier@example.com' });
    expect(user.UserStatus).toBe('CONFIRMED');
    expect((await signIn('courier@example.com', 'Another-Pass1')).AuthenticationResult).toBeDefined();
  });

  it('lists users with a filter and pagination, and deletes them', async () => {
    const firstPage = await call('ListUsers', { UserPoolId: poolId, Limit: 2 });
    const secondPage = await call('ListUsers', {
      UserPoolId: poolId,
      Limit: 2,
      PaginationToken: firstPage.PaginationToken,
    });
    const filtered = await call('ListUsers', { UserPoolId: poolId, Filter: 'email ^= "gra"' });

    expect(firstPage.Users).toHaveLength(2);
    expect(secondPage.Users).toHaveLength(1);
    expect(filtered.Users.map((u: any) => u.Attributes.find((a: any) => a.Name === 'email').Value)).toEqual([
      'grace@example.com',
    ]);

    await call('AdminDeleteUser', { UserPoolId: poolId, Username: 'courier@example.com' });
    await expect(call('AdminGetUser', { UserPoolId: poolId, Username: 'courier@example.com' })).rejects.toMatchObject({
      code: 'UserNotFoundException',
    });
  });

  it('lets a user change, reset and update their own password and attributes, then delete themselves', async () => {
    await signUpAndConfirm('self@example.com', 'Self-Service-1');
    const auth = await signIn('self@example.com', 'Self-Service-1');
    const accessToken = auth.AuthenticationResult.AccessToken;

    await expect(
      call('ChangePassword', {
        AccessToken: accessToken,
        PreviousPassword: 'wrong-Wrong-1',
        ProposedPassword: 'Self-Service-2',
      }),
    ).rejects.toMatchObject({ code: 'NotAuthorizedException' });
    await call('ChangePassword', {
      AccessToken: accessToken,
      PreviousPassword: 'Self-Service-1',
      ProposedPassword: 'Self-Service-2',
    });
    await call('ForgotPassword', { ClientId: clientId, Username: 'self@example.com' });
    await call('ConfirmForgotPassword', {
      ClientId: clientId,
      Username: 'self@example.com',
      ConfirmationCode: cognito.confirmationCode(poolId, 'self@example.com'),
      Password: 'Self-Service-3',
    });
    await call('UpdateUserAttributes', {
      AccessToken: accessToken,
      UserAttributes: [{ Name: 'custom:restaurantId', Value: 'r-9' }],
    });
    // The admin path takes the same schema rule: `sub` and unknown attributes are refused, nothing is written.
    await expect(
      call('AdminUpdateUserAttributes', {
        UserPoolId: poolId,
        Username: 'self@example.com',
        UserAttributes: [{ Name: 'sub', Value: 'forged' }],
      }),
    ).rejects.toMatchObject({ code: 'InvalidParameterException' });
    const me = await call('GetUser', { AccessToken: accessToken });

    expect(me.UserAttributes).toContainEqual({ Name: 'custom:restaurantId', Value: 'r-9' });
    expect(me.UserAttributes).not.toContainEqual({ Name: 'sub', Value: 'forged' });
    await expect(signIn('self@example.com', 'Self-Service-2')).rejects.toMatchObject({
      code: 'NotAuthorizedException',
    });
    const fresh = await signIn('self@example.com', 'Self-Service-3');
    await call('DeleteUser', { AccessToken: fresh.AuthenticationResult.AccessToken });
    await expect(signIn('self@example.com', 'Self-Service-3')).rejects.toMatchObject({ code: 'UserNotFoundException' });
  });

  it('keeps users and the signing key across a restart on the same data folder', async () => {
    const before = await signIn('ada@example.com', 'Correct-Horse1');

    await setup();

    const verifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: 'id', clientId });
    const restartedEdge = await startTestEdge(cloud);
    const keys = (await (await fetch(`${restartedEdge.url}/${poolId}/.well-known/jwks.json`)).json()) as Jwks;
    await restartedEdge.close();
    verifier.cacheJwks(keys);
    await expect(verifier.verify(before.AuthenticationResult.IdToken)).resolves.toMatchObject({
      email: 'ada@example.com',
    });
    expect((await signIn('ada@example.com', 'Correct-Horse1')).AuthenticationResult.IdToken).toBeDefined();
  });

  describe('through the AWS SDK and the edge', () => {
    let client: CognitoIdentityProviderClient;
    beforeAll(() => {
      client = new CognitoIdentityProviderClient({
        endpoint: edge.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
    });
    afterAll(() => client.destroy());

    it('signs up, confirms, signs in, reads the user and lists users', async () => {
      const signUp = await client.send(
        new SignUpCommand({ ClientId: clientId, Username: 'sdk@example.com', Password: 'Sdk-Password-1' }),
      );
      await client.send(
        new ConfirmSignUpCommand({
          ClientId: clientId,
          Username: 'sdk@example.com',
          ConfirmationCode: cognito.confirmationCode(poolId, 'sdk@example.com'),
        }),
      );
      const auth = await client.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: 'sdk@example.com', PASSWORD: 'Sdk-Password-1' },
        }),
      );
      await client.send(
        new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'sdk@example.com', GroupName: 'restaurant' }),
      );
      const me = await client.send(new GetUserCommand({ AccessToken: auth.AuthenticationResult?.AccessToken }));
      const admin = await client.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'sdk@example.com' }));
      const list = await client.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'email = "sdk@example.com"' }));

      expect(me.Username).toBe(signUp.UserSub);
      expect(admin.UserStatus).toBe('CONFIRMED');
      expect(admin.UserCreateDate).toBeInstanceOf(Date);
      expect(list.Users).toHaveLength(1);
    });

    it('raises the SDK error classes Cognito raises', async () => {
      await expect(
        client.send(
          new InitiateAuthCommand({
            ClientId: clientId,
            AuthFlow: 'USER_PASSWORD_AUTH',
            AuthParameters: { USERNAME: 'sdk@example.com', PASSWORD: 'nope-Nope-1' },
          }),
        ),
      ).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    });

    (awsCliAvailable ? it : it.skip)(
      'signs up, confirms as admin and signs in through the AWS CLI',
      async () => {
        const signUp = await awsCli(edge.url, [
          'cognito-idp',
          'sign-up',
          '--client-id',
          clientId,
          '--username',
          'cli@example.com',
          '--password',
          'Cli-Password-1',
        ]);
        await awsCli(edge.url, [
          'cognito-idp',
          'admin-confirm-sign-up',
          '--user-pool-id',
          poolId,
          '--username',
          'cli@example.com',
        ]);
        const auth = await awsCli(edge.url, [
          'cognito-idp',
          'initiate-auth',
          '--client-id',
          clientId,
          '--auth-flow',
          'USER_PASSWORD_AUTH',
          '--auth-parameters',
          'USERNAME=cli@example.com,PASSWORD=Cli-Password-1',
        ]);

        expect(signUp.json).toMatchObject({ UserConfirmed: false });
        expect(decodeJwt(auth.json.AuthenticationResult.IdToken).email).toBe('cli@example.com');
      },
      30_000,
    );
  });
});

describe('local Cognito triggers', () => {
  const preSignUp = 'arn:aws:lambda:us-east-1:000000000000:function:pre-sign-up';
  const preToken = 'arn:aws:lambda:us-east-1:000000000000:function:pre-token';
  const pool = 'us-east-1_Triggers1';
  const client = 'triggerclient0000000000001';
  let cloud: TestCloud;

  beforeAll(async () => {
    cloud = new TestCloud(testContext());
    cloud.register({
      name: 'lambda',
      protocol: 'rest-json',
      operations: {
        Invoke: async (input: { FunctionName: string; Payload: string }) => {
          const event = JSON.parse(input.Payload);
          if (input.FunctionName === preSignUp) {
            if (event.request.userAttributes.email.endsWith('@blocked.example')) {
              return {
                StatusCode: 200,
                FunctionError: 'Unhandled',
                Payload: JSON.stringify({ errorType: 'Error', errorMessage: 'domain not allowed' }),
              };
            }
            event.response = { autoConfirmUser: true, autoVerifyEmail: true };
          } else {
            event.response = {
              claimsOverrideDetails: { claimsToAddOrOverride: { tenant: 'acme' }, claimsToSuppress: ['email'] },
            };
          }
          return { StatusCode: 200, Payload: JSON.stringify(event) };
        },
      },
    });
    const cognito = await cloud.add(createCognitoService);
    await cognito.provision?.([
      resource(
        'AWS::Cognito::UserPool',
        'Pool',
        { UsernameAttributes: ['email'], LambdaConfig: { PreSignUp: preSignUp, PreTokenGeneration: preToken } },
        pool,
      ),
      resource(
        'AWS::Cognito::UserPoolClient',
        'Client',
        { UserPoolId: pool, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] },
        client,
      ),
    ]);
  });

  const call = (operation: string, input: unknown) => cloud.call('cognito-idp', operation, input);

  it('auto-confirms and verifies a user when PreSignUp says so, and applies PreTokenGeneration claim overrides', async () => {
    const signUp = await call('SignUp', { ClientId: client, Username: 'auto@example.com', Password: 'Auto-Confirm-1' });
    const auth = await call('InitiateAuth', {
      ClientId: client,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'auto@example.com', PASSWORD: 'Auto-Confirm-1' },
    });

    expect(signUp.UserConfirmed).toBe(true);
    const claims = decodeJwt(auth.AuthenticationResult.IdToken);
    expect(claims).toMatchObject({ tenant: 'acme', email_verified: true });
    expect(claims.email).toBeUndefined();
  });

  it('rejects a sign-up that PreSignUp fails with UserLambdaValidationException and keeps no user', async () => {
    await expect(
      call('SignUp', { ClientId: client, Username: 'x@blocked.example', Password: 'Blocked-User-1' }),
    ).rejects.toMatchObject({
      code: 'UserLambdaValidationException',
      message: 'PreSignUp failed with error domain not allowed.',
    });
    await expect(call('AdminGetUser', { UserPoolId: pool, Username: 'x@blocked.example' })).rejects.toMatchObject({
      code: 'UserNotFoundException',
    });
  });
});
