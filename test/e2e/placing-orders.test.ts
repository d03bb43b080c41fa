/**
 * Placing orders through `POST /orders`: server-side prices, the idempotent replay, key reuse with another body,
 * concurrent duplicates, stock limits, closed restaurants, unknown or unavailable items, and editing a placed order.
 */
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { type App, pollUntil, startApp, USERS } from './support/harness';
import {
  clients,
  newKey,
  orderBody,
  orderItem,
  ordersOfCustomer,
  paymentItem,
  placeOrder,
  placeOrderOk,
  putRestaurantEvent,
  scanAll,
  stockOf,
  subOf,
  waitForStatus,
} from './support/orders';

// Generous: the deadlines below are for liveness on a busy 2-core machine, not for speed.
jest.setTimeout(120_000);

let app: App;
let alice: string;

beforeAll(async () => {
  app = await startApp();
  alice = await app.token(USERS.alice);
});

afterAll(async () => {
  await app?.stop();
});

const lifecycleExecutions = async (): Promise<string[]> => {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients(app).sfn.send(
      new ListExecutionsCommand({ stateMachineArn: app.out('OrderLifecycleStateMachineArn'), nextToken }),
    );
    names.push(...(page.executions ?? []).map((e) => e.name ?? ''));
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
};

/** Waits until the lifecycle has authorized the payment and waits for the restaurant. */
const waitForRestaurantWait = (orderId: string) =>
  pollUntil(
    () => orderItem(app, orderId),
    (item) => Array.isArray(item?.awaiting) && (item.awaiting as string[]).includes('OrderAccepted'),
    { what: `order ${orderId} to wait for the restaurant` },
  );

describe('placing an order', () => {
  it('answers 201 with the order priced from the menu, whatever the client claims', async () => {
    // Prepare: the client slips prices into the body; the model refuses unknown fields, so send them on lines only.
    const body = orderBody({
      items: [
        { menuItemId: 'margherita', quantity: 2 },
        { menuItemId: 'diavola', quantity: 1 },
      ],
      notes: 'ring twice',
    });

    // Act
    const res = await placeOrder(app, alice, body);

    // Assess
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect(res.body).toMatchObject({
      orderId: expect.any(String),
      customerId: subOf(alice),
      restaurantId: 'r-pizzeria',
      status: 'PLACED',
      currency: expect.any(String),
      totalCents: 2 * 950 + 1150,
      deliveryAddress: body.deliveryAddress,
      placedAt: expect.any(String),
      version: expect.any(Number),
    });
    expect(res.body.items).toEqual([
      { menuItemId: 'margherita', name: 'Margherita', quantity: 2, unitPriceCents: 950, lineTotalCents: 1900 },
      { menuItemId: 'diavola', name: 'Diavola', quantity: 1, unitPriceCents: 1150, lineTotalCents: 1150 },
    ]);
    expect(res.body.history).toEqual([{ status: 'PLACED', at: expect.any(String) }]);
    // Internal attributes never leave the API.
    for (const internal of ['taskToken', 'paymentToken', 'restaurantStatus', 'awaiting', 'stockReserved']) {
      expect(res.body).not.toHaveProperty(internal);
    }
    const stored = await orderItem(app, res.body.orderId);
    expect(stored).toMatchObject({ orderId: res.body.orderId, totalCents: 3050 });
    const fetched = await app.call('GET', `/orders/${res.body.orderId}`, { token: alice });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ orderId: res.body.orderId, totalCents: 3050, items: res.body.items });
  });

  it('lists the customer own orders, newest first', async () => {
    // Prepare
    const token = await app.newCustomer('lister');
    const first = await placeOrderOk(app, token);
    const second = await placeOrderOk(app, token, orderBody({ items: [{ menuItemId: 'diavola', quantity: 1 }] }));

    // Act
    const res = await app.call('GET', '/orders', { token });

    // Assess
    expect(res.status).toBe(200);
    expect((res.body.orders as { orderId: string }[]).map((o) => o.orderId)).toEqual([second.orderId, first.orderId]);
  });

  it('authorizes the payment and waits for the restaurant', async () => {
    // Act
    const order = await placeOrderOk(app, alice);
    await waitForRestaurantWait(order.orderId);

    // Assess
    expect(await paymentItem(app, order.orderId)).toMatchObject({
      status: 'AUTHORIZED',
      amountCents: order.totalCents,
    });
  });
});

