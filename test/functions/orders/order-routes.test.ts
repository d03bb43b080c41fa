import '../support/env';
import { SendTaskFailureCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Caller } from '#shared/auth';
import { encodeNextToken } from '#shared/pagination';
import { handler as cancelOrder } from '../../../functions/orders/cancel-order';
import { handler as editOrder } from '../../../functions/orders/edit-order';
import { handler as getOrder } from '../../../functions/orders/get-order';
import { handler as getOrderStatus } from '../../../functions/orders/get-order-status';
import { handler as listOrders } from '../../../functions/orders/list-orders';
import { apiEvent, call, callers } from '../support/api';
import { menuItem, restaurantItem, storedOrder } from '../support/orders';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

beforeEach(() => {
  ddb.reset();
  sfn.reset();
});

function givenOrder(overrides: Parameters<typeof storedOrder>[0] = {}) {
  const order = storedOrder(overrides);
  ddb.on(GetCommand, { TableName: 'orders' }).resolves({ Item: order });
  return order;
}

const byId = (caller: Caller, extra: Parameters<typeof apiEvent>[0] = {}) =>
  apiEvent({ caller, pathParameters: { orderId: 'o1' }, ...extra });

/** Every route that takes an order id, with a request that would otherwise succeed. */
const orderRoutes = [
  ['GET /orders/{orderId}', () => getOrder, {}],
  ['GET /orders/{orderId}/status', () => getOrderStatus, {}],
  ['PATCH /orders/{orderId}', () => editOrder, { method: 'PATCH', body: { notes: 'ring twice' } }],
  ['POST /orders/{orderId}/cancel', () => cancelOrder, { method: 'POST' }],
] as const;

