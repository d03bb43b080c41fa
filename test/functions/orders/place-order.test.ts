import '../support/env';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SFNClient, StartSyncExecutionCommand, type StartSyncExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { metrics } from '#shared/powertools';
import { handler } from '../../../functions/orders/place-order';
import { apiEvent, call, callers } from '../support/api';

const sfn = mockClient(SFNClient);
const idempotencyTable = mockClient(DynamoDBClient);
const profileTable = mockClient(DynamoDBDocumentClient);

/** A fake of the idempotency table over the low-level client the persistence layer uses. */
let records: Map<string, Record<string, unknown>>;
function fakeIdempotencyTable() {
  records = new Map();
  idempotencyTable.on(PutItemCommand).callsFake((input) => {
    const item = unmarshall(input.Item);
    const existing = records.get(item.id as string);
    if (existing) {
      throw new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: marshall(existing) });
    }
    records.set(item.id as string, item);
    return {};
  });
  idempotencyTable.on(UpdateItemCommand).callsFake((input) => {
    const id = unmarshall(input.Key).id as string;
    const values = unmarshall(input.ExpressionAttributeValues);
    records.set(id, {
      ...records.get(id),
      status: values[':status'],
      data: values[':response_data'],
      validation: values[':validation_key'],
      expiration: values[':expiry'],
    });
    return {};
  });
  idempotencyTable.on(DeleteItemCommand).callsFake((input) => {
    records.delete(unmarshall(input.Key).id as string);
    return {};
  });
}

const body = {
  restaurantId: 'r1',
  items: [{ menuItemId: 'm1', quantity: 2 }],
  deliveryAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345' },
  paymentToken: 'tok_visa',
};

const placedOrder = {
  orderId: 'ignored-by-test',
  customerId: 'user-alice',
  restaurantId: 'r1',
  restaurantName: 'Bella Napoli',
  items: [{ menuItemId: 'm1', name: 'Margherita', quantity: 2, unitPriceCents: 950, lineTotalCents: 1900 }],
  totalCents: 1900,
  currency: 'USD',
  status: 'PLACED',
  deliveryAddress: body.deliveryAddress,
  placedAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
  version: 1,
  history: [{ status: 'PLACED', at: '2026-11-22T10:00:00.000Z' }],
};

function succeeded(): Partial<StartSyncExecutionCommandOutput> {
  return { status: 'SUCCEEDED', output: JSON.stringify(placedOrder) };
}

function failed(error: string, message = 'details'): Partial<StartSyncExecutionCommandOutput> {
  return { status: 'FAILED', error, cause: JSON.stringify({ errorType: error, errorMessage: message }) };
}

function post(
  options: { key?: string | null; payload?: unknown; caller?: (typeof callers)[keyof typeof callers] } = {},
) {
  const headers: Record<string, string> = {};
  if (options.key !== null) headers['Idempotency-Key'] = options.key ?? 'key-1';
  return call(
    handler,
    apiEvent({
      caller: options.caller ?? callers.alice,
      method: 'POST',
      path: '/orders',
      headers,
      body: options.payload ?? body,
    }),
  );
}

beforeEach(() => {
  sfn.reset();
  idempotencyTable.reset();
  profileTable.reset();
  fakeIdempotencyTable();
  jest.restoreAllMocks();
});

