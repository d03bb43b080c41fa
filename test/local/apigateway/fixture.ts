/**
 * A hand-written REST API (resolved resources, no CDK) and a fake cloud whose Lambda runs in-process handlers
 * and whose events/sqs/states/cognito services record what they receive.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { type ApiGatewayService, createApiGatewayService } from '../../../local/apigateway/index.ts';
import { localContext as quietContext } from '../../../local/core/context.ts';
import { AwsError } from '../../../local/core/errors.ts';
import type { Cloud, LocalContext, ResolvedResource, Service } from '../../../local/core/types.ts';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const API_ID = 'a1b2c3d4e5';
export const ROOT_ID = 'rootid0001';
export const STAGE = 'test';
export const POOL_ID = 'us-east-1_TestPool1';

type Handler = (event: any) => unknown;

/** Calls the fake cloud received, by service. */
export interface RecordedCall {
  readonly service: string;
  readonly operation: string;
  readonly input: any;
}

export const localContext = (): LocalContext => quietContext({ region: REGION, accountId: ACCOUNT });

/** A Cloud stub: Lambda functions by ARN run in-process; other services are plain operation objects. */
export class FakeCloud implements Cloud {
  readonly ctx = localContext();
  readonly calls: RecordedCall[] = [];
  readonly invocations = new Map<string, number>();
  private readonly services = new Map<string, Service>();

  constructor(private readonly functions: Record<string, Handler>) {}

  /** Register a service under its name and any aliases (the real registry resolves 'cognito-idp' → 'cognito'). */
  addService(service: Service, aliases: readonly string[] = []): void {
    for (const name of [service.name, ...aliases]) this.services.set(name, service);
  }

  async call<T = any>(service: string, operation: string, input: any): Promise<T> {
    this.calls.push({ service, operation, input });
    if (service === 'lambda' && operation === 'Invoke') {
      const name = String(input.FunctionName);
      const handler = this.functions[name];
      if (!handler) throw new AwsError('ResourceNotFoundException', `Function not found: ${name}`, 404);
      this.invocations.set(name, (this.invocations.get(name) ?? 0) + 1);
      try {
        const result = await handler(JSON.parse(input.Payload));
        return { StatusCode: 200, Payload: JSON.stringify(result ?? null), ExecutedVersion: '$LATEST' } as T;
      } catch (e) {
        const error = e as Error;
        return {
          StatusCode: 200,
          FunctionError: 'Unhandled',
          Payload: JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [] }),
        } as T;
      }
    }
    const target = this.services.get(service);
    const op = target?.operations[operation];
    if (!op) throw new AwsError('UnknownOperationException', `${service}.${operation}`, 400);
    return op(input, { requestId: 'test', caller: 'apigateway' });
  }

  service(name: string): Service {
    const s = this.services.get(name);
    if (!s) throw new Error(`no service ${name}`);
    return s;
  }

  callsTo(service: string, operation: string): RecordedCall[] {
    return this.calls.filter((c) => c.service === service && c.operation === operation);
  }
}

export const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
export const lambdaUri = (name: string) =>
  `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${fnArn(name)}/invocations`;
const apiArn = (suffix: string) => `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${suffix}`;

export const res = (
  logicalId: string,
  type: string,
  properties: Record<string, any>,
  physicalId = logicalId,
  attributes = {},
) =>
  ({
    logicalId,
    type: `AWS::ApiGateway::${type}`,
    properties: { RestApiId: API_ID, ...properties },
    physicalId,
    attributes,
  }) as ResolvedResource;

export const path = (id: string, parentId: string, pathPart: string) =>
  res(id, 'Resource', { ParentId: parentId, PathPart: pathPart }, id);

export const proxy = (fn: string, extra: Record<string, any> = {}) => ({
  Type: 'AWS_PROXY',
  IntegrationHttpMethod: 'POST',
  Uri: lambdaUri(fn),
  ...extra,
});

export const method = (
  id: string,
  resourceId: string,
  httpMethod: string,
  integration: Record<string, any>,
  extra: Record<string, any> = {},
) =>
  res(id, 'Method', {
    ResourceId: resourceId,
    HttpMethod: httpMethod,
    AuthorizationType: 'NONE',
    Integration: integration,
    ...extra,
  });

/** The CORS preflight MOCK method as CDK's `defaultCorsPreflightOptions` writes it. */
const corsPreflight = (id: string, resourceId: string) =>
  method(id, resourceId, 'OPTIONS', {
    Type: 'MOCK',
    RequestTemplates: { 'application/json': '{ statusCode: 200 }' },
    IntegrationResponses: [
      {
        StatusCode: '204',
        ResponseParameters: {
          'method.response.header.Access-Control-Allow-Headers': "'Content-Type,Authorization'",
          'method.response.header.Access-Control-Allow-Origin': "'https://app.example'",
          'method.response.header.Access-Control-Allow-Methods': "'OPTIONS,GET,POST'",
        },
      },
    ],
  });