describe('object-level authorization on order routes', () => {
  it.each(
    orderRoutes.flatMap(
      ([route, h, extra]) =>
        [
          [route, 'another customer', callers.bob, h, extra],
          [route, "another restaurant's staff", callers.staffR2, h, extra],
          [route, 'a courier not on the order', callers.courierC2, h, extra],
        ] as const,
    ),
  )('%s answers 404 ORDER_NOT_FOUND to %s, without data', async (_route, _who, caller, h, extra) => {
    givenOrder({ courierId: 'courier-1' });

    const res = await call(h(), byId(caller, extra));

    expect(res.statusCode).toBe(404);
    expect(res.body.error.code).toBe('ORDER_NOT_FOUND');
    expect(JSON.stringify(res.body)).not.toContain('user-alice');
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it.each(orderRoutes)('%s answers 404 for an order that does not exist', async (_route, h, extra) => {
    ddb.on(GetCommand).resolves({});

    const res = await call(h(), byId(callers.alice, extra));

    expect(res.statusCode).toBe(404);
    expect(res.body.error.code).toBe('ORDER_NOT_FOUND');
  });

  it.each([
    ['the owner', callers.alice],
    ["that restaurant's staff", callers.staffR1],
    ['the courier on it', callers.courierC1],
    ['an admin', callers.admin],
  ])('GET /orders/{orderId} shows the order to %s', async (_who, caller) => {
    givenOrder({ courierId: 'courier-1' });

    const res = await call(getOrder, byId(caller));

    expect(res.statusCode).toBe(200);
    expect(res.body.orderId).toBe('o1');
  });

  it.each([
    ["that restaurant's staff", callers.staffR1],
    ['an admin', callers.admin],
  ])('lets only the owner change an order: %s gets 403 FORBIDDEN on edit and cancel', async (_who, caller) => {
    givenOrder();

    expect((await call(editOrder, byId(caller, { method: 'PATCH', body: { notes: 'x' } }))).body.error.code).toBe(
      'FORBIDDEN',
    );
    expect((await call(cancelOrder, byId(caller, { method: 'POST' }))).body.error.code).toBe('FORBIDDEN');
  });
});

describe('GET /orders/{orderId}', () => {
  it('returns the API shape without internal attributes', async () => {
    givenOrder({ taskToken: 'secret-token', awaiting: ['OrderAccepted'], pendingEvents: [], cancelRequested: false });

    const res = await call(getOrder, byId(callers.alice));

    expect(Object.keys(res.body).sort()).toEqual(
      [
        'orderId',
        'customerId',
        'restaurantId',
        'items',
        'totalCents',
        'currency',
        'status',
        'deliveryAddress',
        'placedAt',
        'updatedAt',
        'version',
        'history',
      ].sort(),
    );
    expect(res.headers['x-request-id']).toBe('req-1');
  });
});

describe('GET /orders/{orderId}/status', () => {
  it('answers the status with a weak ETag of the version', async () => {
    givenOrder({ version: 7, status: 'ACCEPTED', updatedAt: '2026-11-22T10:05:00.000Z' });

    const res = await call(getOrderStatus, byId(callers.alice));

    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({ orderId: 'o1', status: 'ACCEPTED', updatedAt: '2026-11-22T10:05:00.000Z', version: 7 });
    expect(res.headers.ETag).toBe('W/"7"');
  });

  it.each(['W/"7"', '"7"', 'W/"3", W/"7"', '*'])('answers 304 without a body for If-None-Match %s', async (tag) => {
    givenOrder({ version: 7 });

    const res = await call(getOrderStatus, byId(callers.alice, { headers: { 'If-None-Match': tag } }));

    expect(res.statusCode).toBe(304);
    expect(res.body).toBeUndefined();
    expect(res.headers.ETag).toBe('W/"7"');
    expect(res.headers['x-request-id']).toBe('req-1');
  });

  it('answers 200 when the ETag no longer matches', async () => {
    givenOrder({ version: 8 });

    const res = await call(getOrderStatus, byId(callers.alice, { headers: { 'if-none-match': 'W/"7"' } }));

    expect(res.statusCode).toBe(200);
    expect(res.headers.ETag).toBe('W/"8"');
  });

  it('never answers 304 to a caller who may not see the order', async () => {
    givenOrder({ version: 7 });

    const res = await call(getOrderStatus, byId(callers.bob, { headers: { 'If-None-Match': '*' } }));

    expect(res.statusCode).toBe(404);
  });
});

describe('GET /orders', () => {
  it("lists the caller's own orders newest first, with an opaque nextToken", async () => {
    const lastKey = { orderId: 'o1', customerId: 'user-alice', placedAt: '2026-11-22T10:00:00.000Z' };
    ddb.on(QueryCommand).resolves({ Items: [storedOrder({ taskToken: 't' })], LastEvaluatedKey: lastKey });

    const res = await call(listOrders, apiEvent({ caller: callers.alice, query: { limit: '1' } }));

    expect(res.statusCode).toBe(200);
    expect(res.body.orders).toHaveLength(1);
    expect(res.body.orders[0]).not.toHaveProperty('taskToken');
    expect(res.body.nextToken).toBe(encodeNextToken(lastKey));
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byCustomer',
      KeyConditionExpression: 'customerId = :pk',
      ExpressionAttributeValues: { ':pk': 'user-alice' },
      ScanIndexForward: false,
      Limit: 1,
    });
  });

  it('continues from a valid nextToken and filters by status', async () => {
    const key = { orderId: 'o1', customerId: 'user-alice', placedAt: '2026-11-22T10:00:00.000Z' };
    ddb.on(QueryCommand).resolves({ Items: [] });

    const res = await call(
      listOrders,
      apiEvent({ caller: callers.alice, query: { nextToken: encodeNextToken(key) as string, status: 'PLACED' } }),
    );

    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({ orders: [] });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      ExclusiveStartKey: key,
      FilterExpression: '#status = :status',
      Limit: 20,
    });
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['of the wrong shape', encodeNextToken({ orderId: 'o1' }) as string],
    [
      "from another customer's partition",
      encodeNextToken({ orderId: 'o1', customerId: 'user-bob', placedAt: 'x' }) as string,
    ],
  ])('answers 400 for a nextToken %s', async (_label, nextToken) => {
    const res = await call(listOrders, apiEvent({ caller: callers.alice, query: { nextToken } }));

    expect(res.statusCode).toBe(400);
    expect(res.body.error.details).toEqual([{ field: 'query.nextToken', message: 'Invalid' }]);
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });

  it.each([
    ['a limit above 100', { limit: '101' }],
    ['a limit of 0', { limit: '0' }],
    ['an unknown status', { status: 'LOST' }],
  ])('answers 400 for %s', async (_label, query) => {
    expect((await call(listOrders, apiEvent({ caller: callers.alice, query }))).statusCode).toBe(400);
  });
});

