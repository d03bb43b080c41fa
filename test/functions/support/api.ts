import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Caller } from '#shared/auth';

/** Callers used across the tests. */
export const callers = {
  alice: { userId: 'user-alice', role: 'customer' },
  bob: { userId: 'user-bob', role: 'customer' },
  staffR1: { userId: 'staff-1', role: 'restaurant', restaurantId: 'r1' },
  staffR2: { userId: 'staff-2', role: 'restaurant', restaurantId: 'r2' },
  courierC1: { userId: 'courier-1', role: 'courier' },
  courierC2: { userId: 'courier-2', role: 'courier' },
  admin: { userId: 'admin-1', role: 'admin' },
} as const satisfies Record<string, Caller>;

/** A fake Lambda context with enough time left. */
export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test-function',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-function',
    memoryLimitInMB: '256',
    awsRequestId: 'aws-request-1',
    logGroupName: '/aws/lambda/test-function',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 20_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Builds a REST v1 proxy event as API Gateway sends it after the authorizer allowed the call. */
export function apiEvent(options: {
  caller?: Caller;
  method?: string;
  path?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  requestId?: string;
}): APIGatewayProxyEvent {
  const { caller } = options;
  return {
    resource: options.path ?? '/',
    path: options.path ?? '/',
    httpMethod: options.method ?? 'GET',
    headers: options.headers ?? {},
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body:
      options.body === undefined
        ? null
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: {
      requestId: options.requestId ?? 'req-1',
      authorizer: caller ? { principalId: caller.userId, ...caller, email: '', groups: '' } : null,
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** Invokes a Middy API handler and parses its JSON body. */
export async function call(
  handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>,
  event: APIGatewayProxyEvent,
  // biome-ignore lint/suspicious/noExplicitAny: answers of many shapes, asserted field by field in the tests
): Promise<{ statusCode: number; headers: Record<string, string>; body: any }> {
  const result = await handler(event, lambdaContext());
  return {
    statusCode: result.statusCode,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: result.body ? JSON.parse(result.body) : undefined,
  };
}
