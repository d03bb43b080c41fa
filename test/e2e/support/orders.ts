/**
 * What a customer, a restaurant system and a courier app do in the end-to-end tests, through the public endpoints
 * only: the REST API, the AWS SDK against the edge endpoint, and (where installed) the AWS CLI.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ADDRESS, type ApiAnswer, type App, pollUntil, USERS } from './harness';

/** A minimal valid `POST /orders` body at the pizzeria; override any field. */
export const orderBody = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  restaurantId: 'r-pizzeria',
  items: [{ menuItemId: 'margherita', quantity: 2 }],
  deliveryAddress: ADDRESS,
  paymentToken: 'tok_visa',
  ...overrides,
});

/** A fresh `Idempotency-Key`. */
export const newKey = (): string => `e2e-${randomUUID()}`;

/** `POST /orders` as the customer holding `token`. */
export const placeOrder = (
  app: App,
  token: string,
  body: Record<string, unknown> = orderBody(),
  key: string = newKey(),
): Promise<ApiAnswer> => app.call('POST', '/orders', { token, body, headers: { 'Idempotency-Key': key } });

/** Places an order and fails loudly unless it answers 201; returns the order. */
export const placeOrderOk = async (
  app: App,
  token: string,
  body: Record<string, unknown> = orderBody(),
): Promise<{ orderId: string; totalCents: number; status: string } & Record<string, unknown>> => {
  const res = await placeOrder(app, token, body);
  if (res.status !== 201) throw new Error(`POST /orders answered ${res.status}: ${res.text}`);
  return res.body;
};

/** Polls `GET /orders/{id}/status` until the order has `status` (or the deadline passes). */
export const waitForStatus = async (
  app: App,
  token: string,
  orderId: string,
  status: string,
  timeoutMs = 45_000,
): Promise<ApiAnswer> =>
  pollUntil(
    () => app.call('GET', `/orders/${orderId}/status`, { token }),
    (res) => res.status === 200 && res.body?.status === status,
    { timeoutMs, what: `order ${orderId} to be ${status}` },
  );

/** SDK clients on the app's edge endpoint. */
export const clients = (app: App) => {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(app.clientConfig));
  return {
    doc,
    events: new EventBridgeClient(app.clientConfig),
    sfn: new SFNClient(app.clientConfig),
  };
};

/** The raw order item in the orders table (internal attributes included). */
export const orderItem = async (app: App, orderId: string): Promise<Record<string, unknown> | undefined> =>
  (await clients(app).doc.send(new GetCommand({ TableName: app.out('OrdersTableName'), Key: { orderId } }))).Item;

/** The payment record of an order. */
export const paymentItem = async (app: App, orderId: string): Promise<Record<string, unknown> | undefined> =>
  (await clients(app).doc.send(new GetCommand({ TableName: app.out('PaymentsTableName'), Key: { orderId } }))).Item;