describe('PATCH /orders/{orderId}', () => {
  function givenMenu(items: ReturnType<typeof menuItem>[], restaurant = restaurantItem()) {
    ddb.on(GetCommand, { TableName: 'restaurants' }).resolves({ Item: restaurant });
    ddb.on(QueryCommand, { TableName: 'restaurants' }).resolves({ Items: items });
  }

  it('re-prices new lines from the menu and writes conditionally on the revision it read', async () => {
    givenOrder({ version: 3, revision: 7 });
    givenMenu([menuItem('m1', { priceCents: 950 }), menuItem('m2', { priceCents: 300, name: 'Cola' })]);
    ddb.on(UpdateCommand, { TableName: 'orders' }).callsFake((input) => ({
      Attributes: {
        ...storedOrder({ version: 3 }),
        ...Object.fromEntries(
          Object.entries(input.ExpressionAttributeNames)
            .filter(([k]) => k.startsWith('#s'))
            .map(([k, name]) => [name, input.ExpressionAttributeValues[`:${k.slice(1)}`]]),
        ),
      },
    }));

    const res = await call(
      editOrder,
      byId(callers.alice, {
        method: 'PATCH',
        body: {
          items: [
            { menuItemId: 'm1', quantity: 1, unitPriceCents: 1 },
            { menuItemId: 'm2', quantity: 2 },
          ],
        },
      }),
    );

    expect(res.statusCode).toBe(200);
    expect(res.body.totalCents).toBe(950 + 600);
    expect(res.body.items).toEqual([
      { menuItemId: 'm1', name: 'Item m1', quantity: 1, unitPriceCents: 950, lineTotalCents: 950 },
      { menuItemId: 'm2', name: 'Cola', quantity: 2, unitPriceCents: 300, lineTotalCents: 600 },
    ]);
    expect(res.body.version).toBe(4);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'orders',
      ConditionExpression: '#revision = :expectedRevision AND #expectedStatus = :expectedStatus',
      ExpressionAttributeValues: expect.objectContaining({ ':expectedRevision': 7, ':expectedStatus': 'PLACED' }),
    });
  });

  it('moves the stock reservation to the new quantities', async () => {
    givenOrder({ stockReserved: { m1: 2 } });
    givenMenu([menuItem('m1', { stock: 10, priceCents: 950 })]);
    ddb.on(UpdateCommand, { TableName: 'restaurants' }).resolves({});
    ddb.on(UpdateCommand, { TableName: 'orders' }).resolves({ Attributes: storedOrder({ version: 2 }) });

    const res = await call(
      editOrder,
      byId(callers.alice, { method: 'PATCH', body: { items: [{ menuItemId: 'm1', quantity: 5 }] } }),
    );

    expect(res.statusCode).toBe(200);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'restaurants',
      Key: { pk: 'r1', sk: 'ITEM#m1' },
      UpdateExpression: 'SET #stock = #stock - :delta',
      ExpressionAttributeValues: { ':delta': 3, ':orderId': 'o1' },
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'orders',
      ExpressionAttributeValues: expect.objectContaining({ ':s3': { m1: 5 } }),
    });
  });

  it("changes the address to one of the owner's saved addresses, stored with its id", async () => {
    givenOrder();
    const saved = { line1: '2 Side St', city: 'Springfield', postalCode: '12345' };
    ddb
      .on(GetCommand, { TableName: 'profile', Key: { userId: 'user-alice', sk: 'ADDRESS#addr-1' } })
      .resolves({ Item: { userId: 'user-alice', sk: 'ADDRESS#addr-1', addressId: 'addr-1', address: saved } });
    ddb.on(UpdateCommand, { TableName: 'orders' }).resolves({ Attributes: storedOrder({ version: 2 }) });

    const res = await call(editOrder, byId(callers.alice, { method: 'PATCH', body: { addressId: 'addr-1' } }));

    expect(res.statusCode).toBe(200);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'orders',
      ExpressionAttributeValues: expect.objectContaining({ ':s1': { addressId: 'addr-1', ...saved } }),
    });
  });

  it("answers 404 for an addressId that is not one of the owner's addresses and changes nothing", async () => {
    givenOrder();
    ddb.on(GetCommand, { TableName: 'profile' }).resolves({});

    const res = await call(editOrder, byId(callers.alice, { method: 'PATCH', body: { addressId: 'someone-elses' } }));

    expect(res.statusCode).toBe(404);
    expect(ddb).not.toHaveReceivedCommandWith(UpdateCommand, { TableName: 'orders' });
  });

  it('answers 422 OUT_OF_STOCK and leaves the order untouched when the new quantity is not in stock', async () => {
    givenOrder({ stockReserved: { m1: 2 } });
    givenMenu([menuItem('m1', { stock: 1 })]);
    ddb.on(UpdateCommand, { TableName: 'restaurants' }).rejects(conditionalFailure());

    const res = await call(
      editOrder,
      byId(callers.alice, { method: 'PATCH', body: { items: [{ menuItemId: 'm1', quantity: 5 }] } }),
    );

    expect(res.statusCode).toBe(422);
    expect(res.body.error.code).toBe('OUT_OF_STOCK');
    expect(ddb).not.toHaveReceivedCommandWith(UpdateCommand, { TableName: 'orders' });
  });

  it('answers 422 MENU_ITEM_UNAVAILABLE for an item off the menu', async () => {
    givenOrder();
    givenMenu([menuItem('m1', { available: false })]);

    const res = await call(
      editOrder,
      byId(callers.alice, { method: 'PATCH', body: { items: [{ menuItemId: 'm1', quantity: 1 }] } }),
    );

    expect(res.statusCode).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'MENU_ITEM_UNAVAILABLE', details: [{ menuItemId: 'm1' }] });
  });

  it.each(['ACCEPTED', 'PREPARING', 'CANCELLED', 'DELIVERED'] as const)(
    'answers 409 ORDER_NOT_EDITABLE once the order is %s',
    async (status) => {
      givenOrder({ status });

      const res = await call(editOrder, byId(callers.alice, { method: 'PATCH', body: { notes: 'x' } }));

      expect(res.statusCode).toBe(409);
      expect(res.body.error.code).toBe('ORDER_NOT_EDITABLE');
    },
  );

  it('answers 409 ORDER_NOT_EDITABLE when the restaurant accepts between the read and the write', async () => {
    ddb
      .on(GetCommand, { TableName: 'orders' })
      .resolvesOnce({ Item: storedOrder() })
      .resolves({ Item: storedOrder({ status: 'ACCEPTED', version: 2 }) });
    ddb.on(UpdateCommand, { TableName: 'orders' }).rejects(conditionalFailure());

    const res = await call(editOrder, byId(callers.alice, { method: 'PATCH', body: { notes: 'x' } }));

    expect(res.statusCode).toBe(409);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });

  it('undoes the stock move when the order write loses a race', async () => {
    ddb
      .on(GetCommand, { TableName: 'orders' })
      .resolvesOnce({ Item: storedOrder({ stockReserved: { m1: 2 } }) })
      .resolves({ Item: storedOrder({ status: 'ACCEPTED', version: 2 }) });
    givenMenu([menuItem('m1', { stock: 10 })]);
    ddb.on(UpdateCommand, { TableName: 'restaurants' }).resolves({});
    ddb.on(UpdateCommand, { TableName: 'orders' }).rejects(conditionalFailure());

    await call(
      editOrder,
      byId(callers.alice, { method: 'PATCH', body: { items: [{ menuItemId: 'm1', quantity: 5 }] } }),
    );

    const deltas = ddb
      .commandCalls(UpdateCommand, { TableName: 'restaurants' })
      .map((c) => c.args[0].input.ExpressionAttributeValues?.[':delta']);
    expect(deltas).toEqual([3, -3]);
  });

  it.each([
    ['an empty body', {}],
    ['a price', { items: [{ menuItemId: 'm1', quantity: 1 }], totalCents: 1 }],
    ['a status', { status: 'DELIVERED' }],
  ])('answers 400 for %s', async (_label, body) => {
    givenOrder();
    expect((await call(editOrder, byId(callers.alice, { method: 'PATCH', body }))).statusCode).toBe(400);
  });
});

