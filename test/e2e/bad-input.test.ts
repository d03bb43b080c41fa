/**
 * Malformed requests get a clean 4xx in the error shape (never a 5xx) and write nothing: broken JSON, wrong types,
 * missing or unknown fields, values past the models' limits, bodies over API Gateway's 10 MB, a missing or
 * malformed Idempotency-Key, unknown routes and methods.
 */
import { ADDRESS, type ApiAnswer, type App, pollUntil, startApp, USERS } from './support/harness';
import { newKey, orderBody, orderItem, ordersOfCustomer, placeOrderOk, scanAll, subOf } from './support/orders';

// Generous: the deadlines below are for liveness on a busy 2-core machine, not for speed.
jest.setTimeout(120_000);

let app: App;
/** A customer of this file alone, so "nothing written" can be checked on their orders. */
let customer: string;
let staff: string;

beforeAll(async () => {
  app = await startApp();
  customer = await app.newCustomer('bad-input');
  staff = await app.token(USERS.pizzeriaStaff);
});

afterAll(async () => {
  await app?.stop();
});

const expectCleanClientError = (res: ApiAnswer, status: number, code?: string) => {
  expect({ status: res.status, body: res.body }).toMatchObject({
    status,
    body: { error: { code: code ?? expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) } },
  });
};

const postOrder = (opts: { body?: unknown; rawBody?: string; headers?: Record<string, string> }) =>
  app.call('POST', '/orders', {
    token: customer,
    ...opts,
    headers: {
      'Idempotency-Key': newKey(),
      ...(opts.rawBody ? { 'Content-Type': 'application/json' } : {}),
      ...opts.headers,
    },
  });

const line = (menuItemId: string, quantity: unknown) => ({ menuItemId, quantity });

describe('POST /orders with a bad body', () => {
  const idempotencyRecords = () => scanAll(app, 'IdempotencyTableName');

  it.each<[string, { body?: unknown; rawBody?: string }]>([
    ['broken JSON', { rawBody: '{"restaurantId": "r-pizzeria", "items": [' }],
    ['a JSON array', { body: [orderBody()] }],
    ['an empty body', { rawBody: '' }],
    ['a quantity given as a string', { body: orderBody({ items: [line('margherita', 'two')] }) }],
    ['a fractional quantity', { body: orderBody({ items: [line('margherita', 1.5)] }) }],
    ['a zero quantity', { body: orderBody({ items: [line('margherita', 0)] }) }],
    ['a quantity over the limit', { body: orderBody({ items: [line('margherita', 51)] }) }],
    ['items that are not a list', { body: orderBody({ items: 'margherita' }) }],
    ['no items', { body: orderBody({ items: [] }) }],
    ['a missing restaurantId', { body: { ...orderBody(), restaurantId: undefined } }],
    ['a missing paymentToken', { body: { ...orderBody(), paymentToken: undefined } }],
    ['no delivery address', { body: { ...orderBody(), deliveryAddress: undefined } }],
    ['an address without a city', { body: orderBody({ deliveryAddress: { line1: '1 Main St', postalCode: '1' } }) }],
    [
      'a client-side price on a line',
      { body: orderBody({ items: [{ ...line('margherita', 1), unitPriceCents: 1 }] }) },
    ],
    ['a client-side total', { body: orderBody({ totalCents: 1 }) }],
    ['notes over 500 characters', { body: orderBody({ notes: 'x'.repeat(501) }) }],
    ['a number where a string belongs', { body: orderBody({ restaurantId: 42 }) }],
  ])('answers 400 VALIDATION_FAILED for %s and writes nothing', async (_what, request) => {
    // Prepare
    const recordsBefore = (await idempotencyRecords()).length;

    // Act
    const res = await postOrder(request);

    // Assess
    expectCleanClientError(res, 400, 'VALIDATION_FAILED');
    expect(await ordersOfCustomer(app, subOf(customer))).toEqual([]);
    expect((await idempotencyRecords()).length).toBe(recordsBefore);
  });

  it('answers 413 to a body over 10 MB and writes nothing', async () => {
    // Act
    const res = await postOrder({ body: orderBody({ notes: 'x'.repeat(10 * 1024 * 1024 + 1) }) });

    // Assess
    expectCleanClientError(res, 413);
    expect(await ordersOfCustomer(app, subOf(customer))).toEqual([]);
  });

  it('answers 400 without an Idempotency-Key and writes nothing', async () => {
    // Act
    const res = await app.call('POST', '/orders', { token: customer, body: orderBody() });

    // Assess
    expectCleanClientError(res, 400, 'VALIDATION_FAILED');
    expect(await ordersOfCustomer(app, subOf(customer))).toEqual([]);
  });

  it.each([
    ['spaces', 'not a valid key'],
    ['129 characters', 'k'.repeat(129)],
    ['punctuation', 'key;drop table'],
  ])('answers 400 to an Idempotency-Key with %s', async (_what, key) => {
    const res = await postOrder({ body: orderBody(), headers: { 'Idempotency-Key': key } });
    expectCleanClientError(res, 400, 'VALIDATION_FAILED');
    expect(await ordersOfCustomer(app, subOf(customer))).toEqual([]);
  });
});

