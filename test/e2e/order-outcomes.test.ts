/**
 * How orders end when things do not go straight: the restaurant rejects, the customer cancels (in time and too
 * late), the payment is declined or flaky, and restaurant and courier events arrive twice, out of order or from
 * the wrong party. Each outcome is checked where a user would look (the API), and where the money and the stock
 * live (PaymentsTable, the menu's stock, the execution history).
 */
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type App, pollUntil, startApp, USERS } from './support/harness';
import {
  type CourierEventType,
  clients,
  courierEvent,
  executionHistory,
  expectAccepted,
  orderBody,
  orderItem,
  paymentItem,
  placeOrderOk,
  putRestaurantEvent,
  type RestaurantEventType,
  restaurantEntry,
  signInJourneyCast,
  staffEvent,
  statesEntered,
  stockOf,
  subOf,
  waitForStatus,
} from './support/orders';

// Generous: the deadlines below are for liveness on a busy 2-core machine, not for speed.
jest.setTimeout(120_000);

let app: App;
let alice: string;
let staff: string;
let courier: string;

beforeAll(async () => {
  app = await startApp();
  ({ alice, staff, courier } = await signInJourneyCast(app));
});

afterAll(async () => {
  await app?.stop();
});

const waitForRestaurantWait = (orderId: string) =>
  pollUntil(
    () => orderItem(app, orderId),
    (item) => Array.isArray(item?.awaiting) && (item.awaiting as string[]).includes('OrderAccepted'),
    { what: `order ${orderId} to wait for the restaurant` },
  );

const waitForExecutionEnd = (orderId: string) =>
  pollUntil(
    () => executionHistory(app, orderId),
    (events) => events.some((e) => e.type === 'ExecutionSucceeded' || e.type === 'ExecutionFailed'),
    { what: `the lifecycle of ${orderId} to end` },
  );

const tiramisuOrder = () => orderBody({ items: [{ menuItemId: 'tiramisu', quantity: 2 }] });

const courierEntry = (type: CourierEventType, orderId: string) => ({
  EventBusName: app.out('EventBusName'),
  Source: 'dishpatch.courier',
  DetailType: type,
  Detail: JSON.stringify({ version: 1, orderId, courierId: subOf(courier) }),
});

describe('the restaurant rejects', () => {
  it('ends REJECTED with the reason, voids the payment and releases the stock', async () => {
    // Prepare
    const stockBefore = await stockOf(app, alice, 'r-pizzeria', 'tiramisu');
    const order = await placeOrderOk(app, alice, tiramisuOrder());
    expect(await stockOf(app, alice, 'r-pizzeria', 'tiramisu')).toBe(stockBefore - 2);
    await waitForRestaurantWait(order.orderId);

    // Act
    await putRestaurantEvent(app, 'OrderRejected', order.orderId, { reason: 'Oven broken' });

    // Assess
    await waitForStatus(app, alice, order.orderId, 'REJECTED');
    const full = await app.call('GET', `/orders/${order.orderId}`, { token: alice });
    expect(full.body.history).toContainEqual(expect.objectContaining({ status: 'REJECTED', reason: 'Oven broken' }));
    await pollUntil(
      () => paymentItem(app, order.orderId),
      (p) => p?.status === 'VOIDED',
      { what: 'the payment to be voided' },
    );
    expect(await stockOf(app, alice, 'r-pizzeria', 'tiramisu')).toBe(stockBefore);
    const end = await waitForExecutionEnd(order.orderId);
    expect(end.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('may still reject through the staff route while the kitchen works (until READY)', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);
    await waitForRestaurantWait(order.orderId);
    expectAccepted(await staffEvent(app, staff, order.orderId, 'OrderAccepted'));
    await waitForStatus(app, alice, order.orderId, 'ACCEPTED');

    // Act
    expectAccepted(await staffEvent(app, staff, order.orderId, 'OrderRejected', 'r-pizzeria', { reason: 'No dough' }));

    // Assess
    await waitForStatus(app, alice, order.orderId, 'REJECTED');
    await pollUntil(
      () => paymentItem(app, order.orderId),
      (p) => p?.status === 'VOIDED',
      { what: 'the payment to be voided' },
    );
  });
});

describe('the customer cancels', () => {
  it('cancels a PLACED order: 202, then CANCELLED, payment voided, stock released', async () => {
    // Prepare
    const stockBefore = await stockOf(app, alice, 'r-pizzeria', 'tiramisu');
    const order = await placeOrderOk(app, alice, tiramisuOrder());
    await waitForRestaurantWait(order.orderId);

    // Act
    const res = await app.call('POST', `/orders/${order.orderId}/cancel`, { token: alice });

    // Assess
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ orderId: order.orderId, status: 'PLACED' });
    await waitForStatus(app, alice, order.orderId, 'CANCELLED');
    await pollUntil(
      () => paymentItem(app, order.orderId),
      (p) => p?.status === 'VOIDED',
      { what: 'the payment to be voided' },
    );
    expect(await stockOf(app, alice, 'r-pizzeria', 'tiramisu')).toBe(stockBefore);
  });

  it('honours a cancel sent right after placing, before the lifecycle waits for the restaurant', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);

    // Act
    const res = await app.call('POST', `/orders/${order.orderId}/cancel`, { token: alice });

    // Assess
    expect(res.status).toBe(202);
    await waitForStatus(app, alice, order.orderId, 'CANCELLED');
  });

  it('refuses with 409 ORDER_NOT_CANCELLABLE after the restaurant accepted, and the order goes on', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);
    await waitForRestaurantWait(order.orderId);
    await putRestaurantEvent(app, 'OrderAccepted', order.orderId);
    await waitForStatus(app, alice, order.orderId, 'ACCEPTED');

    // Act
    const res = await app.call('POST', `/orders/${order.orderId}/cancel`, { token: alice });

    // Assess
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'ORDER_NOT_CANCELLABLE' } });
    expectAccepted(await staffEvent(app, staff, order.orderId, 'OrderPreparing'));
    await waitForStatus(app, alice, order.orderId, 'PREPARING');
  });

  it('lets nobody but the owner cancel (another customer gets 404)', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);
    const bob = await app.token(USERS.bob);

    // Act
    const res = await app.call('POST', `/orders/${order.orderId}/cancel`, { token: bob });

    // Assess
    expect(res.status).toBe(404);
    expect((await orderItem(app, order.orderId))?.cancelRequested).toBeUndefined();
  });
});

