import '../support/env';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { OrderRecord } from '#shared/order';
import { metrics } from '#shared/powertools';
import { handler as awaitEvent } from '../../../functions/workflow/await-event';
import { handler as recordStatus } from '../../../functions/workflow/record-status';
import { lambdaContext } from '../support/api';
import { storedOrder } from '../support/orders';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const eventBridge = mockClient(EventBridgeClient);

const conditionalFailure = () => Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });

/** The order the table holds; UpdateCommand applies SET/REMOVE of the repository's expressions to it. */
let current: OrderRecord;
function givenOrder(overrides: Partial<OrderRecord> = {}) {
  current = storedOrder(overrides);
  ddb.on(GetCommand).callsFake(() => ({ Item: structuredClone(current) }));
  ddb
    .on(UpdateCommand)
    .callsFake(({ TableName, ExpressionAttributeNames: names, ExpressionAttributeValues: values }) => {
      if (TableName === 'restaurants') return {}; // stock updates (their expressions run on dynalite elsewhere)
      if (values[':expectedRevision'] !== current.revision) throw conditionalFailure();
      const next: Record<string, unknown> = { ...current };
      for (const [placeholder, name] of Object.entries(names as Record<string, string>)) {
        if (/^#s\d+$/.test(placeholder)) next[name] = values[`:${placeholder.slice(1)}`];
        if (/^#r\d+$/.test(placeholder)) delete next[name];
      }
      current = next as unknown as OrderRecord;
      return { Attributes: structuredClone(current) };
    });
}

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  jest.restoreAllMocks();
});

function putEntries() {
  return eventBridge.commandCalls(PutEventsCommand).flatMap((c) =>
    (c.args[0].input.Entries ?? []).map((entry) => ({
      source: entry.Source,
      detailType: entry.DetailType,
      bus: entry.EventBusName,
      detail: JSON.parse(entry.Detail ?? '{}'),
    })),
  );
}

