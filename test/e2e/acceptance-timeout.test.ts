/**
 * A restaurant that never answers: after the acceptance wait (300 s on the `local` stage) the order is rejected
 * with ACCEPTANCE_TIMEOUT, the payment voided and the stock released. The app runs with a time scale so the wait
 * lasts ten seconds; everything else is driven as usual. The scale divides every timeout, PlaceOrder's own 20 s
 * included (to under a second), so the functions are warmed up before the tests measure anything.
 */
import { type App, pollUntil, startApp, USERS } from './support/harness';
import {
  executionHistory,
  orderBody,
  paymentItem,
  placeOrder,
  placeOrderOk,
  putRestaurantEvent,
  stockOf,
  waitForStatus,
} from './support/orders';

// Generous: the deadlines below are for liveness on a busy 2-core machine, not for speed.
jest.setTimeout(120_000);

/** 300 s / 30 = 10 s. */
const TIME_SCALE = 30;

let app: App;
let alice: string;

beforeAll(async () => {
  app = await startApp({ timeScale: TIME_SCALE });
  alice = await app.token(USERS.alice);
  // Cold starts alone can outlast the scaled PlaceOrder timeout: place orders until one goes through.
  await pollUntil(
    () => placeOrder(app, alice),
    (res) => res.status === 201,
    { timeoutMs: 30_000, intervalMs: 200, what: 'a first order on the time-scaled app' },
  );
});

afterAll(async () => {
  await app?.stop();
});

describe('the restaurant never answers', () => {
  it('rejects the order with ACCEPTANCE_TIMEOUT, voids the payment and releases the stock', async () => {
    // Prepare
    const stockBefore = await stockOf(app, alice, 'r-pizzeria', 'tiramisu');
    const placedAt = Date.now();

    // Act
    const order = await placeOrderOk(app, alice, orderBody({ items: [{ menuItemId: 'tiramisu', quantity: 1 }] }));
    await waitForStatus(app, alice, order.orderId, 'REJECTED');

    // Assess
    expect(Date.now() - placedAt).toBeGreaterThanOrEqual((300 * 1000) / TIME_SCALE);
    const full = await app.call('GET', `/orders/${order.orderId}`, { token: alice });
    expect(full.body.history).toContainEqual(
      expect.objectContaining({ status: 'REJECTED', reason: 'ACCEPTANCE_TIMEOUT' }),
    );
    await pollUntil(
      () => paymentItem(app, order.orderId),
      (p) => p?.status === 'VOIDED',
      { what: 'the payment to be voided' },
    );
    expect(await stockOf(app, alice, 'r-pizzeria', 'tiramisu')).toBe(stockBefore);
    const history = await executionHistory(app, order.orderId);
    expect(history.some((e) => e.type === 'TaskTimedOut')).toBe(true);
    expect(history.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('ignores an acceptance that arrives after the timeout', async () => {
    // Prepare
    const order = await placeOrderOk(app, alice);
    await waitForStatus(app, alice, order.orderId, 'REJECTED');

    // Act
    await putRestaurantEvent(app, 'OrderAccepted', order.orderId);
    const probe = await placeOrderOk(app, alice);
    await putRestaurantEvent(app, 'OrderAccepted', probe.orderId);
    await waitForStatus(app, alice, probe.orderId, 'ACCEPTED');

    // Assess
    const status = await app.call('GET', `/orders/${order.orderId}/status`, { token: alice });
    expect(status.body.status).toBe('REJECTED');
  });
});
