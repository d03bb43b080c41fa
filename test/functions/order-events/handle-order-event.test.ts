import '../support/env';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { OrderRecord } from '#shared/order';
import { handler } from '../../../functions/order-events/handle-order-event';
import { lambdaContext } from '../support/api';
import { storedOrder } from '../support/orders';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const conditionalFailure = () => Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });

function givenOrder(overrides: Partial<OrderRecord> = {}) {
  const order = storedOrder({ orderId: 'o1', ...overrides });
  ddb.on(GetCommand).resolves({ Item: order });
  ddb.on(UpdateCommand).resolves({ Attributes: order });
  return order;
}

function event(source: string, detailType: string, detail: Record<string, unknown>): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: 'evt-1',
    'detail-type': detailType,
    source,
    account: '000000000000',
    time: '2026-11-22T10:01:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { version: 1, orderId: 'o1', ...detail },
  };
}
const restaurant = (type: string, detail: Record<string, unknown> = {}) =>
  event('dishpatch.restaurant', type, { restaurantId: 'r1', staffId: 'staff-1', ...detail });
const courier = (type: string, courierId = 'courier-1') => event('dishpatch.courier', type, { courierId });

const handle = (e: EventBridgeEvent<string, unknown>) => handler(e, lambdaContext());

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
});

