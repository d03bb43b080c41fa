/**
 * The happy order journey, as the three parties see it: a customer places an order and polls its status, the
 * restaurant accepts (EventBridge PutEvents through the SDK, the AWS CLI, or the staff route) and cooks, a courier
 * picks it up and delivers it; the payment is captured once and the execution history shows every step.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type App, pollUntil, startApp } from './support/harness';
import {
  awsCli,
  awsCliAvailable,
  clients,
  courierEvent,
  executionHistory,
  expectAccepted,
  orderBody,
  orderItem,
  paymentItem,
  placeOrderOk,
  putRestaurantEvent,
  restaurantEntry,
  signInJourneyCast,
  staffEvent,
  statesEntered,
  stockOf,
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

/** Drives an accepted order through the kitchen and the courier routes to DELIVERED. */
const cookAndDeliver = async (orderId: string): Promise<void> => {
  expectAccepted(await staffEvent(app, staff, orderId, 'OrderPreparing'));
  await waitForStatus(app, alice, orderId, 'PREPARING');
  expectAccepted(await staffEvent(app, staff, orderId, 'OrderReady'));
  await waitForStatus(app, alice, orderId, 'READY');
  expectAccepted(await courierEvent(app, courier, orderId, 'OrderPickedUp'));
  await waitForStatus(app, alice, orderId, 'PICKED_UP');
  expectAccepted(await courierEvent(app, courier, orderId, 'OrderDelivered'));
  await waitForStatus(app, alice, orderId, 'DELIVERED');
};

/** Waits until the lifecycle waits for the restaurant's answer. */
const restaurantIsAsked = (orderId: string) =>
  pollUntil(
    () => orderItem(app, orderId),
    (item) => Array.isArray(item?.awaiting) && (item.awaiting as string[]).includes('OrderAccepted'),
    { what: 'the lifecycle to wait for the restaurant' },
  );

/** The restaurant accepts through PutEvents, then the order is cooked and delivered. */
const acceptCookAndDeliver = async (orderId: string): Promise<void> => {
  await putRestaurantEvent(app, 'OrderAccepted', orderId, { etaMinutes: 25 });
  await waitForStatus(app, alice, orderId, 'ACCEPTED');
  await cookAndDeliver(orderId);
};

