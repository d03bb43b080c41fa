import {
  CognitoIdentityProviderClient,
  ListUsersCommand,
  type ListUsersCommandOutput,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { z } from 'zod';
import type { Caller } from '#shared/auth';
import { requiredEnv } from '#shared/env';
import { ForbiddenError } from '#shared/errors';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { tracer } from '#shared/powertools';
import { parseInput } from '#shared/validation';

/** `?limit=` (1..60, Cognito's page maximum; default 20) and the opaque `nextToken`. */
export const listUsersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(60).default(20),
  nextToken: z.string().min(1).max(4096).optional(),
});

/** One user as `GET /users` returns it. */
export interface UserView {
  userId: string;
  email: string;
  name?: string;
  status: string;
  enabled: boolean;
  createdAt?: string;
}

/** `GET /users` answer. */
export interface UserPage {
  users: UserView[];
  nextToken?: string;
}

/** Maps a Cognito user to the API shape (the `sub` is the user id every other route uses). */
export function toUserView(user: UserType): UserView {
  const attributes = Object.fromEntries((user.Attributes ?? []).map((a) => [a.Name ?? '', a.Value ?? '']));
  return {
    userId: attributes.sub ?? user.Username ?? '',
    email: attributes.email ?? '',
    ...(attributes.name ? { name: attributes.name } : {}),
    status: user.UserStatus ?? 'UNKNOWN',
    enabled: user.Enabled ?? true,
    ...(user.UserCreateDate ? { createdAt: new Date(user.UserCreateDate).toISOString() } : {}),
  };
}

/**
 * Lists users for an admin. The source is Cognito's `ListUsers`, not the profile table: Cognito holds every user
 * (also those created by an admin that never confirmed a sign-up nor read their profile yet), and its
 * `PaginationToken` is the page cursor, passed through as `nextToken`.
 */
export async function listUsers(
  caller: Caller,
  query: z.infer<typeof listUsersQuery>,
  list: (limit: number, token: string | undefined) => Promise<ListUsersCommandOutput>,
): Promise<UserPage> {
  if (caller.role !== 'admin') throw new ForbiddenError('Only admins may list users');
  const page = await list(query.limit, query.nextToken);
  return {
    users: (page.Users ?? []).map(toUserView),
    ...(page.PaginationToken ? { nextToken: page.PaginationToken } : {}),
  };
}

const userPoolId = requiredEnv('USER_POOL_ID');
const cognito = tracer.captureAWSv3Client(new CognitoIdentityProviderClient({}));

/** GET /users: admins only (403 `FORBIDDEN` otherwise; the authorizer's policy denies it too). */
export const handler = apiRoute(async ({ event, caller, requestId }) => {
  // Before parsing the query, so a non-admin learns nothing about its parameters.
  if (caller.role !== 'admin') throw new ForbiddenError('Only admins may list users');
  const query = parseInput(listUsersQuery, event.queryStringParameters ?? {}, 'query');
  const page = await listUsers(caller, query, (limit, token) =>
    cognito.send(new ListUsersCommand({ UserPoolId: userPoolId, Limit: limit, PaginationToken: token })),
  );
  return jsonResponse(200, page, requestId);
});