describe('order-event handler', () => {
  it('completes the wait for an awaited, legal event with {type, actorId, at, etaMinutes}', async () => {
    givenOrder({ taskToken: 'token-1', awaiting: ['OrderAccepted', 'OrderRejected'] });

    const result = await handle(restaurant('OrderAccepted', { etaMinutes: 25 }));

    expect(result).toEqual({ outcome: 'completed' });
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-1',
      output: JSON.stringify({
        type: 'OrderAccepted',
        actorId: 'staff-1',
        at: '2026-11-22T10:01:00.000Z',
        etaMinutes: 25,
      }),
    });
    // The wait is claimed on the order's revision before the token is used (a racing cancel then loses).
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':s0': 'OrderAccepted' }),
    });
    const claim = ddb.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeNames ?? {};
    expect(Object.values(claim)).toContain('completing');
  });

  it('drops an acceptance for an order whose customer cancel was recorded first, without using the token', async () => {
    givenOrder({ taskToken: 'token-1', awaiting: ['OrderAccepted', 'OrderRejected'], cancelRequested: true });

    expect(await handle(restaurant('OrderAccepted'))).toEqual({ outcome: 'rejected' });
    expect(sfn).not.toHaveReceivedAnyCommand();
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('fails the wait with OrderRejected and the reason as cause', async () => {
    givenOrder({ status: 'PREPARING', taskToken: 'token-1', awaiting: ['OrderReady', 'OrderRejected'] });

    await handle(restaurant('OrderRejected', { reason: 'oven broke' }));

    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'token-1',
      error: 'OrderRejected',
      cause: 'oven broke',
    });
  });

  it('handles the published samples of both sources', async () => {
    const sample = (file: string) =>
      JSON.parse(readFileSync(join(__dirname, '../../../events/samples', file), 'utf8')) as EventBridgeEvent<
        string,
        unknown
      >;
    givenOrder({
      orderId: '01JDQ8Y3K2M4N5P6Q7R8S9T0V1',
      restaurantId: 'r-bella-napoli',
      taskToken: 't',
      awaiting: ['OrderAccepted', 'OrderRejected'],
    });
    expect(await handle(sample('order-accepted.json'))).toEqual({ outcome: 'completed' });

    givenOrder({ orderId: '01JDQ8Y3K2M4N5P6Q7R8S9T0V1', status: 'READY', taskToken: 't', awaiting: ['OrderPickedUp'] });
    expect(await handle(sample('order-picked-up.json'))).toEqual({ outcome: 'completed' });
  });

  it('assigns the first courier to report a pickup before completing the wait', async () => {
    givenOrder({ status: 'READY', taskToken: 'token-3', awaiting: ['OrderPickedUp'], revision: 6 });

    await handle(courier('OrderPickedUp'));

    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: { ':s0': 'OrderPickedUp', ':s1': 'courier-1', ':s2': 7, ':expectedRevision': 6 },
    });
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-3' });
  });

  it('drops a delivery reported by another courier than the one on the order', async () => {
    givenOrder({ status: 'PICKED_UP', courierId: 'courier-1', taskToken: 't', awaiting: ['OrderDelivered'] });

    expect(await handle(courier('OrderDelivered', 'courier-2'))).toEqual({ outcome: 'rejected' });
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it("drops an event from another restaurant's staff without applying it", async () => {
    givenOrder({ taskToken: 't', awaiting: ['OrderAccepted', 'OrderRejected'] });

    expect(await handle(restaurant('OrderAccepted', { restaurantId: 'r2' }))).toEqual({ outcome: 'rejected' });
    expect(sfn).not.toHaveReceivedAnyCommand();
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('drops an event for an unknown order (no retry)', async () => {
    ddb.on(GetCommand).resolves({});

    expect(await handle(restaurant('OrderAccepted'))).toEqual({ outcome: 'rejected' });
  });

  it.each([
    ['OrderPreparing after DELIVERED', 'DELIVERED', 'OrderPreparing'],
    ['OrderRejected once READY', 'READY', 'OrderRejected'],
    ['OrderAccepted after PAYMENT_FAILED', 'PAYMENT_FAILED', 'OrderAccepted'],
  ] as const)('drops an illegal transition: %s', async (_label, status, type) => {
    givenOrder({ status, taskToken: 't', awaiting: ['OrderPickedUp'] });

    expect(await handle(restaurant(type))).toEqual({ outcome: 'rejected' });
    expect(sfn).not.toHaveReceivedAnyCommand();
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('drops a duplicate of the status the order already has', async () => {
    givenOrder({ status: 'ACCEPTED' });

    expect(await handle(restaurant('OrderAccepted'))).toEqual({ outcome: 'duplicate' });
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'])(
    'drops quietly a duplicate whose token is spent (%s)',
    async (name) => {
      givenOrder({ taskToken: 'spent', awaiting: ['OrderAccepted', 'OrderRejected'] });
      sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('spent'), { name }));

      expect(await handle(restaurant('OrderAccepted'))).toEqual({ outcome: 'duplicate' });
    },
  );

  it('throws on a transient Step Functions fault, so the delivery retries', async () => {
    givenOrder({ taskToken: 't', awaiting: ['OrderAccepted', 'OrderRejected'] });
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));

    await expect(handle(restaurant('OrderAccepted'))).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('records an event that arrives before its wait in pendingEvents, conditional on the revision', async () => {
    givenOrder({ revision: 2 });

    const result = await handle(restaurant('OrderAccepted'));

    expect(result).toEqual({ outcome: 'pending' });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: '#revision = :expectedRevision',
      ExpressionAttributeValues: expect.objectContaining({
        ':s0': [{ type: 'OrderAccepted', actorId: 'staff-1', at: '2026-11-22T10:01:00.000Z' }],
        ':expectedRevision': 2,
      }),
    });
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('records an event that is legal only later (OrderReady while PLACED)', async () => {
    givenOrder({ taskToken: 't', awaiting: ['OrderAccepted', 'OrderRejected'] });

    expect(await handle(restaurant('OrderReady'))).toEqual({ outcome: 'pending' });
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('records a courier event that arrives early and assigns that courier', async () => {
    givenOrder({ status: 'PREPARING' });

    await handle(courier('OrderPickedUp'));

    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':s1': 'courier-1' }),
    });
  });

  it('does not record the same early event twice', async () => {
    givenOrder({ pendingEvents: [{ type: 'OrderReady', actorId: 'staff-1', at: 'x' }] });

    expect(await handle(restaurant('OrderReady'))).toEqual({ outcome: 'duplicate' });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('decides again when AwaitEvent stored a token concurrently (lost optimistic lock)', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: storedOrder({ version: 1 }) })
      .resolves({
        Item: storedOrder({ version: 2, taskToken: 'token-new', awaiting: ['OrderAccepted', 'OrderRejected'] }),
      });
    ddb.on(UpdateCommand).rejectsOnce(conditionalFailure()).resolves({});

    expect(await handle(restaurant('OrderAccepted'))).toEqual({ outcome: 'completed' });
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-new' });
  });

  it.each([
    ['an unknown source', event('someone.else', 'OrderAccepted', { restaurantId: 'r1' })],
    ['an unknown detail-type', restaurant('OrderEaten')],
    ['a courier detail-type on the restaurant source', restaurant('OrderPickedUp')],
    ['a detail without restaurantId', event('dishpatch.restaurant', 'OrderAccepted', {})],
    ['a detail of another version', restaurant('OrderAccepted', { version: 2 })],
  ])('drops %s as invalid without reading the order', async (_label, e) => {
    expect(await handle(e)).toEqual({ outcome: 'invalid' });
    expect(ddb).not.toHaveReceivedAnyCommand();
  });
});