describe('RecordStatus', () => {
  it('writes an allowed status conditionally, with history, restaurantStatus and the token cleared', async () => {
    givenOrder({
      taskToken: 't1',
      awaiting: ['OrderAccepted', 'OrderRejected'],
      completing: 'OrderAccepted',
      version: 3,
      revision: 5,
    });
    const addMetric = jest.spyOn(metrics, 'addMetric');

    const view = await recordStatus({ orderId: 'o1', status: 'ACCEPTED', actor: 'staff-1' }, lambdaContext());

    expect(view).toMatchObject({ orderId: 'o1', status: 'ACCEPTED', version: 4 });
    expect(view).not.toHaveProperty('taskToken');
    expect(current).toMatchObject({ status: 'ACCEPTED', restaurantStatus: 'r1#ACCEPTED', version: 4, revision: 6 });
    expect(current.taskToken).toBeUndefined();
    expect(current.awaiting).toBeUndefined();
    expect(current.completing).toBeUndefined();
    expect(current.history.at(-1)).toEqual({ status: 'ACCEPTED', at: expect.any(String), actor: 'staff-1' });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: '#revision = :expectedRevision AND #expectedStatus = :expectedStatus',
      ExpressionAttributeValues: expect.objectContaining({ ':expectedRevision': 5, ':expectedStatus': 'PLACED' }),
    });
    expect(putEntries()).toEqual([
      {
        source: 'dishpatch.orders',
        detailType: 'OrderStatusChanged',
        bus: 'dishpatch-test',
        detail: expect.objectContaining({ status: 'ACCEPTED', previousStatus: 'PLACED', orderVersion: 4, version: 1 }),
      },
    ]);
    expect(addMetric).toHaveBeenCalledWith('OrdersAccepted', 'Count', 1);
  });

  it.each([
    ['CANCELLED', 'OrderCancelled', 'OrdersCancelled', 'PLACED'],
    ['PAYMENT_FAILED', 'PaymentDeclined', 'PaymentsDeclined', 'PLACED'],
    ['DELIVERED', 'OrderDelivered', 'OrdersDelivered', 'PICKED_UP'],
    ['REJECTED', undefined, 'OrdersRejected', 'PREPARING'],
  ] as const)('announces %s with %s and counts %s', async (status, outcomeEvent, metric, from) => {
    givenOrder({ status: from, courierId: 'courier-1' });
    const addMetric = jest.spyOn(metrics, 'addMetric');

    await recordStatus({ orderId: 'o1', status, reason: 'why' }, lambdaContext());

    const types = putEntries().map((entry) => entry.detailType);
    expect(types).toEqual(['OrderStatusChanged', ...(outcomeEvent ? [outcomeEvent] : [])]);
    expect(addMetric).toHaveBeenCalledWith(metric, 'Count', 1);
  });

  it('settles the stock of a delivered order (also when replayed) and touches no stock otherwise', async () => {
    const stockUpdates = () =>
      ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.TableName === 'restaurants');
    givenOrder({ status: 'PICKED_UP', stockReserved: { m1: 2, m2: 1 } });

    await recordStatus({ orderId: 'o1', status: 'DELIVERED' }, lambdaContext());
    await recordStatus({ orderId: 'o1', status: 'DELIVERED' }, lambdaContext());

    expect(stockUpdates().map((c) => [c.args[0].input.Key, c.args[0].input.UpdateExpression])).toEqual([
      [{ pk: 'r1', sk: 'ITEM#m1' }, 'DELETE #reservedOrders :order'],
      [{ pk: 'r1', sk: 'ITEM#m2' }, 'DELETE #reservedOrders :order'],
      [{ pk: 'r1', sk: 'ITEM#m1' }, 'DELETE #reservedOrders :order'],
      [{ pk: 'r1', sk: 'ITEM#m2' }, 'DELETE #reservedOrders :order'],
    ]);
    ddb.resetHistory();
    givenOrder({ status: 'PLACED', stockReserved: { m1: 2 } });
    await recordStatus({ orderId: 'o1', status: 'ACCEPTED' }, lambdaContext());
    expect(stockUpdates()).toEqual([]);
  });

  it('keeps only the message of a Lambda error cause as the reason', async () => {
    givenOrder();
    const cause = JSON.stringify({
      errorType: 'PaymentDeclinedError',
      errorMessage: 'Payment declined',
      trace: ['x'.repeat(5000)],
    });

    await recordStatus({ orderId: 'o1', status: 'PAYMENT_FAILED', reason: cause }, lambdaContext());

    expect(current.history.at(-1)?.reason).toBe('Payment declined');
    expect(putEntries().map((entry) => entry.detail.reason)).toEqual(['Payment declined', 'Payment declined']);
  });

  it('truncates a long plain reason instead of failing the write', async () => {
    givenOrder();

    await recordStatus({ orderId: 'o1', status: 'REJECTED', reason: 'r'.repeat(2000) }, lambdaContext());

    expect(current.history.at(-1)?.reason).toHaveLength(500);
  });

  it('throws IllegalTransitionError and writes nothing for a transition DESIGN §4 forbids', async () => {
    givenOrder({ status: 'DELIVERED' });

    await expect(recordStatus({ orderId: 'o1', status: 'CANCELLED' }, lambdaContext())).rejects.toMatchObject({
      name: 'IllegalTransitionError',
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('replays a status the order already has: re-publishes with the given reason, no write, no metric', async () => {
    givenOrder({
      status: 'PREPARING',
      history: [
        { status: 'PLACED', at: 'a' },
        { status: 'ACCEPTED', at: 'b' },
        { status: 'PREPARING', at: 'c' },
      ],
    });
    const addMetric = jest.spyOn(metrics, 'addMetric');

    const view = await recordStatus(
      { orderId: 'o1', status: 'PREPARING', reason: 'ESCALATED_PREPARING_TIMEOUT', actor: null },
      lambdaContext(),
    );

    expect(view.status).toBe('PREPARING');
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(putEntries()[0]?.detail).toMatchObject({
      status: 'PREPARING',
      previousStatus: 'ACCEPTED',
      reason: 'ESCALATED_PREPARING_TIMEOUT',
    });
    expect(addMetric).not.toHaveBeenCalled();
  });

  it('decides again on the new revision when a concurrent write wins the race', async () => {
    givenOrder({ version: 1 });
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionalFailure())
      .resolves({ Attributes: storedOrder({ status: 'ACCEPTED', version: 2 }) });

    await recordStatus({ orderId: 'o1', status: 'ACCEPTED' }, lambdaContext());

    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 2);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 2);
  });

  it('fails (so the state machine retries) when EventBridge refuses an entry', async () => {
    givenOrder();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });

    await expect(recordStatus({ orderId: 'o1', status: 'ACCEPTED' }, lambdaContext())).rejects.toMatchObject({
      name: 'EventPublishError',
    });
  });

  it('throws OrderNotFoundError for an unknown order', async () => {
    ddb.on(GetCommand).resolves({});
    await expect(recordStatus({ orderId: 'nope', status: 'ACCEPTED' }, lambdaContext())).rejects.toMatchObject({
      name: 'OrderNotFoundError',
    });
  });
});

