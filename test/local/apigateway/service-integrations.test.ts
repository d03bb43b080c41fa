import { type Started, startGateway } from './fixture.ts';

let gw: Started;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.stop());

const json = async (response: Response) => JSON.parse(await response.text());
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(gw.url(path), {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });

describe('EventBridge PutEvents integration', () => {
  it('renders the request template with $input, $util, $context.authorizer and $stageVariables', async () => {
    const response = await post(
      '/events',
      { type: 'OrderAccepted', orderId: 'o-42', note: "it's hot" },
      { Authorization: 'staff1' },
    );
    expect(response.status).toBe(202);
    expect(await json(response)).toEqual({ eventId: 'evt-1' });
    const [call] = gw.cloud.callsTo('events', 'PutEvents').slice(-1);
    const [entry] = call!.input.Entries;
    expect(entry).toMatchObject({ Source: 'app.restaurant', DetailType: 'OrderAccepted', EventBusName: 'bus-testing' });
    expect(JSON.parse(entry.Detail)).toEqual({ orderId: 'o-42', staffId: 'user-staff1', note: "it's hot", len: 4 });
  });

  it('selects the integration response by status pattern when the service refuses', async () => {
    const response = await post(
      '/events',
      { type: 'OrderAccepted', orderId: 'reject-me', note: '' },
      { Authorization: 'staff1' },
    );
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({ error: 'rejected' });
  });

  it('answers 415 for a content type without a template when passthrough is NEVER', async () => {
    const response = await post('/events', 'x=1', { Authorization: 'staff1', 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(await json(response)).toEqual({ message: 'Unsupported Media Type' });
  });
});

describe('SQS SendMessage integration (query form)', () => {
  it('parses the form body into SendMessage with message attributes and the local queue URL', async () => {
    const body = { restaurantId: 'r 1&2' };
    const response = await fetch(gw.url('/queue'), {
      method: 'PUT',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(202);
    expect(await json(response)).toEqual({ messageId: 'msg-1' });
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const [call] = gw.cloud.callsTo('sqs', 'SendMessage').slice(-1);
    expect(call!.input).toEqual({
      QueueUrl: 'http://localhost:4566/000000000000/favorites-queue',
      MessageBody: JSON.stringify(body),
      MessageAttributes: {
        command: { StringValue: 'AddFavorite', DataType: 'String' },
        requestId: { StringValue: response.headers.get('x-amzn-requestid'), DataType: 'String' },
      },
    });
  });
});

describe('Step Functions integrations', () => {
  it('starts an execution and maps the answer with a response template', async () => {
    const response = await post('/orders', { orderId: 'o-7', items: [1] });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Lifecycle:o-7',
      started: 1_700_000_000,
    });
    const [call] = gw.cloud.callsTo('stepfunctions', 'StartExecution').slice(-1);
    expect(JSON.parse(call!.input.input)).toEqual({ orderId: 'o-7', items: [1] });
  });

  it('maps a service error through the matching selection pattern', async () => {
    const response = await post('/orders', { orderId: 'taken' });
    expect(response.status).toBe(409);
    expect(await json(response)).toEqual({ error: 'ExecutionAlreadyExists' });
  });

  it('returns the output of a synchronous execution', async () => {
    const response = await post('/sync', { restaurantId: 'r1' });
    expect(response.status).toBe(201);
    expect(await json(response)).toEqual({ orderId: 'o-1', received: { restaurantId: 'r1' } });
  });

  it('applies $context.responseOverride status and header from the response template', async () => {
    const response = await post('/sync', { restaurantId: 'closed' });
    expect(response.status).toBe(409);
    expect(response.headers.get('x-error')).toBe('RestaurantClosedError');
    expect(await json(response)).toEqual({ error: 'RestaurantClosedError' });
  });

  it('answers 415 under WHEN_NO_TEMPLATES when templates exist but none matches', async () => {
    const response = await post('/form', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
  });
});

describe('MOCK integration (CORS preflight as CDK writes it)', () => {
  it('answers the preflight with the integration response headers', async () => {
    const response = await fetch(gw.url('/items'), { method: 'OPTIONS', headers: { Origin: 'https://app.example' } });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('access-control-allow-methods')).toBe('OPTIONS,GET,POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type,Authorization');
    expect(gw.cloud.callsTo('lambda', 'Invoke').some((c) => JSON.parse(c.input.Payload).httpMethod === 'OPTIONS')).toBe(
      false,
    );
  });
});