describe('payments', () => {
  it('ends PAYMENT_FAILED for a declined card and releases the stock', async () => {
    // Prepare
    const stockBefore = await stockOf(app, alice, 'r-pizzeria', 'tiramisu');

    // Act
    const order = await placeOrderOk(app, alice, { ...tiramisuOrder(), paymentToken: 'tok_declined' });

    // Assess
    await waitForStatus(app, alice, order.orderId, 'PAYMENT_FAILED');
    expect(await paymentItem(app, order.orderId)).toMatchObject({ status: 'DECLINED' });
    await pollUntil(
      () => stockOf(app, alice, 'r-pizzeria', 'tiramisu'),
      (stock) => stock === stockBefore,
      { what: 'the stock to be released' },
    );
    const entered = await statesEntered(app, order.orderId);
    expect(entered).toContain('Release Stock');
    expect(entered).not.toContain('Await Restaurant');
  });

  it('retries a flaky payment provider and goes on to wait for the restaurant', async () => {
    // Act
    const order = await placeOrderOk(app, alice, orderBody({ paymentToken: 'tok_flaky' }));

    // Assess
    await waitForRestaurantWait(order.orderId);
    expect(await paymentItem(app, order.orderId)).toMatchObject({ status: 'AUTHORIZED', attempts: 3 });
    const history = await executionHistory(app, order.orderId);
    const failedAttempts = history.filter(
      (e) => e.type === 'TaskFailed' && e.taskFailedEventDetails?.error === 'PaymentProviderUnavailableError',
    );
    expect(failedAttempts).toHaveLength(2);
    expect((await app.call('GET', `/orders/${order.orderId}/status`, { token: alice })).body.status).toBe('PLACED');
  });
});

