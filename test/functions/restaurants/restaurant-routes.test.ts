import '../support/env';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { encodeNextToken } from '#shared/pagination';
import { handler as getRestaurant } from '../../../functions/restaurants/get-restaurant';
import { handler as listRestaurantOrders } from '../../../functions/restaurants/list-restaurant-orders';
import { handler as listRestaurants } from '../../../functions/restaurants/list-restaurants';
import { handler as putMenu } from '../../../functions/restaurants/put-menu';
import { handler as setOpen } from '../../../functions/restaurants/set-open';
import { apiEvent, call, callers } from '../support/api';
import { menuItem, restaurantItem, storedOrder } from '../support/orders';

const ddb = mockClient(DynamoDBDocumentClient);

beforeEach(() => ddb.reset());

const forR1 = (caller: Parameters<typeof apiEvent>[0]['caller'], extra: Parameters<typeof apiEvent>[0] = {}) =>
  apiEvent({ caller, pathParameters: { restaurantId: 'r1' }, ...extra });

const menuBody = { items: [{ menuItemId: 'm1', name: 'Margherita', priceCents: 950, available: true, stock: 5 }] };

/** Every staff route that takes a restaurant id. */
const staffRoutes = [
  ['PUT /restaurants/{restaurantId}/menu', () => putMenu, { method: 'PUT', body: menuBody }],
  ['PUT /restaurants/{restaurantId}/open', () => setOpen, { method: 'PUT', body: { open: false } }],
  ['GET /restaurants/{restaurantId}/orders', () => listRestaurantOrders, {}],
] as const;

describe('object-level authorization on restaurant staff routes', () => {
  it.each(staffRoutes)("%s answers 404 to another restaurant's staff", async (_route, h, extra) => {
    ddb.on(GetCommand).resolves({ Item: restaurantItem() });

    const res = await call(h(), forR1(callers.staffR2, extra));

    expect(res.statusCode).toBe(404);
    expect(res.body.error.code).toBe('RESTAURANT_NOT_FOUND');
    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it.each(staffRoutes)('%s answers 403 FORBIDDEN to customers and couriers', async (_route, h, extra) => {
    for (const caller of [callers.alice, callers.courierC1]) {
      const res = await call(h(), forR1(caller, extra));
      expect(res.statusCode).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});

describe('GET /restaurants', () => {
  it('lists restaurants through the byType index, without a scan', async () => {
    ddb
      .on(QueryCommand)
      .resolves({ Items: [restaurantItem(), restaurantItem({ pk: 'r2', name: 'Sushi Go', open: false })] });

    const res = await call(listRestaurants, apiEvent({ caller: callers.alice }));

    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({
      restaurants: [
        { restaurantId: 'r1', name: 'Bella Napoli', cuisine: 'pizza', open: true },
        { restaurantId: 'r2', name: 'Sushi Go', cuisine: 'pizza', open: false },
      ],
    });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byType',
      ExpressionAttributeValues: { ':type': 'RESTAURANT' },
    });
  });

  it('answers 400 for a nextToken that is not a byType key', async () => {
    const res = await call(
      listRestaurants,
      apiEvent({ caller: callers.alice, query: { nextToken: encodeNextToken({ orderId: 'x' }) as string } }),
    );
    expect(res.statusCode).toBe(400);
  });
});

describe('GET /restaurants/{restaurantId}', () => {
  it('answers the restaurant with its menu', async () => {
    ddb.on(GetCommand).resolves({ Item: restaurantItem() });
    ddb.on(QueryCommand).resolves({ Items: [menuItem('m1', { stock: 3 }), menuItem('m2')] });

    const res = await call(getRestaurant, forR1(callers.courierC1));

    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ restaurantId: 'r1', name: 'Bella Napoli', open: true });
    expect(res.body.menu).toEqual([
      { menuItemId: 'm1', name: 'Item m1', priceCents: 1000, available: true, stock: 3 },
      { menuItemId: 'm2', name: 'Item m2', priceCents: 1000, available: true },
    ]);
  });

  it('answers 404 RESTAURANT_NOT_FOUND for an unknown restaurant', async () => {
    ddb.on(GetCommand).resolves({});

    const res = await call(getRestaurant, forR1(callers.alice));

    expect(res.statusCode).toBe(404);
    expect(res.body.error.code).toBe('RESTAURANT_NOT_FOUND');
  });
});

describe('PUT /restaurants/{restaurantId}/menu', () => {
  it('upserts listed items (keeping reservation markers) and deletes the others', async () => {
    ddb.on(GetCommand).resolves({ Item: restaurantItem() });
    ddb.on(QueryCommand).resolves({ Items: [menuItem('m1'), menuItem('old')] });
    ddb.on(UpdateCommand).resolves({});
    ddb.on(BatchWriteCommand).resolves({});

    const res = await call(putMenu, forR1(callers.staffR1, { method: 'PUT', body: menuBody }));

    expect(res.statusCode).toBe(200);
    expect(res.body.menu).toEqual(menuBody.items);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, { Key: { pk: 'r1', sk: 'ITEM#m1' } });
    expect(ddb).toHaveReceivedCommandWith(BatchWriteCommand, {
      RequestItems: { restaurants: [{ DeleteRequest: { Key: { pk: 'r1', sk: 'ITEM#old' } } }] },
    });
  });

  it('gives new items an id and lets an admin do it', async () => {
    ddb.on(GetCommand).resolves({ Item: restaurantItem() });
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(UpdateCommand).resolves({});

    const res = await call(
      putMenu,
      forR1(callers.admin, { method: 'PUT', body: { items: [{ name: 'Tiramisu', priceCents: 600 }] } }),
    );

    expect(res.statusCode).toBe(200);
    expect(res.body.menu[0]).toMatchObject({ name: 'Tiramisu', available: true, menuItemId: expect.any(String) });
  });

  it.each([
    ['a negative price', { items: [{ name: 'x', priceCents: -1 }] }],
    ['a fractional price', { items: [{ name: 'x', priceCents: 9.5 }] }],
    ['a missing name', { items: [{ priceCents: 100 }] }],
    [
      'duplicate ids',
      {
        items: [
          { menuItemId: 'a', name: 'x', priceCents: 1 },
          { menuItemId: 'a', name: 'y', priceCents: 1 },
        ],
      },
    ],
  ])('answers 400 for %s', async (_label, body) => {
    const res = await call(putMenu, forR1(callers.staffR1, { method: 'PUT', body }));
    expect(res.statusCode).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 404 for a restaurant that does not exist', async () => {
    ddb.on(GetCommand).resolves({});
    expect((await call(putMenu, forR1(callers.admin, { method: 'PUT', body: menuBody }))).statusCode).toBe(404);
  });
});

