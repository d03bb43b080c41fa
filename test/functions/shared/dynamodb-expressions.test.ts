import '../support/env';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { OrdersRepository } from '#shared/orders-repository';
import { PaymentService } from '#shared/payments';
import { RestaurantsRepository } from '#shared/restaurants-repository';
import { StockLedger } from '#shared/stock';
import { storedOrder } from '../support/orders';

/**
 * The expressions the repositories write, run against a real DynamoDB engine (dynalite, in memory):
 * mocks cannot tell a syntax error in an UpdateExpression or a condition that never holds.
 */
let server: ReturnType<typeof dynalite>;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const table = (name: string, keys: string[]) =>
    client.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: keys.map((key, i) => ({ AttributeName: key, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
        AttributeDefinitions: keys.map((key) => ({ AttributeName: key, AttributeType: 'S' })),
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  await Promise.all([table('restaurants', ['pk', 'sk']), table('orders', ['orderId']), table('payments', ['orderId'])]);
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const item = async (pk: string, sk: string) =>
  (await doc.send(new GetCommand({ TableName: 'restaurants', Key: { pk, sk } }))).Item;

describe('stock ledger on DynamoDB', () => {
  beforeEach(() => doc.send(new PutCommand({ TableName: 'restaurants', Item: { pk: 'r1', sk: 'ITEM#m1', stock: 5 } })));

  it('reserves once per order, even when retried, and refuses more than is left', async () => {
    const ledger = new StockLedger(doc, 'restaurants');

    await expect(ledger.reserveAll('r1', 'o1', { m1: 2 })).resolves.toEqual({ m1: 2 });
    await expect(ledger.reserveAll('r1', 'o1', { m1: 2 })).resolves.toEqual({ m1: 2 });
    await expect(ledger.reserveAll('r1', 'o2', { m1: 4 })).rejects.toMatchObject({ name: 'OutOfStockError' });

    expect(await item('r1', 'ITEM#m1')).toMatchObject({ stock: 3, reservedOrders: new Set(['o1']) });
  });

  it('moves a reservation on edit and releases it once', async () => {
    const ledger = new StockLedger(doc, 'restaurants');
    await ledger.reserveAll('r1', 'o1', { m1: 2 });

    await ledger.change('r1', 'o1', { m1: 2 }, { m1: 4 });
    expect((await item('r1', 'ITEM#m1'))?.stock).toBe(1);
    await expect(ledger.change('r1', 'o1', { m1: 4 }, { m1: 6 })).rejects.toMatchObject({ name: 'OutOfStockError' });
    expect((await item('r1', 'ITEM#m1'))?.stock).toBe(1);

    await expect(ledger.releaseAll('r1', 'o1', { m1: 4 })).resolves.toEqual({ m1: 4 });
    await expect(ledger.releaseAll('r1', 'o1', { m1: 4 })).resolves.toEqual({});
    expect((await item('r1', 'ITEM#m1'))?.stock).toBe(5);
  });

  it('settles a delivered order: the marker leaves the item, the stock stays consumed, a late release gives nothing', async () => {
    const ledger = new StockLedger(doc, 'restaurants');
    await ledger.reserveAll('r1', 'o1', { m1: 2 });
    await ledger.reserveAll('r1', 'o2', { m1: 1 });

    await expect(ledger.settleAll('r1', 'o1', { m1: 2 })).resolves.toEqual(['m1']);
    await expect(ledger.settleAll('r1', 'o1', { m1: 2 })).resolves.toEqual([]);
    await expect(ledger.releaseAll('r1', 'o1', { m1: 2 })).resolves.toEqual({});

    expect(await item('r1', 'ITEM#m1')).toMatchObject({ stock: 2, reservedOrders: new Set(['o2']) });
  });
});

describe('orders repository on DynamoDB', () => {
  it('writes only on the revision it read, bumps the public version only for visible changes', async () => {
    const repo = new OrdersRepository(doc, 'orders');
    const order = storedOrder({ taskToken: 't1' });
    await doc.send(new PutCommand({ TableName: 'orders', Item: order }));

    const internal = await repo.update(order, { set: { awaiting: ['OrderAccepted'] } });
    const updated = await repo.update(internal, {
      set: { status: 'ACCEPTED' },
      remove: ['taskToken'],
      expectedStatus: 'PLACED',
      visible: true,
    });

    expect(internal).toMatchObject({ version: 1, revision: 1 });
    expect(updated).toMatchObject({ status: 'ACCEPTED', version: 2, revision: 2 });
    expect(updated.taskToken).toBeUndefined();
    for (const stale of [order, internal]) {
      await expect(repo.update(stale, { set: { status: 'REJECTED' } })).rejects.toMatchObject({
        name: 'ConditionalCheckFailedException',
      });
    }
  });
});

describe('payments on DynamoDB', () => {
  it('counts tok_flaky attempts in the table and authorizes on the third', async () => {
    const payments = new PaymentService(doc, 'payments');

    await expect(payments.authorize('p1', 100, 'tok_flaky')).rejects.toMatchObject({
      name: 'PaymentProviderUnavailableError',
    });
    await expect(payments.authorize('p1', 100, 'tok_flaky')).rejects.toMatchObject({
      name: 'PaymentProviderUnavailableError',
    });
    await expect(payments.authorize('p1', 100, 'tok_flaky')).resolves.toEqual({
      paymentId: 'pay_p1',
      status: 'AUTHORIZED',
    });
    await expect(payments.capture('p1', 100)).resolves.toEqual({ status: 'CAPTURED', amountCents: 100 });
    await expect(payments.void('p1')).resolves.toEqual({ status: 'CAPTURED' });
    expect(await payments.find('p1')).toMatchObject({ attempts: 3, status: 'CAPTURED', paymentToken: 'laky' });
  });
});

describe('menus on DynamoDB', () => {
  it('replaces a menu, keeping reservation markers of kept items', async () => {
    const repo = new RestaurantsRepository(doc, 'restaurants');
    await doc.send(
      new PutCommand({
        TableName: 'restaurants',
        Item: { pk: 'r9', sk: 'ITEM#a', stock: 1, reservedOrders: new Set(['o1']) },
      }),
    );
    await doc.send(new PutCommand({ TableName: 'restaurants', Item: { pk: 'r9', sk: 'ITEM#b', stock: 1 } }));

    await repo.replaceMenu('r9', [{ menuItemId: 'a', name: 'A', priceCents: 100, available: true, stock: 7 }]);

    expect(await repo.menu('r9')).toEqual([{ menuItemId: 'a', name: 'A', priceCents: 100, available: true, stock: 7 }]);
    expect((await item('r9', 'ITEM#a'))?.reservedOrders).toEqual(new Set(['o1']));
  });
});