describe('POST /orders/{orderId}/cancel', () => {
  it('records the cancel and fails the wait for the restaurant with OrderCancelled', async () => {
    givenOrder({ taskToken: 'token-1', awaiting: ['OrderAccepted', 'OrderRejected'], revision: 4 });
    ddb.on(UpdateCommand).resolves({
      Attributes: storedOrder({
        taskToken: 'token-1',
        awaiting: ['OrderAccepted', 'OrderRejected'],
        cancelRequested: true,
        version: 5,
      }),
    });
    sfn.on(SendTaskFailureCommand).resolves({});

    const res = await call(cancelOrder, byId(callers.alice, { method: 'POST' }));

    expect(res.statusCode).toBe(202);
    expect(res.body).toEqual({ orderId: 'o1', status: 'PLACED' });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: '#revision = :expectedRevision AND #expectedStatus = :expectedStatus',
      ExpressionAttributeValues: expect.objectContaining({ ':s0': true, ':expectedRevision': 4 }),
    });
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, { taskToken: 'token-1', error: 'OrderCancelled' });
  });

  it('only records the cancel when the workflow is not waiting yet (AwaitEvent honours it)', async () => {
    givenOrder();
    ddb.on(UpdateCommand).resolves({ Attributes: storedOrder({ cancelRequested: true, version: 2 }) });

    const res = await call(cancelOrder, byId(callers.alice, { method: 'POST' }));

    expect(res.statusCode).toBe(202);
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('treats a spent task token as already handled', async () => {
    givenOrder({ taskToken: 'spent', awaiting: ['OrderAccepted'], cancelRequested: true });
    sfn.on(SendTaskFailureCommand).rejects(Object.assign(new Error('gone'), { name: 'TaskTimedOut' }));

    const res = await call(cancelOrder, byId(callers.alice, { method: 'POST' }));

    expect(res.statusCode).toBe(202);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('answers 409 ORDER_NOT_CANCELLABLE while the restaurant answer is being applied (it won the race)', async () => {
    givenOrder({ taskToken: 'token-1', awaiting: ['OrderAccepted', 'OrderRejected'], completing: 'OrderAccepted' });

    const res = await call(cancelOrder, byId(callers.alice, { method: 'POST' }));

    expect(res.statusCode).toBe(409);
    expect(res.body.error.code).toBe('ORDER_NOT_CANCELLABLE');
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it.each(['ACCEPTED', 'READY', 'CANCELLED', 'PAYMENT_FAILED'] as const)(
    'answers 409 ORDER_NOT_CANCELLABLE once the order is %s',
    async (status) => {
      givenOrder({ status });

      const res = await call(cancelOrder, byId(callers.alice, { method: 'POST' }));

      expect(res.statusCode).toBe(409);
      expect(res.body.error.code).toBe('ORDER_NOT_CANCELLABLE');
      expect(sfn).not.toHaveReceivedAnyCommand();
    },
  );
});

function conditionalFailure() {
  return Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
}