describe('idempotency of POST /orders', () => {
  it('replays the first answer for the same key and body, with Idempotent-Replayed: true', async () => {
    // Prepare
    const key = newKey();
    const body = orderBody();
    const first = await placeOrder(app, alice, body, key);
    expect(first.status).toBe(201);

    // Act
    const replay = await placeOrder(app, alice, body, key);

    // Assess
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.orderId).toBe(first.body.orderId);
    expect(replay.body).toEqual(first.body);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body, and places nothing', async () => {
    // Prepare
    const token = await app.newCustomer('reuser');
    const key = newKey();
    expect((await placeOrder(app, token, orderBody(), key)).status).toBe(201);

    // Act
    const res = await placeOrder(app, token, orderBody({ items: [{ menuItemId: 'diavola', quantity: 3 }] }), key);

    // Assess
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED', message: expect.any(String) } });
    expect(await ordersOfCustomer(app, subOf(token))).toHaveLength(1);
  });

  it('scopes keys per customer: the same key from two customers places two orders', async () => {
    // Prepare
    const [one, two] = await Promise.all([app.newCustomer('scope-a'), app.newCustomer('scope-b')]);
    const key = newKey();

    // Act
    const a = await placeOrder(app, one, orderBody(), key);
    const b = await placeOrder(app, two, orderBody(), key);

    // Assess
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(a.body.orderId).not.toBe(b.body.orderId);
  });

  it('turns 20 concurrent duplicates into one order, one execution and one payment authorization', async () => {
    // Prepare: warm the placement path first, so that cold starts (Lambda's 10 s init limit, easily reached on a
    // busy 2-core machine, answers 502) do not stand in for the concurrency under test. The warm-up orders are
    // settled (payment authorized) before the tables are read.
    const warmer = await app.newCustomer('warmer');
    const warmUp = await Promise.all(Array.from({ length: 8 }, () => placeOrder(app, warmer)));
    await Promise.all(
      warmUp.filter((r) => r.status === 201).map((r) => waitForRestaurantWait(r.body.orderId as string)),
    );
    const token = await app.newCustomer('burst');
    const key = newKey();
    const body = orderBody({ items: [{ menuItemId: 'diavola', quantity: 2 }] });
    const executionsBefore = await lifecycleExecutions();
    const paymentsBefore = await scanAll(app, 'PaymentsTableName');

    // Act
    const answers = await Promise.all(Array.from({ length: 20 }, () => placeOrder(app, token, body, key)));

    // Assess: each answer is the order (first or replayed) or "still in progress"; never a second order.
    const unexpected = answers.filter(
      (r) => r.status !== 201 && !(r.status === 409 && r.body?.error?.code === 'REQUEST_IN_PROGRESS'),
    );
    expect(unexpected.map((r) => `${r.status} ${r.text}`)).toEqual([]);
    const created = answers.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    const orderIds = new Set(created.map((r) => r.body.orderId as string));
    expect(orderIds.size).toBe(1);
    const [orderId] = [...orderIds] as [string];
    expect(created.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);

    const stored = await ordersOfCustomer(app, subOf(token));
    expect(stored.map((o) => o.orderId)).toEqual([orderId]);
    await waitForRestaurantWait(orderId);
    const executionsAfter = await lifecycleExecutions();
    const newExecutions = executionsAfter.filter((name) => !executionsBefore.includes(name));
    expect(newExecutions).toEqual([orderId]);
    const paymentsAfter = await scanAll(app, 'PaymentsTableName');
    const newPayments = paymentsAfter.filter((p) => !paymentsBefore.some((q) => q.orderId === p.orderId));
    expect(newPayments.map((p) => p.orderId)).toEqual([orderId]);
    expect(newPayments[0]).toMatchObject({ status: 'AUTHORIZED', amountCents: 2300 });
  });
});

