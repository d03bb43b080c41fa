import '../support/env';
import { CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import type { Caller } from '#shared/auth';
import 'aws-sdk-client-mock-jest';
import { policyStatements } from '../../../functions/auth/authorizer';
import { handler } from '../../../functions/profile/list-users';
import { apiEvent, call, callers } from '../support/api';

const cognito = mockClient(CognitoIdentityProviderClient);

const user = (sub: string, email: string) => ({
  Username: sub,
  Attributes: [
    { Name: 'sub', Value: sub },
    { Name: 'email', Value: email },
  ],
  UserStatus: 'CONFIRMED' as const,
  Enabled: true,
  UserCreateDate: new Date('2026-11-01T00:00:00Z'),
});

const list = (query?: Record<string, string>, caller: Caller = callers.admin) =>
  call(handler, apiEvent({ caller, path: '/users', query }));

beforeEach(() => {
  cognito.reset();
});

describe('GET /users', () => {
  it.each([
    ['a customer', callers.alice],
    ['restaurant staff', callers.staffR1],
    ['a courier', callers.courierC1],
  ])('answers 403 FORBIDDEN to %s without asking Cognito', async (_who, caller) => {
    const res = await list({}, caller);

    expect(res.statusCode).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect(cognito).not.toHaveReceivedCommand(ListUsersCommand);
  });

  it("answers an admin a page of the pool's users and Cognito's cursor as nextToken", async () => {
    cognito.on(ListUsersCommand).resolves({ Users: [user('u-1', 'a@x.example')], PaginationToken: 'page-2' });

    const res = await list({ limit: '1' });

    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({
      users: [
        {
          userId: 'u-1',
          email: 'a@x.example',
          status: 'CONFIRMED',
          enabled: true,
          createdAt: '2026-11-01T00:00:00.000Z',
        },
      ],
      nextToken: 'page-2',
    });
    expect(cognito).toHaveReceivedCommandWith(ListUsersCommand, { UserPoolId: 'us-east-1_TestPool1', Limit: 1 });
  });

  it('passes nextToken back to Cognito and leaves it out on the last page', async () => {
    cognito.on(ListUsersCommand).resolves({ Users: [] });

    const res = await list({ nextToken: 'page-2' });

    expect(res.body).toEqual({ users: [] });
    expect(cognito).toHaveReceivedCommandWith(ListUsersCommand, { PaginationToken: 'page-2', Limit: 20 });
  });

  it('answers 400 for a limit outside 1..60', async () => {
    const res = await list({ limit: '61' });

    expect(res.statusCode).toBe(400);
    expect(cognito).not.toHaveReceivedCommand(ListUsersCommand);
  });
});

describe('the authorizer policy for GET /users', () => {
  const prefix = 'arn:aws:execute-api:us-east-1:000000000000:api/dev/';

  it.each(['customer', 'restaurant', 'courier'] as const)('denies GET /users to a %s explicitly', (role) => {
    const statements = policyStatements(prefix, role, role === 'restaurant' ? 'r1' : undefined);

    const denied = statements
      .filter((s) => s.Effect === 'Deny')
      .flatMap((s) => ('Resource' in s ? [s.Resource].flat() : []));
    expect(denied).toContain(`${prefix}GET/users`);
  });

  it('denies nothing to an admin', () => {
    expect(policyStatements(prefix, 'admin').every((s) => s.Effect === 'Allow')).toBe(true);
  });
});