describe('other routes with a bad body', () => {
  it('answers 400 to an edit with nothing to change, or with wrong types, and keeps the order', async () => {
    // Prepare: once the lifecycle waits for the restaurant, only an edit would write the order.
    const order = await placeOrderOk(app, customer);
    const before = await pollUntil(
      () => orderItem(app, order.orderId),
      (item) => Array.isArray(item?.awaiting),
      { what: 'the restaurant wait' },
    );

    // Act
    const answers = await Promise.all([
      app.call('PATCH', `/orders/${order.orderId}`, { token: customer, body: {} }),
      app.call('PATCH', `/orders/${order.orderId}`, { token: customer, body: { items: [line('diavola', '3')] } }),
      app.call('PATCH', `/orders/${order.orderId}`, { token: customer, rawBody: '{not json' }),
      app.call('PATCH', `/orders/${order.orderId}`, {
        token: customer,
        body: { items: [line('diavola', 1)], totalCents: 1 },
      }),
    ]);

    // Assess
    for (const res of answers) expectCleanClientError(res, 400, 'VALIDATION_FAILED');
    expect(await orderItem(app, order.orderId)).toMatchObject({
      totalCents: order.totalCents,
      version: before?.version,
    });
  });

  it('answers 400 to an unknown restaurant event type, and the order does not move', async () => {
    // Prepare
    const order = await placeOrderOk(app, customer);

    // Act
    const answers = await Promise.all([
      app.call('POST', `/restaurants/r-pizzeria/orders/${order.orderId}/events`, {
        token: staff,
        body: { type: 'OrderEaten' },
      }),
      app.call('POST', `/restaurants/r-pizzeria/orders/${order.orderId}/events`, { token: staff, body: {} }),
      app.call('POST', `/restaurants/r-pizzeria/orders/${order.orderId}/events`, {
        token: staff,
        body: { type: 'OrderAccepted', etaMinutes: 'soon' },
      }),
    ]);

    // Assess
    for (const res of answers) expectCleanClientError(res, 400, 'VALIDATION_FAILED');
    const status = await app.call('GET', `/orders/${order.orderId}/status`, { token: customer });
    expect(status.body.status).toBe('PLACED');
  });

  it('answers 400 to an open flag that is not a boolean, and the restaurant stays open', async () => {
    const res = await app.call('PUT', '/restaurants/r-pizzeria/open', { token: staff, body: { open: 'yes' } });
    expectCleanClientError(res, 400, 'VALIDATION_FAILED');
    const restaurant = await app.call('GET', '/restaurants/r-pizzeria', { token: customer });
    expect(restaurant.body.open).toBe(true);
  });

  it('answers 400 to a menu with a negative price, and the menu stays as it was', async () => {
    const res = await app.call('PUT', '/restaurants/r-pizzeria/menu', {
      token: staff,
      body: { items: [{ menuItemId: 'margherita', name: 'Margherita', priceCents: -1 }] },
    });
    expectCleanClientError(res, 400, 'VALIDATION_FAILED');
    const restaurant = await app.call('GET', '/restaurants/r-pizzeria', { token: customer });
    expect(restaurant.body.menu).toHaveLength(5);
  });
});

describe('profile commands with a bad body', () => {
  it('answers 400 at the gateway, so nothing reaches the profile', async () => {
    // Act
    const answers = await Promise.all([
      app.call('POST', '/profile/addresses', { token: customer, body: { ...ADDRESS, line1: 5 } }),
      app.call('POST', '/profile/addresses', { token: customer, body: { line1: 'Nowhere 1', postalCode: '1' } }),
      app.call('POST', '/profile/addresses', { token: customer, body: { ...ADDRESS, userId: 'someone-else' } }),
      app.call('POST', '/profile/addresses', {
        token: customer,
        rawBody: '{"line1":',
        headers: { 'Content-Type': 'application/json' },
      }),
      app.call('PUT', '/profile/addresses/a-1', { token: customer, body: { ...ADDRESS, country: 'usa' } }),
    ]);
    // A valid command sent after them: once it shows, anything the bad ones had caused would show as well.
    const good = await app.call('POST', '/profile/addresses', { token: customer, body: ADDRESS });

    // Assess
    for (const res of answers) expectCleanClientError(res, 400, 'VALIDATION_FAILED');
    expect(good.status).toBe(202);
    const addresses = await pollUntil(
      () => app.call('GET', '/profile/addresses', { token: customer }),
      (res) => (res.body?.addresses?.length ?? 0) > 0,
      { what: 'the valid address to be saved' },
    );
    expect(addresses.body.addresses).toEqual([expect.objectContaining({ line1: ADDRESS.line1, city: ADDRESS.city })]);
  });
});

describe('unknown routes and objects', () => {
  it.each([
    ['GET', '/nope'],
    ['GET', '/orders/x/y/z'],
    ['DELETE', '/orders/01ANYORDER'],
    ['POST', '/restaurants'],
  ])('answers %s %s with 404 ROUTE_NOT_FOUND', async (method, path) => {
    const res = await app.call(method, path, { token: customer });
    expectCleanClientError(res, 404, 'ROUTE_NOT_FOUND');
  });

  it('answers 404 ORDER_NOT_FOUND for an order that does not exist', async () => {
    const res = await app.call('GET', '/orders/01NOSUCHORDER0000000000000', { token: customer });
    expectCleanClientError(res, 404, 'ORDER_NOT_FOUND');
    const status = await app.call('GET', '/orders/01NOSUCHORDER0000000000000/status', { token: customer });
    expectCleanClientError(status, 404, 'ORDER_NOT_FOUND');
  });
});