/** Signing keys of the fake Cognito pool. */
export const cognitoKeys = (() => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicKey, privateKey, kid: 'test-kid' };
})();

/** An RS256 token from the fake pool (or any issuer/key to forge bad ones). */
export const cognitoToken = (
  claims: Record<string, unknown>,
  key: KeyObject = cognitoKeys.privateKey,
  kid = cognitoKeys.kid,
): string => {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid })).toString('base64url');
  const body = Buffer.from(
    JSON.stringify({
      iss: `https://cognito-idp.${REGION}.amazonaws.com/${POOL_ID}`,
      token_use: 'id',
      iat: now,
      exp: now + 3600,
      ...claims,
    }),
  ).toString('base64url');
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${body}`), key).toString('base64url');
  return `${header}.${body}.${signature}`;
};

const echo: Handler = (event) => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(event),
});

const policy = (effect: 'Allow' | 'Deny', resource: string | string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
});

/** In-process Lambda handlers by function ARN. */
export const functions: Record<string, Handler> = {
  [fnArn('echo')]: echo,
  [fnArn('bad-answer')]: () => ({ statusCode: 200, body: { not: 'a string' } }),
  [fnArn('throws')]: () => {
    throw new Error('boom');
  },
  [fnArn('slow')]: () => new Promise((resolve) => setTimeout(() => resolve(echo({})), 2_000).unref()),
  [fnArn('binary')]: () => ({
    statusCode: 200,
    headers: { 'Content-Type': 'image/png' },
    body: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64'),
    isBase64Encoded: true,
  }),
  [fnArn('multi')]: () => ({
    statusCode: 201,
    headers: { 'X-One': 'a' },
    multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
    body: 'created',
  }),
  [fnArn('token-auth')]: (event: { authorizationToken: string; methodArn: string }) => {
    const token = event.authorizationToken.replace(/^Bearer /, '');
    const context = { userId: `user-${token}`, admin: true, level: 3 };
    if (token === 'unauthorized') throw new Error('Unauthorized');
    if (token === 'crash') throw new Error('database down');
    if (token === 'deny') return { principalId: 'p-deny', policyDocument: policy('Deny', apiArn('*')), context };
    if (token === 'mixed')
      return {
        principalId: 'p-mixed',
        policyDocument: {
          Statement: [
            { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: apiArn('*') },
            { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: apiArn('test/POST/*') },
          ],
        },
        context,
      };
    // `?` matches exactly one character: t?ken matches token.
    if (token === 'narrow')
      return { principalId: 'p-narrow', policyDocument: policy('Allow', apiArn('test/GET/t?ken')), context };
    if (token === 'nested')
      return { principalId: 'p', policyDocument: policy('Allow', apiArn('*')), context: { a: { b: 1 } } };
    if (token === 'no-policy') return { principalId: 'p' };
    return { principalId: `p-${token}`, policyDocument: policy('Allow', apiArn('test/*')), context };
  },
  [fnArn('request-auth')]: (event: any) => ({
    principalId: event.headers['X-User'],
    policyDocument: policy('Allow', event.methodArn),
    context: { tenant: event.queryStringParameters.tenant, type: event.type, resource: event.resource },
  }),
};

export const TOKEN_AUTHORIZER = 'authtok1';
export const REQUEST_AUTHORIZER = 'authreq1';

/** The API under test. */
export const fixtureResources = (): ResolvedResource[] => [
  // Listed children-first on purpose: the service must not depend on provisioning order.
  path('r-item', 'r-items', '{itemId}'),
  path('r-items', ROOT_ID, 'items'),
  path('r-files', ROOT_ID, 'files'),
  path('r-proxy', 'r-files', '{proxy+}'),
  path('r-special', 'r-items', 'special'),
  ...[
    'token',
    'request',
    'cognito',
    'events',
    'queue',
    'orders',
    'sync',
    'slow',
    'limited',
    'keyed',
    'throws',
    'bad',
    'binary',
    'multi',
    'form',
  ].map((p) => path(`r-${p}`, ROOT_ID, p)),
  res('Api', 'RestApi', { Name: 'fixture-api', BinaryMediaTypes: ['image~1png'] }, API_ID, { RootResourceId: ROOT_ID }),
  res('Deployment', 'Deployment', {}, 'dep1'),
  res(
    'Stage',
    'Stage',
    {
      StageName: STAGE,
      DeploymentId: 'dep1',
      Variables: { env: 'testing' },
      MethodSettings: [
        { ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 10_000, ThrottlingBurstLimit: 5_000 },
        { ResourcePath: '/~1limited', HttpMethod: 'GET', ThrottlingRateLimit: 0.001, ThrottlingBurstLimit: 2 },
      ],
      AccessLogSetting: {
        DestinationArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:access`,
        Format:
          '{"requestId":"$context.requestId","method":"$context.httpMethod","path":"$context.resourcePath","status":"$context.status","error":"$context.error.responseType"}',
      },
    },
    STAGE,
  ),
  res(
    'TokenAuthorizer',
    'Authorizer',
    {
      Name: 'token',
      Type: 'TOKEN',
      AuthorizerUri: lambdaUri('token-auth'),
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    },
    TOKEN_AUTHORIZER,
  ),
  res(
    'RequestAuthorizer',
    'Authorizer',
    {
      Name: 'request',
      Type: 'REQUEST',
      AuthorizerUri: lambdaUri('request-auth'),
      IdentitySource: 'method.request.header.X-User, method.request.querystring.tenant',
      AuthorizerResultTtlInSeconds: 0,
    },
    REQUEST_AUTHORIZER,
  ),
  res(
    'CognitoAuthorizer',
    'Authorizer',
    {
      Name: 'cognito',
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      ProviderARNs: [`arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${POOL_ID}`],
    },
    'authcog1',
  ),
  res('BodyValidator', 'RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true }, 'val1'),
  res(
    'ItemModel',
    'Model',
    {
      Name: 'Item',
      ContentType: 'application/json',
      Schema: {
        $schema: 'http://json-schema.org/draft-04/schema#',
        type: 'object',
        required: ['name', 'priceCents'],
        properties: { name: { type: 'string', minLength: 1 }, priceCents: { type: 'integer', minimum: 0 } },
        additionalProperties: false,
      },
    },
    'Item',
  ),
  res(
    'Default4xx',
    'GatewayResponse',
    {
      ResponseType: 'DEFAULT_4XX',
      ResponseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" },
    },
    'gr1',
  ),
  res(
    'BadBody',
    'GatewayResponse',
    {
      ResponseType: 'BAD_REQUEST_BODY',
      StatusCode: '422',
      ResponseParameters: { 'gatewayresponse.header.X-Request-Origin': 'method.request.header.Origin' },
      ResponseTemplates: {
        'application/json':
          '{"error":{"code":"VALIDATION_FAILED","message":$context.error.messageString,"details":"$context.error.validationErrorString"}}',
      },
    },
    'gr2',
  ),
  res(
    'Plan',
    'UsagePlan',
    {
      UsagePlanName: 'basic',
      Throttle: { RateLimit: 100, BurstLimit: 50 },
      Quota: { Limit: 2, Period: 'DAY' },
      ApiStages: [{ ApiId: API_ID, Stage: STAGE }],
    },
    'plan1',
  ),
  res('Key', 'ApiKey', { Name: 'partner', Value: 'partner-key-0123456789', Enabled: true }, 'key1'),
  res('PlanKey', 'UsagePlanKey', { KeyId: 'key1', KeyType: 'API_KEY', UsagePlanId: 'plan1' }, 'pk1'),
  res('Account', 'Account', { CloudWatchRoleArn: 'arn:aws:iam::000000000000:role/x' }, 'acct'),

  method('ItemsGet', 'r-items', 'GET', proxy('echo')),
  method('ItemsPost', 'r-items', 'POST', proxy('echo'), {
    RequestValidatorId: 'val1',
    RequestModels: { 'application/json': 'Item' },
    RequestParameters: { 'method.request.header.X-Client': true, 'method.request.querystring.dryRun': false },
  }),
  corsPreflight('ItemsOptions', 'r-items'),
  method('ItemGet', 'r-item', 'GET', proxy('echo')),
  method('SpecialGet', 'r-special', 'GET', proxy('echo')),
  method('FilesAny', 'r-proxy', 'ANY', proxy('echo')),
  method('TokenGet', 'r-token', 'GET', proxy('echo'), { AuthorizationType: 'CUSTOM', AuthorizerId: TOKEN_AUTHORIZER }),
  method('TokenPost', 'r-token', 'POST', proxy('echo'), {
    AuthorizationType: 'CUSTOM',
    AuthorizerId: TOKEN_AUTHORIZER,
  }),
  method('RequestGet', 'r-request', 'GET', proxy('echo'), {
    AuthorizationType: 'CUSTOM',
    AuthorizerId: REQUEST_AUTHORIZER,
  }),
  method('CognitoGet', 'r-cognito', 'GET', proxy('echo'), {
    AuthorizationType: 'COGNITO_USER_POOLS',
    AuthorizerId: 'authcog1',
  }),
  method(
    'EventsPost',
    'r-events',
    'POST',
    {
      Type: 'AWS',
      IntegrationHttpMethod: 'POST',
      Uri: `arn:aws:apigateway:${REGION}:events:action/PutEvents`,
      PassthroughBehavior: 'NEVER',
      RequestParameters: { 'integration.request.header.X-Amz-Target': "'AWSEvents.PutEvents'" },
      RequestTemplates: {
        'application/json': [
          "#set($body = $input.path('$'))",
          '#set($context.requestOverride.header.X-Amz-Target = "AWSEvents.PutEvents")',
          '{"Entries":[{"Source":"app.restaurant","DetailType":"$body.type","EventBusName":"bus-$stageVariables.env",',
          '"Detail":"{\\"orderId\\":\\"$util.escapeJavaScript($body.orderId)\\",\\"staffId\\":\\"$context.authorizer.userId\\",\\"note\\":\\"$util.escapeJavaScript($body.note).replaceAll("\\\\\'","\'")\\",\\"len\\":$body.orderId.length()}"}]}',
        ].join('\n'),
      },
      IntegrationResponses: [
        {
          StatusCode: '202',
          ResponseTemplates: {
            'application/json': [
              "#set($out = $input.path('$'))",
              '#if($out.FailedEntryCount > 0)#set($context.responseOverride.status = 500){"error":"not published"}',
              '#else{"eventId":"$out.Entries[0].EventId"}#end',
            ].join('\n'),
          },
        },
        {
          StatusCode: '400',
          SelectionPattern: '4\\d{2}',
          ResponseTemplates: { 'application/json': '{"error":"rejected"}' },
        },
      ],
    },
    { AuthorizationType: 'CUSTOM', AuthorizerId: TOKEN_AUTHORIZER },
  ),
  method('QueuePut', 'r-queue', 'PUT', {
    Type: 'AWS',
    IntegrationHttpMethod: 'POST',
    Uri: `arn:aws:apigateway:${REGION}:sqs:path/${ACCOUNT}/favorites-queue`,
    RequestParameters: { 'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'" },
    RequestTemplates: {
      'application/json':
        'Action=SendMessage&MessageBody=$util.urlEncode($input.body)&MessageAttribute.1.Name=command&MessageAttribute.1.Value.StringValue=AddFavorite&MessageAttribute.1.Value.DataType=String&MessageAttribute.2.Name=requestId&MessageAttribute.2.Value.StringValue=$util.urlEncode($context.requestId)&MessageAttribute.2.Value.DataType=String',
    },
    IntegrationResponses: [
      {
        StatusCode: '202',
        ResponseTemplates: {
          'application/json': '{"messageId":"$input.path(\'$.SendMessageResponse.SendMessageResult.MessageId\')"}',
        },
        ResponseParameters: { 'method.response.header.X-Request-Id': 'integration.response.header.x-amzn-RequestId' },
      },
    ],
  }),
  method('OrdersPost', 'r-orders', 'POST', {
    Type: 'AWS',
    IntegrationHttpMethod: 'POST',
    Uri: `arn:aws:apigateway:${REGION}:states:action/StartExecution`,
    RequestTemplates: {
      'application/json':
        '{"stateMachineArn":"arn:aws:states:us-east-1:000000000000:stateMachine:Lifecycle","name":"$input.path(\'$.orderId\')","input":"$util.escapeJavaScript($input.json(\'$\'))"}',
    },
    IntegrationResponses: [
      {
        StatusCode: '200',
        ResponseTemplates: {
          'application/json':
            '{"executionArn":"$input.path(\'$.executionArn\')","started":$input.path(\'$.startDate\')}',
        },
      },
      {
        StatusCode: '409',
        SelectionPattern: '400',
        ResponseTemplates: { 'application/json': '{"error":"$input.path(\'$.__type\')"}' },
      },
    ],
  }),
  method('SyncPost', 'r-sync', 'POST', {
    Type: 'AWS',
    IntegrationHttpMethod: 'POST',
    Uri: `arn:aws:apigateway:${REGION}:states:action/StartSyncExecution`,
    RequestTemplates: {
      'application/json':
        '{"stateMachineArn":"arn:aws:states:us-east-1:000000000000:stateMachine:Place","input":"$util.escapeJavaScript($input.body)"}',
    },
    IntegrationResponses: [
      {
        StatusCode: '201',
        ResponseTemplates: {
          'application/json': [
            "#set($r = $input.path('$'))",
            '#if($r.status == "SUCCEEDED")$r.output',
            '#else#set($context.responseOverride.status = 409)#set($context.responseOverride.header.X-Error = $r.error){"error":"$r.error"}#end',
          ].join('\n'),
        },
      },
    ],
  }),
  method('FormPost', 'r-form', 'POST', {
    Type: 'AWS',
    IntegrationHttpMethod: 'POST',
    Uri: `arn:aws:apigateway:${REGION}:states:action/StartExecution`,
    PassthroughBehavior: 'WHEN_NO_TEMPLATES',
    RequestTemplates: { 'application/json': '{}' },
    IntegrationResponses: [{ StatusCode: '200' }],
  }),
  method('SlowGet', 'r-slow', 'GET', proxy('slow', { TimeoutInMillis: 100 })),
  method('LimitedGet', 'r-limited', 'GET', proxy('echo')),
  method('KeyedGet', 'r-keyed', 'GET', proxy('echo'), { ApiKeyRequired: true }),
  method('ThrowsGet', 'r-throws', 'GET', proxy('throws')),
  method('BadGet', 'r-bad', 'GET', proxy('bad-answer')),
  method('BinaryGet', 'r-binary', 'GET', proxy('binary')),
  method('BinaryPost', 'r-binary', 'POST', proxy('echo')),
  method('MultiGet', 'r-multi', 'GET', proxy('multi')),
];

/** Fake EventBridge, SQS, Step Functions and Cognito (JWKS route) services. */
export const fakeServices = (): Service[] => [
  {
    name: 'events',
    protocol: 'json1.1',
    operations: {
      PutEvents: async (input: { Entries: { Detail: string }[] }) => {
        if (input.Entries.some((e) => e.Detail.includes('reject-me')))
          throw new AwsError('ValidationException', 'Detail is rejected', 400);
        return { FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `evt-${i + 1}` })) };
      },
    },
  },
  {
    name: 'sqs',
    protocol: 'json1.0',
    operations: {
      GetQueueUrl: async (input: { QueueName: string }) => ({
        QueueUrl: `http://localhost:4566/${ACCOUNT}/${input.QueueName}`,
      }),
      SendMessage: async () => ({ MessageId: 'msg-1', MD5OfMessageBody: 'md5' }),
    },
  },
  {
    name: 'stepfunctions',
    protocol: 'json1.0',
    operations: {
      StartExecution: async (input: { name?: string }) => {
        if (input.name === 'taken') throw new AwsError('ExecutionAlreadyExists', 'Execution already exists', 400);
        return {
          executionArn: `arn:aws:states:us-east-1:000000000000:execution:Lifecycle:${input.name}`,
          startDate: new Date(1_700_000_000_000),
        };
      },
      StartSyncExecution: async (input: { input: string }) =>
        input.input.includes('closed')
          ? { status: 'FAILED', error: 'RestaurantClosedError', cause: 'closed' }
          : { status: 'SUCCEEDED', output: JSON.stringify({ orderId: 'o-1', received: JSON.parse(input.input) }) },
    },
  },
  {
    name: 'cognito-idp',
    protocol: 'json1.1',
    operations: {},
    routes: [
      {
        method: 'GET',
        path: '/{userPoolId}/.well-known/jwks.json',
        handle: async (_req, params) => ({
          status: params.userPoolId === POOL_ID ? 200 : 404,
          body: JSON.stringify({
            keys:
              params.userPoolId === POOL_ID
                ? [
                    {
                      ...cognitoKeys.publicKey.export({ format: 'jwk' }),
                      kid: cognitoKeys.kid,
                      alg: 'RS256',
                      use: 'sig',
                    },
                  ]
                : [],
          }),
        }),
      },
    ],
  },
];

/** A started gateway over the fixture, and how to reach it. */
export interface Started {
  readonly service: ApiGatewayService;
  readonly cloud: FakeCloud;
  readonly url: (path: string) => string;
  readonly stop: () => Promise<void>;
}

export const startGateway = async (
  resources = fixtureResources(),
  cloud = new FakeCloud(functions),
): Promise<Started> => {
  for (const s of fakeServices()) cloud.addService(s);
  const service = (await createApiGatewayService(cloud.ctx, cloud)) as ApiGatewayService;
  await service.provision?.(resources);
  await service.start?.();
  const base = service.info?.().apiUrl ?? '';
  return { service, cloud, url: (p: string) => `${base}${p.replace(/^\//, '')}`, stop: async () => service.stop?.() };
};
