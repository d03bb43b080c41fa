/**
 * Lambda (TOKEN, REQUEST) and Cognito user pool authorizers: identity sources, the returned IAM policy checked
 * against the method ARN, result caching by identity source values, and JWT verification against the local
 * Cognito's JWKS.
 */
import { createPublicKey, type JsonWebKey, verify as verifySignature } from 'node:crypto';
import type { Cloud, LocalContext, RawRequest } from '../core/types.ts';
import { GatewayError, lowerKeys } from './gateway-responses.ts';
import type { AuthorizerDef, MethodDef } from './model.ts';
import { evaluatePolicy } from './policy.ts';
import { type GatewayRequest, requestAuthorizerEvent } from './proxy.ts';

/** What a successful authorization contributes to the request. */
export interface AuthorizationResult {
  /** `requestContext.authorizer` / `$context.authorizer`. */
  readonly context: Record<string, unknown>;
  readonly principalId: string | undefined;
  /** An API key chosen by the authorizer (`ApiKeySourceType: AUTHORIZER`). */
  readonly usageIdentifierKey: string | undefined;
}

interface CachedPolicy {
  readonly policy: unknown;
  readonly result: AuthorizationResult;
  readonly expires: number;
}

/** Bound on cached authorizer results, so a long local run with many tokens does not grow without limit. */
const MAX_CACHED_RESULTS = 10_000;

interface Jwk extends JsonWebKey {
  kid?: string;
}

/** Authorizes requests; one per running gateway, holding the result cache and the fetched JWKS. */
export class Authorizers {
  private readonly cache = new Map<string, CachedPolicy>();
  private readonly jwks = new Map<string, Promise<Jwk[]>>();
  /** Invocations of each authorizer function, for tests and the console. */
  readonly invocations = new Map<string, number>();

  constructor(
    private readonly ctx: LocalContext,
    private readonly cloud: Cloud,
  ) {}

  /** Authorize `req` for `method`, or throw the GatewayError AWS would answer with. */
  async authorize(
    authorizer: AuthorizerDef,
    method: MethodDef,
    req: GatewayRequest,
    arn: string,
  ): Promise<AuthorizationResult> {
    if (authorizer.type === 'COGNITO_USER_POOLS') return this.cognito(authorizer, method, req);
    const identity = identityValues(authorizer, req);
    if (identity === undefined) throw new GatewayError('UNAUTHORIZED');
    if (
      authorizer.type === 'TOKEN' &&
      authorizer.identityValidationExpression &&
      !new RegExp(`^(?:${authorizer.identityValidationExpression})$`).test(identity[0] ?? '')
    )
      throw new GatewayError('UNAUTHORIZED');

    const cacheKey = `${authorizer.id}\u0000${identity.join('\u0000')}`;
    const cacheable = authorizer.ttlSeconds > 0 && identity.length > 0;
    const cached = cacheable ? this.cache.get(cacheKey) : undefined;
    // The cached policy is evaluated again for this method: a policy cached from one route can deny another.
    if (cached && cached.expires > Date.now()) return decide(cached.policy, arn, cached.result);

    const event =
      authorizer.type === 'TOKEN'
        ? { type: 'TOKEN', authorizationToken: identity[0], methodArn: arn }
        : requestAuthorizerEvent(req, arn);
    const { policy, result } = await this.invokeLambda(authorizer, event);
    if (cacheable) {
      if (this.cache.size >= MAX_CACHED_RESULTS) this.evictExpired();
      this.cache.set(cacheKey, { policy, result, expires: Date.now() + authorizer.ttlSeconds * 1000 });
    }
    return decide(policy, arn, result);
  }