describe('at-least-once, unordered restaurant and courier events', () => {
  /** Publishes entries in one PutEvents call each, all at once. */
  const publishAll = (entries: PutEventsRequestEntry[]) =>
    Promise.all(entries.map((entry) => clients(app).events.send(new PutEventsCommand({ Entries: [entry] }))));

  const expectOneCapture = async (orderId: string, totalCents: number) => {
    await pollUntil(
      () => executionHistory(app, orderId),
      (events) => events.some((e) => e.type === 'ExecutionSucceeded'),
      { what: 'the lifecycle to succeed' },
    );
    expect(await paymentItem(app, orderId)).toMatchObject({ status: 'CAPTURED', amountCents: totalCents });
    const entered = await statesEntered(app, orderId);
    expect(entered.filter((name) => name === 'Capture Payment')).toHaveLength(1);
    const full = await app.call('GET', `/orders/${orderId}`, { token: alice });
    const statuses = (full.body.history as { status: string }[]).map((h) => h.status);
    expect(statuses).toEqual(['PLACED', 'ACCEPTED', 'PREPARING', 'READY', 'PICKED_UP', 'DELIVERED']);
  };

  it('applies each event once when every event arrives three times', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);
    await waitForRestaurantWait(order.orderId);
    const steps: [RestaurantEventType | CourierEventType, string][] = [
      ['OrderAccepted', 'ACCEPTED'],
      ['OrderPreparing', 'PREPARING'],
      ['OrderReady', 'READY'],
      ['OrderPickedUp', 'PICKED_UP'],
      ['OrderDelivered', 'DELIVERED'],
    ];

    // Act
    for (const [type, status] of steps) {
      const entry =
        type === 'OrderPickedUp' || type === 'OrderDelivered'
          ? courierEntry(type, order.orderId)
          : restaurantEntry(app, type, order.orderId);
      await publishAll([entry, entry, entry]);
      await waitForStatus(app, alice, order.orderId, status);
    }

    // Assess
    await expectOneCapture(order.orderId, order.totalCents);
  });

  it('reaches DELIVERED with one capture when the events arrive in reverse order', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);
    await waitForRestaurantWait(order.orderId);

    // Act
    for (const entry of [
      courierEntry('OrderDelivered', order.orderId),
      courierEntry('OrderPickedUp', order.orderId),
      restaurantEntry(app, 'OrderReady', order.orderId),
      restaurantEntry(app, 'OrderPreparing', order.orderId),
      restaurantEntry(app, 'OrderAccepted', order.orderId),
    ]) {
      await publishAll([entry]);
    }

    // Assess
    await waitForStatus(app, alice, order.orderId, 'DELIVERED');
    await expectOneCapture(order.orderId, order.totalCents);
  });

  it('reaches DELIVERED when duplicated events arrive shuffled and concurrently through the routes', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);
    await waitForRestaurantWait(order.orderId);
    const calls = [
      () => courierEvent(app, courier, order.orderId, 'OrderPickedUp'),
      () => staffEvent(app, staff, order.orderId, 'OrderReady'),
      () => staffEvent(app, staff, order.orderId, 'OrderAccepted'),
      () => courierEvent(app, courier, order.orderId, 'OrderDelivered'),
      () => staffEvent(app, staff, order.orderId, 'OrderPreparing'),
    ];

    // Act
    const answers = await Promise.all([...calls, ...calls].map((call) => call()));

    // Assess
    for (const res of answers) expectAccepted(res);
    await waitForStatus(app, alice, order.orderId, 'DELIVERED');
    await expectOneCapture(order.orderId, order.totalCents);
  });

  it("ignores another restaurant's event for the order", async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);
    await waitForRestaurantWait(order.orderId);

    // Act: a sushi system claims to accept a pizzeria order; then the pizzeria rejects it.
    await putRestaurantEvent(app, 'OrderAccepted', order.orderId, { restaurantId: 'r-sushi' });
    await putRestaurantEvent(app, 'OrderRejected', order.orderId, { reason: 'Too busy' });

    // Assess: had the foreign acceptance counted, the rejection would leave the order ACCEPTED→REJECTED history.
    await waitForStatus(app, alice, order.orderId, 'REJECTED');
    const full = await app.call('GET', `/orders/${order.orderId}`, { token: alice });
    expect((full.body.history as { status: string }[]).map((h) => h.status)).toEqual(['PLACED', 'REJECTED']);
  });

  it('never moves a delivered order backwards', async () => {
    // Prepare: one full journey.
    const order = await placeOrderOk(app, alice);
    await waitForRestaurantWait(order.orderId);
    for (const [type, status] of [
      ['OrderAccepted', 'ACCEPTED'],
      ['OrderPreparing', 'PREPARING'],
      ['OrderReady', 'READY'],
    ] as const) {
      expectAccepted(await staffEvent(app, staff, order.orderId, type));
      await waitForStatus(app, alice, order.orderId, status);
    }
    expectAccepted(await courierEvent(app, courier, order.orderId, 'OrderPickedUp'));
    await waitForStatus(app, alice, order.orderId, 'PICKED_UP');
    expectAccepted(await courierEvent(app, courier, order.orderId, 'OrderDelivered'));
    await waitForStatus(app, alice, order.orderId, 'DELIVERED');
    await waitForExecutionEnd(order.orderId);
    const versionBefore = (await orderItem(app, order.orderId))?.version;

    // Act: late and stale events.
    await publishAll([
      restaurantEntry(app, 'OrderRejected', order.orderId, { reason: 'late' }),
      restaurantEntry(app, 'OrderAccepted', order.orderId),
      courierEntry('OrderPickedUp', order.orderId),
    ]);
    const probe = await placeOrderOk(app, alice);
    await putRestaurantEvent(app, 'OrderAccepted', probe.orderId);
    // The probe order is handled after the stale events were delivered (one bus, one rule, in order of arrival).
    await waitForStatus(app, alice, probe.orderId, 'ACCEPTED');

    // Assess
    const after = await orderItem(app, order.orderId);
    expect(after).toMatchObject({ status: 'DELIVERED' });
    expect(after?.version).toBe(versionBefore);
    expect(await paymentItem(app, order.orderId)).toMatchObject({ status: 'CAPTURED' });
  });
});
