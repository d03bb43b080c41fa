/**
 * The answers API Gateway itself gives (auth failures, throttling, validation, integration errors), with the
 * template's `AWS::ApiGateway::GatewayResponse` overrides: a specific type, else DEFAULT_4XX / DEFAULT_5XX.
 */
import type { RestApiDef } from './model.ts';
import { renderTemplate } from './vtl.ts';

export type GatewayResponseType =
  | 'ACCESS_DENIED'
  | 'API_CONFIGURATION_ERROR'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'AUTHORIZER_FAILURE'
  | 'BAD_REQUEST_PARAMETERS'
  | 'BAD_REQUEST_BODY'
  | 'EXPIRED_TOKEN'
  | 'INTEGRATION_FAILURE'
  | 'INTEGRATION_TIMEOUT'
  | 'INVALID_API_KEY'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'QUOTA_EXCEEDED'
  | 'REQUEST_TOO_LARGE'
  | 'RESOURCE_NOT_FOUND'
  | 'THROTTLED'
  | 'UNAUTHORIZED'
  | 'UNSUPPORTED_MEDIA_TYPE';

/** Default status, `x-amzn-ErrorType` and message of each type, as AWS answers them. */
const DEFAULTS: Record<GatewayResponseType, { status: number; errorType: string; message: string | null }> = {
  ACCESS_DENIED: {
    status: 403,
    errorType: 'AccessDeniedException',
    message: 'User is not authorized to access this resource',
  },
  API_CONFIGURATION_ERROR: { status: 500, errorType: 'InternalServerErrorException', message: 'Internal server error' },
  AUTHORIZER_CONFIGURATION_ERROR: { status: 500, errorType: 'AuthorizerConfigurationException', message: null },
  AUTHORIZER_FAILURE: { status: 500, errorType: 'AuthorizerFailureException', message: null },
  BAD_REQUEST_PARAMETERS: {
    status: 400,
    errorType: 'BadRequestException',
    message: 'Missing required request parameters',
  },
  BAD_REQUEST_BODY: { status: 400, errorType: 'BadRequestException', message: 'Invalid request body' },
  EXPIRED_TOKEN: {
    status: 403,
    errorType: 'ExpiredTokenException',
    message: 'The security token included in the request is expired',
  },
  INTEGRATION_FAILURE: { status: 504, errorType: 'InternalServerErrorException', message: 'Internal server error' },
  INTEGRATION_TIMEOUT: {
    status: 504,
    errorType: 'InternalServerErrorException',
    message: 'Endpoint request timed out',
  },
  INVALID_API_KEY: { status: 403, errorType: 'ForbiddenException', message: 'Forbidden' },
  MISSING_AUTHENTICATION_TOKEN: {
    status: 403,
    errorType: 'MissingAuthenticationTokenException',
    message: 'Missing Authentication Token',
  },
  QUOTA_EXCEEDED: { status: 429, errorType: 'LimitExceededException', message: 'Limit Exceeded' },
  REQUEST_TOO_LARGE: { status: 413, errorType: 'RequestTooLargeException', message: 'Request Too Long' },
  RESOURCE_NOT_FOUND: { status: 404, errorType: 'ResourceNotFoundException', message: 'Not Found' },
  THROTTLED: { status: 429, errorType: 'TooManyRequestsException', message: 'Too Many Requests' },
  UNAUTHORIZED: { status: 401, errorType: 'UnauthorizedException', message: 'Unauthorized' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    errorType: 'UnsupportedMediaTypeException',
    message: 'Unsupported Media Type',
  },
};

/** A request that API Gateway answers itself. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly type: GatewayResponseType,
    readonly gatewayMessage: string | null = DEFAULTS[type].message,
    readonly validationErrorString?: string,
    /** The status AWS uses for this case when it differs from the type's default (502 for a bad Lambda answer). */
    readonly statusOverride?: number,
  ) {
    super(`${type}: ${gatewayMessage}`);
  }
}

export interface GatewayAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Request facts a gateway response may map into headers (`method.request.header.Origin`). */
export interface RequestFacts {
  readonly headers: Record<string, string>;
  readonly query: Record<string, string>;
  readonly pathParameters: Record<string, string>;
}

const DEFAULT_TEMPLATE = '{"message":$context.error.messageString}';

/** Render the gateway response for `error`, applying the API's overrides when there are any. */
export const gatewayAnswer = (
  error: GatewayError,
  api: RestApiDef | undefined,
  context: Record<string, unknown>,
  stageVariables: Record<string, string>,
  request: RequestFacts,
): GatewayAnswer => {
  const defaults = DEFAULTS[error.type];
  const status = error.statusOverride ?? defaults.status;
  const fallback = status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
  const custom = api?.gatewayResponses.get(error.type);
  const family = api?.gatewayResponses.get(fallback);
  const chosen = custom ?? family;
  const templates = chosen?.responseTemplates ?? {};
  const template = templates['application/json'] ?? Object.values(templates)[0] ?? DEFAULT_TEMPLATE;
  const errorContext = {
    message: error.gatewayMessage,
    messageString: JSON.stringify(error.gatewayMessage),
    responseType: error.type,
    validationErrorString: error.validationErrorString ?? '',
  };
  const body = renderTemplate(template, { context: { ...context, error: errorContext }, stageVariables });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-errortype': defaults.errorType,
  };
  // A customized type stands alone; DEFAULT_4XX/5XX only fill in for types that are not customized.
  for (const [key, value] of Object.entries(chosen?.responseParameters ?? {})) {
    const name = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1];
    const resolved = name ? mapParameter(value, request, stageVariables) : undefined;
    if (name && resolved !== undefined) headers[name.toLowerCase()] = resolved;
  }
  return { status: chosen?.statusCode ?? status, headers, body };
};

/**
 * A mapping value: `'literal'`, `method.request.header|querystring|path.X`, or `stageVariables.X`.
 * Returns undefined when the source is absent.
 */
export const mapParameter = (
  expression: string,
  request: RequestFacts,
  stageVariables: Record<string, string>,
): string | undefined => {
  if (expression.startsWith("'") && expression.endsWith("'")) return expression.slice(1, -1);
  const [, kind, name] = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(expression) ?? [];
  if (kind === 'header') return lowerKeys(request.headers)[name!.toLowerCase()];
  if (kind === 'querystring') return request.query[name!];
  if (kind === 'path') return request.pathParameters[name!];
  const stageVar = /^stageVariables\.(.+)$/.exec(expression)?.[1];
  return stageVar ? stageVariables[stageVar] : undefined;
};

export const lowerKeys = (record: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