/** Every item of a table (small test tables only). */
export const scanAll = async (app: App, outputKey: string): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await clients(app).doc.send(new ScanCommand({ TableName: app.out(outputKey), ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
};

/** The orders of one customer, through the `byCustomer` index. */
export const ordersOfCustomer = async (app: App, customerId: string): Promise<Record<string, unknown>[]> =>
  (
    await clients(app).doc.send(
      new QueryCommand({
        TableName: app.out('OrdersTableName'),
        IndexName: 'byCustomer',
        KeyConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': customerId },
      }),
    )
  ).Items ?? [];

/** The stock left of a menu item, read from the restaurant's public menu. */
export const stockOf = async (app: App, token: string, restaurantId: string, menuItemId: string): Promise<number> => {
  const res = await app.call('GET', `/restaurants/${restaurantId}`, { token });
  const item = (res.body?.menu as { menuItemId: string; stock?: number }[] | undefined)?.find(
    (m) => m.menuItemId === menuItemId,
  );
  if (item?.stock === undefined) throw new Error(`no stock for ${menuItemId}: ${res.text}`);
  return item.stock;
};

/** The ARN of an order's lifecycle execution (its name is the order id). */
export const executionArn = (app: App, orderId: string): string =>
  `${app.out('OrderLifecycleStateMachineArn').replace(':stateMachine:', ':execution:')}:${orderId}`;

/** The whole execution history of an order's lifecycle. */
export const executionHistory = async (app: App, orderId: string): Promise<HistoryEvent[]> => {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients(app).sfn.send(
      new GetExecutionHistoryCommand({ executionArn: executionArn(app, orderId), nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
};

/** The names of the states an execution entered, in order. */
export const statesEntered = async (app: App, orderId: string): Promise<string[]> =>
  (await executionHistory(app, orderId)).flatMap((e) =>
    e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : [],
  );

/** Detail types a restaurant system publishes. */
export type RestaurantEventType = 'OrderAccepted' | 'OrderRejected' | 'OrderPreparing' | 'OrderReady';
/** Detail types a courier app publishes. */
export type CourierEventType = 'OrderPickedUp' | 'OrderDelivered';

/** The `PutEvents` entry a restaurant system sends (the contract in events/). */
export const restaurantEntry = (
  app: App,
  type: RestaurantEventType,
  orderId: string,
  extra: { restaurantId?: string; reason?: string; etaMinutes?: number } = {},
) => ({
  EventBusName: app.out('EventBusName'),
  Source: 'dishpatch.restaurant',
  DetailType: type,
  Detail: JSON.stringify({ version: 1, orderId, restaurantId: extra.restaurantId ?? 'r-pizzeria', ...extra }),
});

/** A restaurant system publishes an event with the SDK's `PutEvents`; fails unless the bus took it. */
export const putRestaurantEvent = async (
  app: App,
  type: RestaurantEventType,
  orderId: string,
  extra: { restaurantId?: string; reason?: string; etaMinutes?: number } = {},
): Promise<void> => {
  const res = await clients(app).events.send(
    new PutEventsCommand({ Entries: [restaurantEntry(app, type, orderId, extra)] }),
  );
  if (res.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(res.Entries)}`);
};

/** Staff route `POST /restaurants/{id}/orders/{orderId}/events`. */
export const staffEvent = (
  app: App,
  token: string,
  orderId: string,
  type: RestaurantEventType,
  restaurantId = 'r-pizzeria',
  extra: { reason?: string; etaMinutes?: number } = {},
): Promise<ApiAnswer> =>
  app.call('POST', `/restaurants/${restaurantId}/orders/${orderId}/events`, { token, body: { type, ...extra } });

/** Courier route `POST /deliveries/{orderId}/events`. */
export const courierEvent = (app: App, token: string, orderId: string, type: CourierEventType): Promise<ApiAnswer> =>
  app.call('POST', `/deliveries/${orderId}/events`, { token, body: { type } });

/** Fails unless a route answered 202 with an event id. */
export const expectAccepted = (res: ApiAnswer): void => {
  if (res.status !== 202 || typeof res.body?.eventId !== 'string')
    throw new Error(`expected 202 {eventId}, got ${res.status}: ${res.text}`);
};

/** Whether the AWS CLI is on PATH. */
export const awsCliAvailable = (): Promise<boolean> =>
  new Promise((resolve) => execFile('aws', ['--version'], (err) => resolve(!err)));

/** Runs the AWS CLI against the app's edge endpoint with dummy credentials; resolves with its JSON output. */
export const awsCli = (app: App, args: string[]): Promise<unknown> =>
  new Promise((resolve, reject) => {
    execFile(
      'aws',
      [
        ...args,
        ...(app.endpoint ? ['--endpoint-url', app.endpoint] : []),
        '--region',
        app.clientConfig.region,
        '--output',
        'json',
      ],
      {
        // Locally: dummy credentials and no profile; against a deployed stage: the environment's credentials.
        env: app.endpoint
          ? {
              ...process.env,
              AWS_ACCESS_KEY_ID: 'local',
              AWS_SECRET_ACCESS_KEY: 'local',
              AWS_PAGER: '',
              AWS_CONFIG_FILE: '/dev/null',
              AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
            }
          : { ...process.env, AWS_PAGER: '' },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`aws ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout.trim() ? JSON.parse(stdout) : undefined);
      },
    );
  });

/** The `sub` of an ID token (the user id the app keys orders on). */
export const subOf = (token: string): string => {
  const payload = token.split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub: string }).sub;
};

/** The three parties of an order's journey, signed in: the customer (alice), the pizzeria's staff, the courier. */
export const signInJourneyCast = async (app: App): Promise<{ alice: string; staff: string; courier: string }> => {
  const [alice, staff, courier] = await Promise.all([
    app.token(USERS.alice),
    app.token(USERS.pizzeriaStaff),
    app.token(USERS.courier),
  ]);
  return { alice, staff, courier };
};