  /** Drop expired results; when none has expired, the oldest half goes (a long run with many tokens). */
  private evictExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.cache) if (entry.expires <= now) this.cache.delete(key);
    if (this.cache.size < MAX_CACHED_RESULTS) return;
    let drop = Math.floor(this.cache.size / 2);
    for (const key of this.cache.keys()) {
      if (drop-- <= 0) break;
      this.cache.delete(key);
    }
  }

  /** Forget cached authorizer results (the console's "flush cache"). */
  flush(): void {
    this.cache.clear();
  }

  private async invokeLambda(
    authorizer: AuthorizerDef,
    event: unknown,
  ): Promise<{ policy: unknown; result: AuthorizationResult }> {
    if (!authorizer.functionArn) throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR');
    this.invocations.set(authorizer.id, (this.invocations.get(authorizer.id) ?? 0) + 1);
    const started = Date.now();
    let answer: { FunctionError?: string; Payload?: string };
    try {
      answer = await this.cloud.call('lambda', 'Invoke', {
        FunctionName: authorizer.functionArn,
        InvocationType: 'RequestResponse',
        Payload: JSON.stringify(event),
      });
    } catch (e) {
      this.ctx.log.warn('authorizer invoke failed', { authorizer: authorizer.name, error: String(e) });
      throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR');
    }
    const payload = parseJson(answer.Payload);
    if (answer.FunctionError) {
      // Throwing `new Error('Unauthorized')` is the documented way for an authorizer to answer 401.
      if ((payload as { errorMessage?: string } | undefined)?.errorMessage === 'Unauthorized')
        throw new GatewayError('UNAUTHORIZED');
      throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR');
    }
    const output = payload as
      | { principalId?: unknown; policyDocument?: unknown; context?: unknown; usageIdentifierKey?: unknown }
      | undefined;
    if (!output || typeof output !== 'object' || !output.policyDocument || output.principalId === undefined)
      throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR');
    const context: Record<string, unknown> = {};
    for (const [key, value] of Object.entries((output.context as Record<string, unknown> | undefined) ?? {})) {
      // AWS refuses objects and arrays in the context, and hands every value on as a string.
      if (value !== null && typeof value === 'object') throw new GatewayError('AUTHORIZER_CONFIGURATION_ERROR');
      context[key] = String(value);
    }
    const principalId = String(output.principalId);
    return {
      policy: output.policyDocument,
      result: {
        context: { ...context, principalId, integrationLatency: Date.now() - started },
        principalId,
        usageIdentifierKey: output.usageIdentifierKey === undefined ? undefined : String(output.usageIdentifierKey),
      },
    };
  }

  private async cognito(
    authorizer: AuthorizerDef,
    method: MethodDef,
    req: GatewayRequest,
  ): Promise<AuthorizationResult> {
    const token = identityValues(authorizer, req)?.[0]?.replace(/^Bearer\s+/i, '');
    if (!token) throw new GatewayError('UNAUTHORIZED');
    const claims = await this.verifyJwt(token, authorizer.providerArns).catch((e: unknown) => {
      this.ctx.log.debug('cognito authorizer rejected a token', { error: String(e) });
      return undefined;
    });
    if (!claims) throw new GatewayError('UNAUTHORIZED');
    if (method.authorizationScopes.length > 0) {
      const scopes = String(claims.scope ?? '').split(' ');
      if (claims.token_use !== 'access' || !method.authorizationScopes.some((s) => scopes.includes(s)))
        throw new GatewayError('UNAUTHORIZED');
    } else if (claims.token_use !== 'id') throw new GatewayError('UNAUTHORIZED');
    return { context: { claims: restClaims(claims) }, principalId: undefined, usageIdentifierKey: undefined };
  }

  /** Verify an RS256 JWT issued by one of the pools; answers its claims, or throws. */
  private async verifyJwt(token: string, providerArns: readonly string[]): Promise<Record<string, unknown>> {
    const [head, body, signature] = token.split('.');
    if (!head || !body || !signature) throw new Error('not a JWT');
    const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string; kid?: string };
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (header.alg !== 'RS256') throw new Error(`alg ${header.alg}`);
    const poolId = providerArns
      .map((a) => a.split('/').pop() ?? '')
      .find((id) => claims.iss === `https://cognito-idp.${id.split('_')[0]}.amazonaws.com/${id}`);
    if (!poolId) throw new Error(`issuer ${claims.iss} is not one of the authorizer's pools`);
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) throw new Error('expired');
    const key = (await this.keysOf(poolId)).find((k) => k.kid === header.kid);
    if (!key) throw new Error(`unknown kid ${header.kid}`);
    const ok = verifySignature(
      'RSA-SHA256',
      Buffer.from(`${head}.${body}`),
      createPublicKey({ key, format: 'jwk' }),
      Buffer.from(signature, 'base64url'),
    );
    if (!ok) throw new Error('bad signature');
    return claims;
  }

  private keysOf(poolId: string): Promise<Jwk[]> {
    let keys = this.jwks.get(poolId);
    if (!keys) {
      keys = this.fetchJwks(poolId);
      this.jwks.set(poolId, keys);
      keys.catch(() => this.jwks.delete(poolId));
    }
    return keys;
  }

  /** The JWKS from the Cognito service's own route when it runs in this process, else over HTTP. */
  private async fetchJwks(poolId: string): Promise<Jwk[]> {
    const path = `/${poolId}/.well-known/jwks.json`;
    let service: ReturnType<Cloud['service']> | undefined;
    try {
      service = this.cloud.service('cognito-idp');
    } catch {
      service = undefined;
    }
    for (const route of service?.routes ?? []) {
      const params = matchPattern(route.path, path);
      if (!params || (route.method !== 'GET' && route.method !== '*')) continue;
      const raw: RawRequest = { method: 'GET', path, query: {}, headers: {}, body: Buffer.alloc(0), requestId: 'jwks' };
      const answer = await route.handle(raw, params);
      return (parseJson(answer.body?.toString()) as { keys?: Jwk[] } | undefined)?.keys ?? [];
    }
    const response = await fetch(`${this.ctx.endpoint}${path}`);
    return ((await response.json()) as { keys?: Jwk[] }).keys ?? [];
  }
}