describe('AwaitEvent', () => {
  const waitForRestaurant = { orderId: 'o1', taskToken: 'token-2', awaiting: ['OrderAccepted', 'OrderRejected'] };

  it('stores the token and what it waits for (not a visible change), then announces OrderPlaced', async () => {
    givenOrder({ version: 1 });

    const result = await awaitEvent({ ...waitForRestaurant, announce: 'OrderPlaced' }, lambdaContext());

    expect(result).toEqual({ waiting: true });
    expect(current).toMatchObject({
      taskToken: 'token-2',
      awaiting: ['OrderAccepted', 'OrderRejected'],
      version: 1,
      revision: 1,
    });
    expect(sfn).not.toHaveReceivedAnyCommand();
    expect(putEntries()).toEqual([
      expect.objectContaining({
        detailType: 'OrderPlaced',
        detail: expect.objectContaining({
          orderId: 'o1',
          totalCents: 1900,
          currency: 'USD',
          at: '2026-11-22T10:00:00.000Z',
        }),
      }),
    ]);
  });

  it('never puts the task token on the bus', async () => {
    givenOrder();
    await awaitEvent({ ...waitForRestaurant, announce: 'OrderPlaced' }, lambdaContext());
    expect(putEntries()).toHaveLength(1);
    expect(JSON.stringify(putEntries())).not.toContain('token-2');
  });

  it('honours an early event it waits for at once, and removes it from pendingEvents', async () => {
    const early = {
      type: 'OrderAccepted' as const,
      actorId: 'staff-1',
      at: '2026-11-22T10:01:00.000Z',
      etaMinutes: 20,
    };
    const later = { type: 'OrderReady' as const, actorId: 'staff-1', at: '2026-11-22T10:02:00.000Z' };
    givenOrder({ pendingEvents: [early, later] });

    const result = await awaitEvent(waitForRestaurant, lambdaContext());

    expect(result).toEqual({ waiting: false });
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-2',
      output: JSON.stringify(early),
    });
    expect(current.pendingEvents).toEqual([later]);
  });

  it('fails the wait with OrderRejected for an early rejection, and does not announce the order', async () => {
    givenOrder({ pendingEvents: [{ type: 'OrderRejected', actorId: 'staff-1', at: 'x', reason: 'closed' }] });

    await awaitEvent({ ...waitForRestaurant, announce: 'OrderPlaced' }, lambdaContext());

    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'token-2',
      error: 'OrderRejected',
      cause: 'closed',
    });
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('fails the wait with OrderCancelled at once when the customer already cancelled', async () => {
    givenOrder({ cancelRequested: true });

    const result = await awaitEvent({ ...waitForRestaurant, announce: 'OrderPlaced' }, lambdaContext());

    expect(result).toEqual({ waiting: false });
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, { taskToken: 'token-2', error: 'OrderCancelled' });
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('keeps an early event that is not legal yet, and drops one that can never apply', async () => {
    const ready = { type: 'OrderReady' as const, actorId: 'staff-1', at: 'x' };
    const stale = { type: 'OrderAccepted' as const, actorId: 'staff-1', at: 'y' };
    givenOrder({ status: 'ACCEPTED', pendingEvents: [ready, stale] });

    await awaitEvent({ orderId: 'o1', taskToken: 't', awaiting: ['OrderPreparing', 'OrderRejected'] }, lambdaContext());

    expect(sfn).not.toHaveReceivedAnyCommand();
    expect(current.pendingEvents).toEqual([ready]);
  });

  it('tolerates a token that was already spent when it completes the wait itself', async () => {
    givenOrder({ pendingEvents: [{ type: 'OrderAccepted', actorId: 's', at: 'x' }] });
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('invalid'), { name: 'InvalidToken' }));

    await expect(awaitEvent(waitForRestaurant, lambdaContext())).resolves.toEqual({ waiting: false });
  });

  it('rejects an input without a task token', async () => {
    await expect(awaitEvent({ orderId: 'o1', awaiting: ['OrderAccepted'] }, lambdaContext())).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });
});
