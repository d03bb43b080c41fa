/**
 * `npm run bench -- e2e [--seconds N] [--lifecycles N]`: the whole app on the in-memory local cloud, driven like the
 * e2e suite drives it (HTTP and the AWS SDK only).
 *
 * - `POST /orders` throughput and p50/p99 latency at 1, 8 and 32 concurrent clients (each order also starts its
 *   STANDARD lifecycle, which authorizes the payment in the background, as in production);
 * - full lifecycles per second (placed → delivered, restaurant and courier simulated through PutEvents, the staff
 *   route and the courier route, the customer polling the status);
 * - the DynamoDB-bound ceiling on the same local cloud (PutItem of an order-sized item, 32 clients), so the ratio
 *   shows what everything between the HTTP request and the table costs.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import globalSetup from '../test/e2e/support/global-setup';
import { type App, pollUntil, startApp, USERS } from '../test/e2e/support/harness';
import {
  courierEvent,
  expectAccepted,
  orderBody,
  orderItem,
  placeOrder,
  putRestaurantEvent,
  staffEvent,
  waitForStatus,
} from '../test/e2e/support/orders';
import { type Figure, percentile, report } from './report';

interface LoadResult {
  count: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

/** Runs `clients` loops of `op` for `seconds`; counts successes and keeps each success's latency. */
const load = async (
  clients: number,
  seconds: number,
  op: (client: number) => Promise<boolean>,
): Promise<LoadResult> => {
  const latenciesMs: number[] = [];
  let errors = 0;
  const start = Date.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (Date.now() < end) {
        const t0 = performance.now();
        if (await op(client).catch(() => false)) latenciesMs.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  return { count: latenciesMs.length, errors, seconds: (Date.now() - start) / 1000, latenciesMs };
};

/** One order from placement to delivery, with every party simulated; resolves when the customer sees DELIVERED. */
const lifecycle = async (app: App, tokens: { customer: string; staff: string; courier: string }): Promise<boolean> => {
  const placed = await placeOrder(app, tokens.customer, orderBody());
  if (placed.status !== 201) return false;
  const orderId = placed.body.orderId as string;
  const timeoutMs = 60_000;
  await pollUntil(
    () => orderItem(app, orderId),
    (item) => Array.isArray(item?.awaiting),
    { timeoutMs, what: 'the restaurant wait' },
  );
  await putRestaurantEvent(app, 'OrderAccepted', orderId);
  await waitForStatus(app, tokens.customer, orderId, 'ACCEPTED', timeoutMs);
  expectAccepted(await staffEvent(app, tokens.staff, orderId, 'OrderPreparing'));
  await waitForStatus(app, tokens.customer, orderId, 'PREPARING', timeoutMs);
  expectAccepted(await staffEvent(app, tokens.staff, orderId, 'OrderReady'));
  await waitForStatus(app, tokens.customer, orderId, 'READY', timeoutMs);
  expectAccepted(await courierEvent(app, tokens.courier, orderId, 'OrderPickedUp'));
  await waitForStatus(app, tokens.customer, orderId, 'PICKED_UP', timeoutMs);
  expectAccepted(await courierEvent(app, tokens.courier, orderId, 'OrderDelivered'));
  await waitForStatus(app, tokens.customer, orderId, 'DELIVERED', timeoutMs);
  return true;
};

/** Runs the suite and writes `bench/results/e2e.json`. */
export const run = async (args: string[]): Promise<void> => {
  const { values } = parseArgs({
    args,
    options: { seconds: { type: 'string', default: '5' }, lifecycles: { type: 'string', default: '16' } },
  });
  const seconds = Number(values.seconds);
  const lifecycles = Number(values.lifecycles);
  await globalSetup();
  const app = await startApp();
  try {
    const customers = await Promise.all([app.token(USERS.alice), app.token(USERS.bob)]);
    const [staff, courier] = await Promise.all([app.token(USERS.pizzeriaStaff), app.token(USERS.courier)]);
    const figures: Figure[] = [];
    // The figures only mean something next to how busy the machine was.
    const notes: Record<string, unknown> = { seconds, lifecycles, loadAverageAtStart: loadavg() };
    const placeOne = async (client: number) =>
      (await placeOrder(app, customers[client % customers.length] as string, orderBody(), `bench-${randomUUID()}`))
        .status === 201;

    // Warm every function on the path (cold starts are measured by the lambda bench, not here).
    await load(4, 1, placeOne);

    let placedAt32 = 0;
    for (const clients of [1, 8, 32]) {
      const r = await load(clients, seconds, placeOne);
      const perSecond = r.count / r.seconds;
      if (clients === 32) placedAt32 = perSecond;
      figures.push(
        { name: `POST /orders, ${clients} client(s)`, value: perSecond, unit: 'orders/s' },
        { name: `POST /orders p50, ${clients} client(s)`, value: percentile(r.latenciesMs, 50), unit: 'ms' },
        { name: `POST /orders p99, ${clients} client(s)`, value: percentile(r.latenciesMs, 99), unit: 'ms' },
      );
      notes[`errors at ${clients} clients`] = r.errors;
    }

    const lifecycleClients = 8;
    let started = 0;
    const t0 = Date.now();
    let delivered = 0;
    await Promise.all(
      Array.from({ length: lifecycleClients }, async (_, client) => {
        while (started < lifecycles) {
          started++;
          const customer = customers[client % customers.length] as string;
          if (await lifecycle(app, { customer, staff, courier }).catch(() => false)) delivered++;
        }
      }),
    );
    const lifecycleSeconds = (Date.now() - t0) / 1000;
    figures.push({
      name: `full lifecycles placed→delivered, ${lifecycleClients} concurrent`,
      value: delivered / lifecycleSeconds,
      unit: 'lifecycles/s',
    });
    notes['lifecycles delivered'] = `${delivered}/${lifecycles}`;

    const doc = DynamoDBDocumentClient.from(new DynamoDBClient(app.clientConfig));
    const table = app.out('OrdersTableName');
    const put = await load(32, seconds, async () => {
      const orderId = `bench-${randomUUID()}`;
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            orderId,
            customerId: 'bench',
            restaurantId: 'r-bench',
            restaurantStatus: 'r-bench#PLACED',
            placedAt: new Date().toISOString(),
            status: 'PLACED',
            items: [
              { menuItemId: 'margherita', name: 'Margherita', quantity: 2, unitPriceCents: 950, lineTotalCents: 1900 },
            ],
            totalCents: 1900,
            version: 1,
          },
        }),
      );
      return true;
    });
    const putsPerSecond = put.count / put.seconds;
    figures.push({
      name: 'orders placed/s at 32 clients vs the DynamoDB ceiling',
      value: placedAt32,
      unit: 'per s',
      peer: 'DynamoDB PutItem, same local cloud, 32 SDK clients',
      peerValue: putsPerSecond,
      ratio: placedAt32 / putsPerSecond,
    });
    notes.loadAverageAtEnd = loadavg();
    report('e2e', figures, notes);
  } finally {
    await app.stop();
  }
};