const decide = (policy: unknown, arn: string, result: AuthorizationResult): AuthorizationResult => {
  const decision = evaluatePolicy(policy, arn);
  if (decision === 'deny')
    throw new GatewayError('ACCESS_DENIED', 'User is not authorized to access this resource with an explicit deny');
  if (decision === 'implicit-deny') throw new GatewayError('ACCESS_DENIED');
  return result;
};

/** Values of the identity sources, or undefined when one is missing (AWS answers 401 without invoking). */
const identityValues = (authorizer: AuthorizerDef, req: GatewayRequest): string[] | undefined => {
  const headers = lowerKeys(req.headers);
  const values: string[] = [];
  for (const source of authorizer.identitySources) {
    const [, kind, name] = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(source) ?? [];
    const stageVar = /^stageVariables\.(.+)$/.exec(source)?.[1];
    const contextVar = /^context\.(.+)$/.exec(source)?.[1];
    const value =
      kind === 'header'
        ? headers[name!.toLowerCase()]
        : kind === 'querystring'
          ? req.query[name!]
          : kind === 'path'
            ? req.pathParameters[name!]
            : stageVar
              ? req.stageVariables[stageVar]
              : contextVar
                ? String((req as unknown as Record<string, unknown>)[contextVar] ?? '')
                : undefined;
    if (value === undefined || value === '') return undefined;
    values.push(value);
  }
  return values;
};

const JAVA_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const JAVA_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Java's `Date.toString()` in UTC, which is how REST APIs render `exp` and `iat` claims. */
const javaDate = (seconds: number): string => {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${JAVA_DAYS[d.getUTCDay()]} ${JAVA_MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
};

/** Claims as a REST API hands them on: every value a string, lists comma-joined, exp/iat as dates. */
const restClaims = (claims: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(claims).map(([key, value]) => [
      key,
      (key === 'exp' || key === 'iat') && typeof value === 'number'
        ? javaDate(value)
        : Array.isArray(value)
          ? value.join(',')
          : typeof value === 'object' && value !== null
            ? JSON.stringify(value)
            : String(value),
    ]),
  );

const parseJson = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Match `/a/{x}/b/{rest+}` against a path; answers the parameters or undefined. */
export const matchPattern = (pattern: string, path: string): Record<string, string> | undefined => {
  const names: string[] = [];
  const source = pattern
    .split('/')
    .map((part) => {
      const greedy = /^\{(.+)\+\}$/.exec(part);
      const single = /^\{(.+)\}$/.exec(part);
      if (greedy) {
        names.push(greedy[1]!);
        return '(.+)';
      }
      if (single) {
        names.push(single[1]!);
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const match = new RegExp(`^${source}$`).exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)]));
};
