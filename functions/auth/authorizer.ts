import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError } from 'aws-jwt-verify/error';
import { type JwksCache, SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Statement } from 'aws-lambda';
import type { Role } from '#shared/auth';
import { requiredEnv } from '#shared/env';
import { instrumented } from '#shared/middleware';
import { logger } from '#shared/powertools';

/** The claims the authorizer reads from a verified Cognito ID token. */
export interface IdTokenClaims {
  sub: string;
  email?: unknown;
  'cognito:groups'?: unknown;
  'custom:restaurantId'?: unknown;
}

/** Extracts the token from `Authorization: Bearer <t>` or a raw token (DESIGN §2). */
export function tokenFromHeader(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const match = /^Bearer\s+(.+)$/i.exec(trimmed);
  const token = match ? match[1]?.trim() : trimmed;
  return token ? token : undefined;
}

/** The role a set of Cognito groups gives; the most powerful group wins. */
export function roleFromGroups(groups: readonly string[]): Role {
  if (groups.includes('admin')) return 'admin';
  if (groups.includes('restaurant')) return 'restaurant';
  if (groups.includes('courier')) return 'courier';
  return 'customer';
}

/**
 * `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/` from a method ARN. The policy is cached per
 * token and reused for every route, so it is written for the whole API stage, never for one method.
 */
export function apiStagePrefix(methodArn: string): string {
  // arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<VERB>/<path...>: the api id ends the ARN head.
  const [arnHead, stage] = methodArn.split('/');
  if (!arnHead?.startsWith('arn:') || !stage) throw new Error(`Unexpected methodArn ${methodArn}`);
  return `${arnHead}/${stage}/`;
}

/**
 * The routes each role may call (DESIGN §2 and the app contract), as `VERB/path` patterns under the
 * stage prefix. Customers get everything but the staff and delivery routes; staff their own restaurant's
 * writes plus reads; couriers deliveries plus reads; admins everything. Object-level checks stay in the
 * handlers (a staff member reading another restaurant's orders gets a 404 there).
 */
export function policyStatements(prefix: string, role: Role, restaurantId?: string): Statement[] {
  const arns = (patterns: readonly string[]) => patterns.map((pattern) => `${prefix}${pattern}`);
  const allow = (patterns: readonly string[]): Statement => ({
    Effect: 'Allow',
    Action: 'execute-api:Invoke',
    Resource: arns(patterns),
  });
  const reads = ['GET/*', 'OPTIONS/*'];
  const profile = ['*/profile', '*/profile/*'];
  // Matched by the `GET/*` reads too, so it needs an explicit Deny (which wins over any Allow).
  const adminOnly = ['GET/users'];
  const denyAdminOnly: Statement = { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: arns(adminOnly) };
  switch (role) {
    case 'admin':
      return [allow(['*/*'])];
    case 'customer':
      return [
        allow(['*/*']),
        {
          Effect: 'Deny',
          Action: 'execute-api:Invoke',
          Resource: arns([
            'PUT/restaurants/*',
            'POST/restaurants/*',
            'GET/restaurants/*/orders',
            '*/deliveries/*',
            ...adminOnly,
          ]),
        },
      ];
    case 'restaurant':
      return [
        allow([
          ...reads,
          ...profile,
          ...(restaurantId
            ? [`PUT/restaurants/${restaurantId}/*`, `POST/restaurants/${restaurantId}/orders/*/events`]
            : []),
        ]),
        denyAdminOnly,
      ];
    case 'courier':
      return [allow([...reads, ...profile, 'POST/deliveries/*']), denyAdminOnly];
  }
}

/** What a verified token becomes: a principal, a policy and the context handlers and VTL read. */
export function authorizerResult(claims: IdTokenClaims, methodArn: string): APIGatewayAuthorizerResult {
  const groups = Array.isArray(claims['cognito:groups'])
    ? claims['cognito:groups'].filter((group): group is string => typeof group === 'string')
    : [];
  const role = roleFromGroups(groups);
  const claimedRestaurant = claims['custom:restaurantId'];
  const restaurantId =
    role === 'restaurant' && typeof claimedRestaurant === 'string' && claimedRestaurant !== ''
      ? claimedRestaurant
      : undefined;
  return {
    principalId: claims.sub,
    policyDocument: {
      Version: '2012-10-17',
      Statement: policyStatements(apiStagePrefix(methodArn), role, restaurantId),
    },
    context: {
      principalId: claims.sub,
      userId: claims.sub,
      email: typeof claims.email === 'string' ? claims.email : '',
      role,
      groups: groups.join(','),
      ...(restaurantId ? { restaurantId } : {}),
    },
  };
}

/**
 * A JWKS cache that fetches the pool's keys from a local endpoint (`<endpoint>/<userPoolId>/.well-known/
 * jwks.json`, plain http allowed) instead of Cognito's https URL. Only used when an AWS endpoint variable is
 * set; the issuer checked in the token stays the real Cognito issuer, which the local Cognito also uses.
 */
export function endpointJwksCache(endpoint: string): JwksCache {
  const base = endpoint.replace(/\/+$/, '');
  return new SimpleJwksCache({
    fetcher: {
      fetch: async (uri: string) => {
        const path = new URL(uri).pathname;
        const response = await fetch(`${base}${path}`);
        if (!response.ok) throw new Error(`JWKS fetch from ${base}${path} answered ${response.status}`);
        return response.arrayBuffer();
      },
    },
  });
}

/** Configuration of {@link createAuthorizer}. */
export interface AuthorizerConfig {
  userPoolId: string;
  clientId: string;
  /** Local endpoint to load the JWKS from. @default - Cognito's own JWKS URL */
  endpoint?: string;
}

/**
 * Builds the REQUEST authorizer: verifies the Cognito ID token (signature, issuer, expiry, `token_use`
 * id, `client_id`) with `aws-jwt-verify`, then answers the role's policy. Any token problem throws
 * `Unauthorized` (API Gateway's 401); a JWKS that cannot be fetched is a fault and throws as is (500).
 */
export function createAuthorizer(config: AuthorizerConfig) {
  const verifier = CognitoJwtVerifier.create(
    { userPoolId: config.userPoolId, tokenUse: 'id', clientId: config.clientId },
    config.endpoint ? { jwksCache: endpointJwksCache(config.endpoint) } : undefined,
  );
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const headerValue = Object.entries(event.headers ?? {}).find(
      ([name]) => name.toLowerCase() === 'authorization',
    )?.[1];
    const token = tokenFromHeader(headerValue);
    if (!token) throw new Error('Unauthorized');
    let claims: IdTokenClaims;
    try {
      claims = (await verifier.verify(token)) as unknown as IdTokenClaims;
    } catch (error) {
      if (error instanceof JwtBaseError && !(error instanceof FetchError)) {
        logger.info('Token rejected', { reason: error.name });
        throw new Error('Unauthorized');
      }
      throw error;
    }
    return authorizerResult(claims, event.methodArn);
  };
}

const authorize = createAuthorizer({
  userPoolId: requiredEnv('USER_POOL_ID'),
  clientId: requiredEnv('USER_POOL_CLIENT_ID'),
  ...((process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER ?? process.env.AWS_ENDPOINT_URL)
    ? { endpoint: process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER ?? process.env.AWS_ENDPOINT_URL }
    : {}),
});

/** Lambda entry of the REQUEST authorizer (identity source: the `Authorization` header). */
export const handler = instrumented(authorize);
