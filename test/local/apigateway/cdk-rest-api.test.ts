/**
 * The gateway on what CDK really synthesizes: the app's own DishpatchApi and EventRoutes constructs (REQUEST
 * authorizer, CORS preflight MOCKs, validators and models, gateway responses, the PutEvents VTL), resolved by
 * the template layer. Proves the shape `lib/` builds is served as AWS would serve it.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DishpatchApi } from '../../../lib/api/dishpatch-api.ts';
import { EventRoutes } from '../../../lib/api/event-routes.ts';
import { STAGES } from '../../../lib/config/stages.ts';
import { loadTemplate } from '../../../local/template/index.ts';
import { ACCOUNT, FakeCloud, REGION, type Started, startGateway } from './fixture.ts';

const synthesize = () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'ApiStack');
  const fn = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
  const api = new DishpatchApi(stack, 'Api', { config: STAGES.local, authorizerFunction: fn('AuthorizerFn') });
  const echo = fn('EchoFn');
  api.addLambdaRoute('GET', '/orders/{orderId}', echo);
  api.addLambdaRoute('POST', '/orders', echo, { body: 'PlaceOrderRequest', requiredHeaders: ['Idempotency-Key'] });
  new EventRoutes(stack, 'EventRoutes', {
    api,
    eventBus: new events.EventBus(stack, 'Bus', { eventBusName: 'dishpatch-local' }),
  });
  // CDK's built-in template validation costs seconds and is not what this test is about; restored right after.
  const validation = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    return app.synth().getStackByName('ApiStack').template;
  } finally {
    if (validation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = validation;
  }
};

const claims = new Map(
  Object.entries({
    'AWS::Lambda::Function': 'lambda',
    'AWS::Events::EventBus': 'events',
  })
    .map(([type, service]) => [type, { service }] as const)
    .concat(
      [
        'RestApi',
        'Resource',
        'Method',
        'Deployment',
        'Stage',
        'Authorizer',
        'RequestValidator',
        'Model',
        'GatewayResponse',
      ].map((t) => [`AWS::ApiGateway::${t}`, { service: 'apigateway' }] as const),
    ),
);

let gw: Started;
let endpointOutput: string;

// Synthesizing a CDK app takes a few seconds on a busy two-core machine.
beforeAll(async () => {
  const loaded = loadTemplate(
    { template: synthesize(), stackName: 'ApiStack' },
    { region: REGION, accountId: ACCOUNT, endpoint: 'http://localhost:4566', claims },
  );
  const [stack] = loaded.stacks;
  const arnOf = (prefix: string) =>
    stack!.resources.find((r) => r.type === 'AWS::Lambda::Function' && r.logicalId.startsWith(prefix))!.attributes.Arn!;
  endpointOutput = stack!.outputs.find((o) => o.OutputKey.startsWith('ApiRestApiEndpoint'))!.OutputValue;
  const cloud = new FakeCloud({
    [arnOf('AuthorizerFn')]: (event: { headers: Record<string, string>; methodArn: string }) => {
      if (event.headers.Authorization !== 'Bearer staff-token') throw new Error('Unauthorized');
      return {
        principalId: 'staff-1',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }],
        },
        context: { userId: 'staff-1', role: 'restaurant', restaurantId: 'r-1' },
      };
    },
    [arnOf('EchoFn')]: (event: unknown) => ({ statusCode: 200, body: JSON.stringify(event) }),
  });
  gw = await startGateway(
    stack!.resources.filter((r) => r.service === 'apigateway'),
    cloud,
  );
}, 60_000);
afterAll(() => gw?.stop());

const json = async (response: Response) => JSON.parse(await response.text());
const auth = { Authorization: 'Bearer staff-token' };

it('serves the stage that the Deployment and Stage resources wire together', () => {
  expect(gw.service.info?.().apiUrl).toMatch(/\/local\/$/);
  expect(gw.service.localizeUrl?.(endpointOutput)).toBe(gw.url('/'));
});

it('invokes the LambdaIntegration whose Uri was a Fn::Join, with the authorizer context', async () => {
  const response = await fetch(gw.url('/orders/o-1'), { headers: auth });
  const event = await json(response);
  expect(response.status).toBe(200);
  expect(event.pathParameters).toEqual({ orderId: 'o-1' });
  expect(event.requestContext.authorizer).toMatchObject({
    principalId: 'staff-1',
    userId: 'staff-1',
    role: 'restaurant',
  });
});

it("answers 401 in the app's error shape with the CORS header when the authorizer refuses", async () => {
  const response = await fetch(gw.url('/orders/o-1'));
  const body = await json(response);
  expect(response.status).toBe(401);
  expect(response.headers.get('access-control-allow-origin')).toBe('*');
  expect(body).toEqual({
    error: { code: 'UNAUTHORIZED', message: 'Unauthorized', details: [] },
    requestId: response.headers.get('x-amzn-requestid'),
  });
});

it('answers the CORS preflight from the MOCK integration CDK generates', async () => {
  const response = await fetch(gw.url('/orders'), { method: 'OPTIONS', headers: { Origin: 'https://app.example' } });
  expect(response.status).toBe(204);
  expect(response.headers.get('access-control-allow-origin')).toBe('*');
  expect(response.headers.get('access-control-allow-headers')).toContain('Idempotency-Key');
});

it('answers 400 VALIDATION_FAILED for a missing Idempotency-Key and for a body that breaks the model', async () => {
  const valid = {
    restaurantId: 'r-1',
    items: [{ menuItemId: 'm-1', quantity: 1 }],
    addressId: 'a-1',
    paymentToken: 'tok_visa',
  };
  const noKey = await fetch(gw.url('/orders'), {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(valid),
  });
  const badBody = await fetch(gw.url('/orders'), {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'Idempotency-Key': 'k-1' },
    body: JSON.stringify({ ...valid, items: 'lots' }),
  });
  const ok = await fetch(gw.url('/orders'), {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'Idempotency-Key': 'k-1' },
    body: JSON.stringify(valid),
  });
  expect([noKey.status, badBody.status, ok.status]).toEqual([400, 400, 200]);
  expect((await json(noKey)).error.code).toBe('VALIDATION_FAILED');
  expect((await json(badBody)).error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'Invalid request body' });
});

it('puts the restaurant event on the bus through the VTL template, escaping the reason twice', async () => {
  const reason = `out of "basil" – it's late`;
  const response = await fetch(gw.url('/restaurants/r-1/orders/o-9/events'), {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'OrderRejected', reason, etaMinutes: 5 }),
  });
  expect(response.status).toBe(202);
  expect(await json(response)).toEqual({ eventId: 'evt-1' });
  const [call] = gw.cloud.callsTo('events', 'PutEvents').slice(-1);
  const [entry] = call!.input.Entries;
  expect(entry).toMatchObject({
    EventBusName: 'dishpatch-local',
    Source: 'dishpatch.restaurant',
    DetailType: 'OrderRejected',
  });
  expect(JSON.parse(entry.Detail)).toEqual({
    version: 1,
    orderId: 'o-9',
    restaurantId: 'r-1',
    staffId: 'staff-1',
    reason,
    etaMinutes: 5,
  });
});

it('answers an unknown route with the MISSING_AUTHENTICATION_TOKEN override (404 ROUTE_NOT_FOUND)', async () => {
  const response = await fetch(gw.url('/nowhere'), { headers: auth });
  expect(response.status).toBe(404);
  expect((await json(response)).error.code).toBe('ROUTE_NOT_FOUND');
});

it('writes access log lines in the JSON format of AccessLogFormat.jsonWithStandardFields', async () => {
  const response = await fetch(gw.url('/orders/o-2'), { headers: auth });
  const requestId = response.headers.get('x-amzn-requestid');
  const line = gw.service.accessLogs().find((l) => l.message.includes(String(requestId)));
  expect(JSON.parse(line!.message)).toMatchObject({
    requestId,
    httpMethod: 'GET',
    resourcePath: '/orders/{orderId}',
    status: '200',
  });
});