describe('PUT /restaurants/{restaurantId}/open', () => {
  it('opens or closes the restaurant, conditional on it existing', async () => {
    ddb.on(UpdateCommand).resolves({});

    const res = await call(setOpen, forR1(callers.staffR1, { method: 'PUT', body: { open: false } }));

    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({ restaurantId: 'r1', open: false });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'r1', sk: 'RESTAURANT' },
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':open': false },
    });
  });

  it('answers 404 when the restaurant does not exist', async () => {
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('no'), { name: 'ConditionalCheckFailedException' }));
    expect((await call(setOpen, forR1(callers.admin, { method: 'PUT', body: { open: true } }))).statusCode).toBe(404);
  });

  it('answers 400 when open is not a boolean', async () => {
    expect((await call(setOpen, forR1(callers.staffR1, { method: 'PUT', body: { open: 'yes' } }))).statusCode).toBe(
      400,
    );
  });
});

describe('GET /restaurants/{restaurantId}/orders', () => {
  it('lists by status through byRestaurantStatus, newest first', async () => {
    ddb.on(QueryCommand).resolves({ Items: [storedOrder({ taskToken: 'secret' })] });

    const res = await call(listRestaurantOrders, forR1(callers.staffR1, { query: { status: 'PLACED', limit: '5' } }));

    expect(res.statusCode).toBe(200);
    expect(res.body.orders[0]).not.toHaveProperty('taskToken');
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byRestaurantStatus',
      ExpressionAttributeValues: { ':pk': 'r1#PLACED' },
      ScanIndexForward: false,
      Limit: 5,
    });
  });

  it('lists all statuses through byRestaurant', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await call(listRestaurantOrders, forR1(callers.admin));

    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byRestaurant',
      ExpressionAttributeValues: { ':pk': 'r1' },
    });
  });

  it("answers 400 for a token from another restaurant's partition", async () => {
    const nextToken = encodeNextToken({ orderId: 'o9', restaurantId: 'r2', placedAt: 'x' }) as string;

    const res = await call(listRestaurantOrders, forR1(callers.staffR1, { query: { nextToken } }));

    expect(res.statusCode).toBe(400);
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});