describe('an order from placement to delivery', () => {
  it('is accepted through PutEvents, cooked through the staff route and delivered through the courier route', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);
    expect(order.status).toBe('PLACED');
    await restaurantIsAsked(order.orderId);

    // Act
    await acceptCookAndDeliver(order.orderId);

    // Assess
    const full = await app.call('GET', `/orders/${order.orderId}`, { token: alice });
    expect(full.status).toBe(200);
    expect(full.body.status).toBe('DELIVERED');
    expect((full.body.history as { status: string }[]).map((h) => h.status)).toEqual([
      'PLACED',
      'ACCEPTED',
      'PREPARING',
      'READY',
      'PICKED_UP',
      'DELIVERED',
    ]);
    const payment = await paymentItem(app, order.orderId);
    expect(payment).toMatchObject({ status: 'CAPTURED', amountCents: order.totalCents });
  });

  it('settles the stock of a delivered order: it stays consumed and the menu item no longer marks the order', async () => {
    // Prepare: an order holding limited stock (tiramisu).
    const stockBefore = await stockOf(app, alice, 'r-pizzeria', 'tiramisu');
    const order = await placeOrderOk(app, alice, orderBody({ items: [{ menuItemId: 'tiramisu', quantity: 1 }] }));
    const menuItem = async () =>
      (
        await clients(app).doc.send(
          new GetCommand({
            TableName: app.out('RestaurantsTableName'),
            Key: { pk: 'r-pizzeria', sk: 'ITEM#tiramisu' },
          }),
        )
      ).Item;
    const held = (await menuItem())?.reservedOrders as Set<string> | undefined;
    expect(held?.has(order.orderId)).toBe(true);

    // Act
    await restaurantIsAsked(order.orderId);
    await acceptCookAndDeliver(order.orderId);

    // Assess
    const reserved = (await menuItem())?.reservedOrders as Set<string> | undefined;
    expect(reserved?.has(order.orderId) ?? false).toBe(false);
    expect(await stockOf(app, alice, 'r-pizzeria', 'tiramisu')).toBe(stockBefore - 1);
  });

  it('shows every step of the lifecycle in the execution history', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);

    // Act
    await pollUntil(
      () => orderItem(app, order.orderId),
      (item) => Array.isArray(item?.awaiting),
      { what: 'the restaurant wait' },
    );
    expectAccepted(await staffEvent(app, staff, order.orderId, 'OrderAccepted', 'r-pizzeria', { etaMinutes: 20 }));
    await waitForStatus(app, alice, order.orderId, 'ACCEPTED');
    await cookAndDeliver(order.orderId);

    // Assess
    const history = await pollUntil(
      () => executionHistory(app, order.orderId),
      (events) => events.some((e) => e.type === 'ExecutionSucceeded'),
      { what: 'the execution to succeed' },
    );
    expect(history[0]?.type).toBe('ExecutionStarted');
    const entered = await statesEntered(app, order.orderId);
    const expected = [
      'Authorize Payment',
      'Await Restaurant',
      'Record Accepted',
      'Await Preparing',
      'Record Preparing',
      'Await Ready',
      'Record Ready',
      'Await Pickup',
      'Record Picked Up',
      'Await Delivery',
      'Capture Payment',
      'Record Delivered',
      'Order Delivered',
    ];
    // In this order, possibly with other states in between (escalation wrappers).
    const positions = expected.map((name) => entered.indexOf(name));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('accepts an order published with the AWS CLI (aws events put-events)', async () => {
    if (!(await awsCliAvailable())) {
      console.warn('aws CLI not installed: the CLI variant is not exercised');
      return;
    }
    // Prepare
    const order = await placeOrderOk(app, alice, orderBody({ items: [{ menuItemId: 'diavola', quantity: 1 }] }));
    await pollUntil(
      () => orderItem(app, order.orderId),
      (item) => Array.isArray(item?.awaiting),
      { what: 'the restaurant wait' },
    );

    // Act
    const out = (await awsCli(app, [
      'events',
      'put-events',
      '--entries',
      JSON.stringify([restaurantEntry(app, 'OrderAccepted', order.orderId)]),
    ])) as { FailedEntryCount: number; Entries: { EventId?: string }[] };

    // Assess
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries[0]?.EventId).toEqual(expect.any(String));
    await waitForStatus(app, alice, order.orderId, 'ACCEPTED');
  });
});

describe('GET /orders/{id}/status', () => {
  it('answers an ETag and 304 to If-None-Match until the status changes', async () => {
    // Prepare: once the lifecycle waits for the restaurant, nothing writes the order until the restaurant answers.
    const order = await placeOrderOk(app, alice);
    await pollUntil(
      () => orderItem(app, order.orderId),
      (item) => Array.isArray(item?.awaiting),
      { what: 'the restaurant wait' },
    );
    const first = await app.call('GET', `/orders/${order.orderId}/status`, { token: alice });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ orderId: order.orderId, status: 'PLACED', version: expect.any(Number) });
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();

    // Act
    const unchanged = await app.call('GET', `/orders/${order.orderId}/status`, {
      token: alice,
      headers: { 'If-None-Match': etag as string },
    });
    await putRestaurantEvent(app, 'OrderAccepted', order.orderId);
    const changed = await pollUntil(
      () =>
        app.call('GET', `/orders/${order.orderId}/status`, {
          token: alice,
          headers: { 'If-None-Match': etag as string },
        }),
      (res) => res.status !== 304,
      { what: 'the status to change' },
    );

    // Assess
    expect(unchanged.status).toBe(304);
    expect(unchanged.text).toBe('');
    expect(changed.status).toBe(200);
    expect(changed.body.status).toBe('ACCEPTED');
    expect(changed.headers.get('etag')).not.toBe(etag);
  });
});