describe('POST /orders', () => {
  it('places the order through StartSyncExecution and answers 201 with the priced order', async () => {
    sfn.on(StartSyncExecutionCommand).resolves(succeeded());
    const addMetric = jest.spyOn(metrics, 'addMetric');

    const res = await post();

    expect(res.statusCode).toBe(201);
    expect(res.body).toMatchObject({ customerId: 'user-alice', totalCents: 1900, status: 'PLACED' });
    expect(res.body).not.toHaveProperty('paymentToken');
    expect(res.headers['x-request-id']).toBe('req-1');
    expect(res.headers['Idempotent-Replayed']).toBeUndefined();
    expect(sfn).toHaveReceivedCommandWith(StartSyncExecutionCommand, {
      stateMachineArn: process.env.PLACE_ORDER_STATE_MACHINE_ARN,
    });
    const input = JSON.parse(sfn.commandCalls(StartSyncExecutionCommand)[0]?.args[0].input.input ?? '{}');
    expect(input).toEqual({
      orderId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      customerId: 'user-alice',
      ...body,
    });
    expect(sfn.commandCalls(StartSyncExecutionCommand)[0]?.args[0].input.name).toBe(input.orderId);
    expect(addMetric).toHaveBeenCalledWith('OrdersPlaced', 'Count', 1);
    expect(addMetric).toHaveBeenCalledWith('OrderValueCents', 'None', 1900);
  });

  it('takes the customer from the token, never from the body', async () => {
    sfn.on(StartSyncExecutionCommand).resolves(succeeded());

    await post({ payload: { ...body, customerId: 'user-bob' } });

    const input = JSON.parse(sfn.commandCalls(StartSyncExecutionCommand)[0]?.args[0].input.input ?? '{}');
    expect(input.customerId).toBe('user-alice');
  });

  it('ignores prices sent by the client', async () => {
    sfn.on(StartSyncExecutionCommand).resolves(succeeded());

    await post({ payload: { ...body, items: [{ menuItemId: 'm1', quantity: 2, unitPriceCents: 1 }], totalCents: 1 } });

    const input = JSON.parse(sfn.commandCalls(StartSyncExecutionCommand)[0]?.args[0].input.input ?? '{}');
    expect(input.items).toEqual([{ menuItemId: 'm1', quantity: 2 }]);
    expect(input).not.toHaveProperty('totalCents');
  });

  it("resolves addressId among the caller's saved addresses and passes the address with its id", async () => {
    sfn.on(StartSyncExecutionCommand).resolves(succeeded());
    const saved = { line1: '2 Side St', city: 'Springfield', postalCode: '12345' };
    profileTable
      .on(GetCommand, { TableName: 'profile', Key: { userId: 'user-alice', sk: 'ADDRESS#addr-1' } })
      .resolves({ Item: { userId: 'user-alice', sk: 'ADDRESS#addr-1', addressId: 'addr-1', address: saved } });
    const { deliveryAddress: _omitted, ...rest } = body;

    const res = await post({ payload: { ...rest, addressId: 'addr-1' } });

    expect(res.statusCode).toBe(201);
    const input = JSON.parse(sfn.commandCalls(StartSyncExecutionCommand)[0]?.args[0].input.input ?? '{}');
    expect(input.deliveryAddress).toEqual({ addressId: 'addr-1', ...saved });
  });

  it("answers 404 for an addressId that is not one of the caller's live addresses, without placing", async () => {
    profileTable.on(GetCommand).resolves({});

    const { deliveryAddress: _omitted, ...rest } = body;
    const res = await post({ payload: { ...rest, addressId: 'someone-elses' } });

    expect(res.statusCode).toBe(404);
    expect(sfn.commandCalls(StartSyncExecutionCommand)).toHaveLength(0);
    expect(profileTable.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual({
      userId: 'user-alice',
      sk: 'ADDRESS#someone-elses',
    });
  });

  it.each([
    ['missing', null],
    ['empty', ''],
    ['too long', 'k'.repeat(129)],
    ['with forbidden characters', 'key with spaces'],
  ])('answers 400 VALIDATION_FAILED when the Idempotency-Key is %s', async (_label, key) => {
    const res = await post({ key });

    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', requestId: 'req-1' });
    expect(res.body.error.details[0].field).toBe('header.Idempotency-Key');
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('accepts a key of exactly 128 allowed characters', async () => {
    sfn.on(StartSyncExecutionCommand).resolves(succeeded());

    expect((await post({ key: `${'aZ0_-'.repeat(25)}abc` })).statusCode).toBe(201);
  });

  it('answers 400 with one detail per invalid field', async () => {
    const res = await post({
      payload: { restaurantId: '', items: [{ menuItemId: 'm1', quantity: 51 }], paymentToken: 'tok_visa' },
    });

    expect(res.statusCode).toBe(400);
    const fields = res.body.error.details.map((detail: { field: string }) => detail.field);
    expect(fields).toEqual(
      expect.arrayContaining(['body.restaurantId', 'body.items.0.quantity', 'body.deliveryAddress']),
    );
    expect(idempotencyTable).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['no lines', { items: [] }],
    ['51 lines', { items: Array.from({ length: 51 }, (_, i) => ({ menuItemId: `m${i}`, quantity: 1 })) }],
    ['a zero quantity', { items: [{ menuItemId: 'm1', quantity: 0 }] }],
    ['both an address and an addressId', { addressId: 'a1' }],
  ])('answers 400 for %s', async (_label, change) => {
    expect((await post({ payload: { ...body, ...change } })).statusCode).toBe(400);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await call(
      handler,
      apiEvent({ caller: callers.alice, method: 'POST', headers: { 'Idempotency-Key': 'k' }, body: '{not json' }),
    );
    expect(res.statusCode).toBe(400);
  });

  it('answers 401 without a caller identity and 403 for couriers', async () => {
    expect((await call(handler, apiEvent({ method: 'POST', body }))).statusCode).toBe(401);
    expect((await post({ caller: callers.courierC1 })).body.error.code).toBe('FORBIDDEN');
  });

  it.each([
    ['RestaurantNotFoundError', 404, 'RESTAURANT_NOT_FOUND'],
    ['RestaurantClosedError', 409, 'RESTAURANT_CLOSED'],
    ['MenuItemUnavailableError', 422, 'MENU_ITEM_UNAVAILABLE'],
    ['OutOfStockError', 422, 'OUT_OF_STOCK'],
  ])('maps a workflow failing with %s to %i %s', async (error, status, code) => {
    sfn.on(StartSyncExecutionCommand).resolves(failed(error, 'Not enough stock for m1'));

    const res = await post();

    expect(res.statusCode).toBe(status);
    expect(res.body.error).toMatchObject({ code, message: 'Not enough stock for m1', details: [], requestId: 'req-1' });
  });

  it('answers the details a step error carried in its message (which items are short)', async () => {
    const details = [{ menuItemId: 'tiramisu', requested: 3 }];
    sfn
      .on(StartSyncExecutionCommand)
      .resolves(failed('OutOfStockError', JSON.stringify({ message: 'Not enough stock for tiramisu', details })));

    const res = await post();

    expect(res.statusCode).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'OUT_OF_STOCK', message: 'Not enough stock for tiramisu', details });
  });

  it('answers an opaque 500 for a technical workflow failure and does not cache it', async () => {
    sfn.on(StartSyncExecutionCommand).resolvesOnce(failed('Lambda.ServiceException')).resolves(succeeded());

    const first = await post();
    const retry = await post();

    expect(first.statusCode).toBe(500);
    expect(first.body.error).toEqual({
      code: 'INTERNAL_ERROR',
      message: 'Internal error',
      details: [],
      requestId: 'req-1',
    });
    expect(idempotencyTable).toHaveReceivedCommand(DeleteItemCommand);
    expect(retry.statusCode).toBe(201);
    expect(sfn).toHaveReceivedCommandTimes(StartSyncExecutionCommand, 2);
  });

  it('answers 500 when the synchronous execution times out, and lets the client retry', async () => {
    sfn.on(StartSyncExecutionCommand).resolves({ status: 'TIMED_OUT' });

    expect((await post()).statusCode).toBe(500);
    expect(records.size).toBe(0);
  });

  it('replays the first answer for the same key and body, with Idempotent-Replayed', async () => {
    sfn.on(StartSyncExecutionCommand).resolves(succeeded());

    const first = await post();
    const replay = await post();

    expect(replay.statusCode).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['Idempotent-Replayed']).toBe('true');
    expect(sfn).toHaveReceivedCommandTimes(StartSyncExecutionCommand, 1);
  });

  it('replays a business error as the first answer (it is not retried)', async () => {
    sfn.on(StartSyncExecutionCommand).resolves(failed('OutOfStockError'));

    const first = await post();
    const replay = await post();

    expect(first.statusCode).toBe(422);
    expect(replay.statusCode).toBe(422);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['Idempotent-Replayed']).toBe('true');
    expect(sfn).toHaveReceivedCommandTimes(StartSyncExecutionCommand, 1);
  });

  it('treats the same JSON with another key order and spacing as the same body', async () => {
    sfn.on(StartSyncExecutionCommand).resolves(succeeded());
    await post();

    const reordered = await call(
      handler,
      apiEvent({
        caller: callers.alice,
        method: 'POST',
        headers: { 'idempotency-key': 'key-1' },
        body: `{ "paymentToken": "tok_visa", "deliveryAddress": {"postalCode": "12345", "city": "Springfield", "line1": "1 Main St"},
                 "items": [{"quantity": 2, "menuItemId": "m1"}], "restaurantId": "r1" }`,
      }),
    );

    expect(reordered.statusCode).toBe(201);
    expect(reordered.headers['Idempotent-Replayed']).toBe('true');
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
    sfn.on(StartSyncExecutionCommand).resolves(succeeded());
    await post();

    const res = await post({ payload: { ...body, items: [{ menuItemId: 'm1', quantity: 3 }] } });

    expect(res.statusCode).toBe(422);
    expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(sfn).toHaveReceivedCommandTimes(StartSyncExecutionCommand, 1);
  });

  it('answers 409 REQUEST_IN_PROGRESS while the first request with the key is still running', async () => {
    let release: (value: Partial<StartSyncExecutionCommandOutput>) => void = () => undefined;
    sfn.on(StartSyncExecutionCommand).callsFake(() => new Promise((resolve) => (release = resolve)));

    const first = post();
    await waitFor(() => records.size === 1);
    const duplicate = await post();
    release(succeeded());

    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.body.error.code).toBe('REQUEST_IN_PROGRESS');
    expect((await first).statusCode).toBe(201);
  });

  it('scopes keys per customer: the same key from another customer is a new request', async () => {
    sfn.on(StartSyncExecutionCommand).resolves(succeeded());

    await post({ caller: callers.alice });
    const other = await post({ caller: callers.bob });

    expect(other.statusCode).toBe(201);
    expect(other.headers['Idempotent-Replayed']).toBeUndefined();
    expect(sfn).toHaveReceivedCommandTimes(StartSyncExecutionCommand, 2);
  });

  it('stores records under a fixed prefix with the payload hash (validation on)', async () => {
    sfn.on(StartSyncExecutionCommand).resolves(succeeded());

    await post();

    const [record] = [...records.values()];
    expect(record?.id).toMatch(/^dishpatch\.place-order#/);
    expect(record?.status).toBe('COMPLETED');
    expect(record?.validation).toEqual(expect.any(String));
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
