import '../support/env';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as priceOrder } from '../../../functions/workflow/price-order';
import { handler as releaseStock } from '../../../functions/workflow/release-stock';
import { handler as reserveStock } from '../../../functions/workflow/reserve-stock';
import { lambdaContext } from '../support/api';
import { menuItem, restaurantItem, storedOrder } from '../support/orders';

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => ddb.reset());

const conditionalFailure = (item?: Record<string, unknown>) =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', Item: item });

const input = {
  orderId: 'o1',
  customerId: 'user-alice',
  restaurantId: 'r1',
  items: [{ menuItemId: 'm1', quantity: 2 }],
};

describe('PriceOrder', () => {
  it('prices lines from the menu, in integer cents', async () => {
    ddb.on(GetCommand).resolves({ Item: restaurantItem({ currency: 'EUR' }) });
    ddb.on(QueryCommand).resolves({ Items: [menuItem('m1', { priceCents: 950, name: 'Margherita' }), menuItem('m2')] });

    const result = await priceOrder(
      { ...input, items: [...input.items, { menuItemId: 'm2', quantity: 1 }] },
      lambdaContext(),
    );

    expect(result).toEqual({
      restaurant: { restaurantId: 'r1', name: 'Bella Napoli' },
      items: [
        { menuItemId: 'm1', name: 'Margherita', quantity: 2, unitPriceCents: 950, lineTotalCents: 1900 },
        { menuItemId: 'm2', name: 'Item m2', quantity: 1, unitPriceCents: 1000, lineTotalCents: 1000 },
      ],
      totalCents: 2900,
      currency: 'EUR',
    });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      ConsistentRead: true,
      ExpressionAttributeValues: { ':pk': 'r1', ':prefix': 'ITEM#' },
    });
  });

  it.each([
    ['RestaurantNotFoundError', undefined, [menuItem('m1')]],
    ['RestaurantClosedError', restaurantItem({ open: false }), [menuItem('m1')]],
    ['MenuItemUnavailableError', restaurantItem(), [menuItem('m1', { available: false })]],
    ['MenuItemUnavailableError', restaurantItem(), [menuItem('other')]],
  ])('throws %s with that exact name (ErrorEquals routes on it)', async (name, restaurant, menu) => {
    ddb.on(GetCommand).resolves({ Item: restaurant });
    ddb.on(QueryCommand).resolves({ Items: menu });

    await expect(priceOrder(input, lambdaContext())).rejects.toMatchObject({ name });
  });

  it('throws ValidationError for a malformed input', async () => {
    await expect(priceOrder({ orderId: 'o1' }, lambdaContext())).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('ReserveStock', () => {
  it('reserves only limited items, each in one conditional update that marks the order', async () => {
    ddb.on(QueryCommand).resolves({ Items: [menuItem('m1', { stock: 5 }), menuItem('m2')] });
    ddb.on(UpdateCommand).resolves({});

    const result = await reserveStock(
      {
        ...input,
        items: [
          { menuItemId: 'm1', quantity: 2 },
          { menuItemId: 'm2', quantity: 1 },
          { menuItemId: 'm1', quantity: 1 },
        ],
      },
      lambdaContext(),
    );

    expect(result).toEqual({ reserved: { m1: 3 } });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'r1', sk: 'ITEM#m1' },
      ConditionExpression: '#stock >= :quantity AND NOT contains(#reservedOrders, :orderId)',
      ExpressionAttributeValues: { ':quantity': 3, ':order': new Set(['o1']), ':orderId': 'o1' },
    });
  });

  it('is all or nothing: a short item releases what was reserved and throws OutOfStockError', async () => {
    ddb.on(QueryCommand).resolves({ Items: [menuItem('m1', { stock: 5 }), menuItem('m2', { stock: 0 })] });
    ddb
      .on(UpdateCommand, { Key: { pk: 'r1', sk: 'ITEM#m1' } })
      .resolves({})
      .on(UpdateCommand, { Key: { pk: 'r1', sk: 'ITEM#m2' } })
      .rejects(conditionalFailure({ stock: { N: '0' } }));

    await expect(
      reserveStock(
        {
          ...input,
          items: [
            { menuItemId: 'm1', quantity: 2 },
            { menuItemId: 'm2', quantity: 1 },
          ],
        },
        lambdaContext(),
      ),
    ).rejects.toMatchObject({
      name: 'OutOfStockError',
      details: [{ menuItemId: 'm2', requested: 1 }],
      // The Lambda error format keeps only the message: the details travel in it, for the API to answer them.
      message: JSON.stringify({ message: 'Not enough stock for m2', details: [{ menuItemId: 'm2', requested: 1 }] }),
    });

    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'r1', sk: 'ITEM#m1' },
      UpdateExpression: 'SET #stock = #stock + :quantity DELETE #reservedOrders :order',
      ExpressionAttributeValues: { ':quantity': 2, ':order': new Set(['o1']), ':orderId': 'o1' },
    });
  });

  it('does not reserve twice when retried after a reservation went through', async () => {
    ddb.on(QueryCommand).resolves({ Items: [menuItem('m1', { stock: 3 })] });
    ddb.on(UpdateCommand).rejects(conditionalFailure({ stock: { N: '3' }, reservedOrders: { SS: ['o1'] } }));

    await expect(reserveStock(input, lambdaContext())).resolves.toEqual({ reserved: { m1: 2 } });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });
});

describe('ReserveStock on an engine that does not return the old item', () => {
  it('reads the item to tell a retried reservation from a shortfall', async () => {
    ddb.on(QueryCommand).resolves({ Items: [menuItem('m1', { stock: 3 })] });
    ddb.on(UpdateCommand).rejects(conditionalFailure());
    ddb.on(GetCommand).resolves({ Item: menuItem('m1', { stock: 3, reservedOrders: new Set(['o1']) }) });

    await expect(reserveStock(input, lambdaContext())).resolves.toEqual({ reserved: { m1: 2 } });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: { pk: 'r1', sk: 'ITEM#m1' }, ConsistentRead: true });
  });
});

describe('ReleaseStock', () => {
  it("releases the order's current reservation, which an edit may have changed", async () => {
    ddb.on(GetCommand).resolves({ Item: storedOrder({ stockReserved: { m1: 5 } }) });
    ddb.on(UpdateCommand).resolves({});

    const result = await releaseStock({ orderId: 'o1', restaurantId: 'r1', reserved: { m1: 2 } }, lambdaContext());

    expect(result).toEqual({ released: { m1: 5 } });
  });

  it('falls back to the given reservation when the order was never written', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});

    const result = await releaseStock({ orderId: 'o1', restaurantId: 'r1', reserved: { m1: 2 } }, lambdaContext());

    expect(result).toEqual({ released: { m1: 2 } });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: 'contains(#reservedOrders, :orderId)',
    });
  });

  it('is idempotent: an item already released is skipped', async () => {
    ddb.on(GetCommand).resolves({ Item: storedOrder({ stockReserved: { m1: 2 } }) });
    ddb.on(UpdateCommand).rejects(conditionalFailure());

    await expect(releaseStock({ orderId: 'o1' }, lambdaContext())).resolves.toEqual({ released: {} });
  });

  it('has nothing to release without an order or a reservation', async () => {
    ddb.on(GetCommand).resolves({});

    await expect(releaseStock({ orderId: 'o1', reserved: null }, lambdaContext())).resolves.toEqual({ released: {} });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });
});