describe('what the menu and the restaurant allow', () => {
  it('sells the last truffle special once: the second order answers 422 OUT_OF_STOCK', async () => {
    // Prepare
    const body = orderBody({ items: [{ menuItemId: 'truffle-special', quantity: 1 }] });
    expect(await stockOf(app, alice, 'r-pizzeria', 'truffle-special')).toBe(1);

    // Act
    const first = await placeOrder(app, alice, body);
    const second = await placeOrder(app, alice, body);

    // Assess
    expect(first.status).toBe(201);
    expect(second.status).toBe(422);
    expect(second.body).toMatchObject({ error: { code: 'OUT_OF_STOCK' } });
    expect(await stockOf(app, alice, 'r-pizzeria', 'truffle-special')).toBe(0);
  });

  it('answers 422 OUT_OF_STOCK for more than the stock, and keeps the stock', async () => {
    // Prepare
    const before = await stockOf(app, alice, 'r-pizzeria', 'tiramisu');

    // Act
    const res = await placeOrder(app, alice, orderBody({ items: [{ menuItemId: 'tiramisu', quantity: before + 1 }] }));

    // Assess
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      error: { code: 'OUT_OF_STOCK', details: [{ menuItemId: 'tiramisu', requested: before + 1 }] },
    });
    expect(await stockOf(app, alice, 'r-pizzeria', 'tiramisu')).toBe(before);
  });

  it('releases the stock it reserved when a later line fails (all or nothing)', async () => {
    // Prepare
    const before = await stockOf(app, alice, 'r-pizzeria', 'tiramisu');

    // Act
    const res = await placeOrder(
      app,
      alice,
      orderBody({
        items: [
          { menuItemId: 'tiramisu', quantity: 1 },
          { menuItemId: 'truffle-special', quantity: 1 },
        ],
      }),
    );

    // Assess
    expect(res.status).toBe(422);
    expect(await stockOf(app, alice, 'r-pizzeria', 'tiramisu')).toBe(before);
  });

  it('answers 409 RESTAURANT_CLOSED at a closed restaurant', async () => {
    const res = await placeOrder(
      app,
      alice,
      orderBody({ restaurantId: 'r-taqueria', items: [{ menuItemId: 'churros', quantity: 1 }] }),
    );
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'RESTAURANT_CLOSED' } });
  });

  it('answers 404 RESTAURANT_NOT_FOUND for an unknown restaurant', async () => {
    const res = await placeOrder(app, alice, orderBody({ restaurantId: 'r-nowhere' }));
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'RESTAURANT_NOT_FOUND' } });
  });

  it.each([
    ['an unavailable item', 'calzone'],
    ['an unknown item', 'pineapple-pizza'],
    ['an item of another restaurant', 'salmon-nigiri'],
  ])('answers 422 MENU_ITEM_UNAVAILABLE for %s, and places nothing', async (_what, menuItemId) => {
    // Prepare
    const token = await app.newCustomer('unavailable');

    // Act
    const res = await placeOrder(app, token, orderBody({ items: [{ menuItemId, quantity: 1 }] }));

    // Assess
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { code: 'MENU_ITEM_UNAVAILABLE', details: [{ menuItemId }] } });
    expect(await ordersOfCustomer(app, subOf(token))).toEqual([]);
  });
});

describe('editing an order (PATCH /orders/{id})', () => {
  it('re-prices the order from the menu while it is PLACED', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);

    // Act
    const res = await app.call('PATCH', `/orders/${order.orderId}`, {
      token: alice,
      body: { items: [{ menuItemId: 'diavola', quantity: 3 }], notes: 'extra spicy' },
    });

    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      orderId: order.orderId,
      status: 'PLACED',
      totalCents: 3 * 1150,
      items: [{ menuItemId: 'diavola', name: 'Diavola', quantity: 3, unitPriceCents: 1150, lineTotalCents: 3450 }],
    });
    const fetched = await app.call('GET', `/orders/${order.orderId}`, { token: alice });
    expect(fetched.body).toMatchObject({ totalCents: 3450, notes: 'extra spicy' });
  });

  it('moves the stock reservation with the new quantities', async () => {
    // Prepare
    const before = await stockOf(app, alice, 'r-pizzeria', 'tiramisu');
    const order = await placeOrderOk(app, alice, orderBody({ items: [{ menuItemId: 'tiramisu', quantity: 1 }] }));
    expect(await stockOf(app, alice, 'r-pizzeria', 'tiramisu')).toBe(before - 1);

    // Act
    const res = await app.call('PATCH', `/orders/${order.orderId}`, {
      token: alice,
      body: { items: [{ menuItemId: 'margherita', quantity: 1 }] },
    });

    // Assess
    expect(res.status).toBe(200);
    expect(await stockOf(app, alice, 'r-pizzeria', 'tiramisu')).toBe(before);
  });

  it('answers 409 ORDER_NOT_EDITABLE once the restaurant accepted', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);
    await waitForRestaurantWait(order.orderId);
    await putRestaurantEvent(app, 'OrderAccepted', order.orderId);
    await waitForStatus(app, alice, order.orderId, 'ACCEPTED');

    // Act
    const res = await app.call('PATCH', `/orders/${order.orderId}`, {
      token: alice,
      body: { items: [{ menuItemId: 'diavola', quantity: 5 }] },
    });

    // Assess
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'ORDER_NOT_EDITABLE' } });
    expect(await orderItem(app, order.orderId)).toMatchObject({ totalCents: order.totalCents });
  });

  it('answers 422 MENU_ITEM_UNAVAILABLE for an unavailable item and keeps the order as it was', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);

    // Act
    const res = await app.call('PATCH', `/orders/${order.orderId}`, {
      token: alice,
      body: { items: [{ menuItemId: 'calzone', quantity: 1 }] },
    });

    // Assess
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { code: 'MENU_ITEM_UNAVAILABLE' } });
    expect(await orderItem(app, order.orderId)).toMatchObject({ totalCents: order.totalCents });
  });
});
