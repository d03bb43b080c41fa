/**
 * The REST API (v1) Lambda proxy format: the event a function receives (`AWS_PROXY` integrations and REQUEST
 * authorizers share most of it) and the answer it must return.
 */
import { GatewayError } from './gateway-responses.ts';

/** One request as the gateway sees it after routing. */
export interface GatewayRequest {
  readonly requestId: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly httpMethod: string;
  /** The path without the stage: `/orders/42`. */
  readonly path: string;
  /** The matched resource: `/orders/{orderId}`. */
  readonly resourcePath: string;
  readonly resourceId: string;
  readonly headers: Record<string, string>;
  readonly multiValueHeaders: Record<string, string[]>;
  readonly query: Record<string, string>;
  readonly multiValueQuery: Record<string, string[]>;
  readonly pathParameters: Record<string, string>;
  readonly stageVariables: Record<string, string>;
  readonly body: Buffer;
  /** Whether the body is delivered base64-encoded (its Content-Type is a binary media type). */
  readonly binaryBody: boolean;
  readonly sourceIp: string;
  readonly userAgent: string | undefined;
  readonly domainName: string;
  readonly protocol: string;
  readonly requestTimeEpoch: number;
}

/** Caller identity facts filled in as the request moves through the gateway. */
export interface RequestIdentity {
  apiKey?: string;
  apiKeyId?: string;
}

const nullIfEmpty = <T extends object>(value: T): T | null => (Object.keys(value).length === 0 ? null : value);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** CLF time as in `requestContext.requestTime`: `22/Nov/2026:01:51:41 +0000`. */
export const clfTime = (epochMs: number): string => {
  const d = new Date(epochMs);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
};

/** The `identity` block, every field AWS sends (null when unknown). */
const identityOf = (req: GatewayRequest, identity: RequestIdentity) => ({
  accessKey: null,
  accountId: null,
  apiKey: identity.apiKey ?? null,
  apiKeyId: identity.apiKeyId ?? null,
  caller: null,
  cognitoAuthenticationProvider: null,
  cognitoAuthenticationType: null,
  cognitoIdentityId: null,
  cognitoIdentityPoolId: null,
  principalOrgId: null,
  sourceIp: req.sourceIp,
  user: null,
  userAgent: req.userAgent ?? null,
  userArn: null,
  clientCert: null,
});

/** `requestContext` of proxy and REQUEST-authorizer events. */
export const requestContextOf = (
  req: GatewayRequest,
  identity: RequestIdentity,
  authorizer: Record<string, unknown> | undefined,
) => ({
  resourceId: req.resourceId,
  resourcePath: req.resourcePath,
  httpMethod: req.httpMethod,
  extendedRequestId: req.requestId,
  requestTime: clfTime(req.requestTimeEpoch),
  path: `/${req.stage}${req.path}`,
  accountId: req.accountId,
  protocol: req.protocol,
  stage: req.stage,
  domainPrefix: req.domainName.split('.')[0] ?? req.domainName,
  requestTimeEpoch: req.requestTimeEpoch,
  requestId: req.requestId,
  identity: identityOf(req, identity),
  domainName: req.domainName,
  apiId: req.apiId,
  ...(authorizer ? { authorizer } : {}),
});

/** The fields shared by the proxy event and the REQUEST authorizer event. */
const requestFields = (req: GatewayRequest) => ({
  resource: req.resourcePath,
  path: req.path,
  httpMethod: req.httpMethod,
  headers: nullIfEmpty(req.headers),
  multiValueHeaders: nullIfEmpty(req.multiValueHeaders),
  queryStringParameters: nullIfEmpty(req.query),
  multiValueQueryStringParameters: nullIfEmpty(req.multiValueQuery),
  pathParameters: nullIfEmpty(req.pathParameters),
  stageVariables: nullIfEmpty(req.stageVariables),
});

/** The `APIGatewayProxyEvent` an `AWS_PROXY` integration receives. */
export const proxyEvent = (
  req: GatewayRequest,
  identity: RequestIdentity,
  authorizer: Record<string, unknown> | undefined,
) => ({
  ...requestFields(req),
  requestContext: requestContextOf(req, identity, authorizer),
  body: req.body.length === 0 ? null : req.binaryBody ? req.body.toString('base64') : req.body.toString('utf8'),
  isBase64Encoded: req.binaryBody,
});

/** The event of a REQUEST authorizer. */
export const requestAuthorizerEvent = (req: GatewayRequest, methodArn: string) => ({
  type: 'REQUEST',
  methodArn,
  ...requestFields(req),
  requestContext: requestContextOf(req, {}, undefined),
});

/** A validated proxy answer. */
export interface ProxyAnswer {
  readonly status: number;
  readonly headers: Record<string, string[]>;
  readonly body: Buffer;
  readonly isBase64Encoded: boolean;
}

const ALLOWED_KEYS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded', 'cookies']);

const malformed = (): GatewayError =>
  // AWS logs "Malformed Lambda proxy response" and answers 502 with the generic message.
  new GatewayError('API_CONFIGURATION_ERROR', 'Internal server error', undefined, 502);

/**
 * Check a function's answer the way API Gateway does: an object with a numeric `statusCode`, string header
 * values, a string body, and no other keys. Anything else is a 502.
 */
export const parseProxyAnswer = (payload: string): ProxyAnswer => {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    throw malformed();
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw malformed();
  const answer = value as Record<string, unknown>;
  if (Object.keys(answer).some((k) => !ALLOWED_KEYS.has(k))) throw malformed();
  const status = Number(answer.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) throw malformed();
  if (answer.body !== undefined && answer.body !== null && typeof answer.body !== 'string') throw malformed();
  const headers: Record<string, string[]> = {};
  const add = (name: string, v: unknown) => {
    if (v !== null && typeof v === 'object') throw malformed();
    headers[name.toLowerCase()] = [...(headers[name.toLowerCase()] ?? []), String(v)];
  };
  if (answer.headers !== undefined && answer.headers !== null) {
    if (typeof answer.headers !== 'object' || Array.isArray(answer.headers)) throw malformed();
    for (const [k, v] of Object.entries(answer.headers)) add(k, v);
  }
  if (answer.multiValueHeaders !== undefined && answer.multiValueHeaders !== null) {
    if (typeof answer.multiValueHeaders !== 'object') throw malformed();
    for (const [k, values] of Object.entries(answer.multiValueHeaders)) {
      if (!Array.isArray(values)) throw malformed();
      // multiValueHeaders replace the single-value header of the same name.
      delete headers[k.toLowerCase()];
      for (const v of values) add(k, v);
    }
  }
  const isBase64Encoded = answer.isBase64Encoded === true;
  const text = typeof answer.body === 'string' ? answer.body : '';
  return {
    status,
    headers,
    body: isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
    isBase64Encoded,
  };
};
