/**
 * The app's two state machines, as CDK synthesizes them, run on the local Step Functions engine with fake
 * Lambda functions, through every scenario of DESIGN §5: delivered, declined, rejected, acceptance timeout,
 * customer cancel, flaky payment retried, out of stock (and a failed save releasing the reservation).
 */
import {
  fakeIntegrations,
  runDefinition,
  StatesError,
  type TaskRequest,
  TokenRegistry,
} from '../../local/stepfunctions';
import type { Definition } from '../../local/stepfunctions/engine/execution';
import { synthWorkflows } from './support/synth-workflows';

const { placeOrder, orderLifecycle } = synthWorkflows('dev');

type Answer =
  | { kind: 'succeed'; output: unknown }
  | { kind: 'fail'; error: string; cause: string }
  | { kind: 'ignore' };

interface FakeApp {
  readonly calls: { fn: string; payload: any }[];
  readonly tokens: TokenRegistry;
  readonly integrations: ReturnType<typeof fakeIntegrations>;
}

/** What a fake function does, by the function's name (the last part of its ARN). */
type Behaviour = Record<string, (payload: any) => unknown>;

const fnName = (req: TaskRequest) =>
  String((req.parameters as { FunctionName: string }).FunctionName)
    .split(':')
    .pop() as string;

/**
 * Fake Lambda functions for both workflows. `AwaitEvent` (the `.waitForTaskToken` step) is answered by
 * `answer(awaiting)`, standing in for the restaurant and the courier.
 */
const fakeApp = (answer: (awaiting: string[]) => Answer, overrides: Behaviour = {}): FakeApp => {
  const calls: FakeApp['calls'] = [];
  const tokens = new TokenRegistry();
  const defaults: Behaviour = {
    AuthorizePayment: (p) => {
      if (p.paymentToken === 'tok_declined')
        throw new StatesError(
          'PaymentDeclinedError',
          JSON.stringify({ errorType: 'PaymentDeclinedError', errorMessage: 'card declined' }),
        );
      return { authorizationId: `auth-${p.orderId}` };
    },
    // As the real step: the recorded order (its total included, which Capture Payment charges).
    RecordStatus: (p) => ({ orderId: p.orderId, status: p.status, totalCents: 2400 }),
    VoidPayment: () => ({ voided: true }),
    CapturePayment: () => ({ captured: true }),
    ReleaseStock: () => ({ released: true }),
    PriceOrder: (p) => ({
      restaurant: { name: 'Pizza' },
      items: p.items.map((i: { menuItemId: string; quantity: number }) => ({
        ...i,
        unitPriceCents: 500,
        lineTotalCents: 500 * i.quantity,
      })),
      totalCents: 1000,
      currency: 'EUR',
    }),
    ReserveStock: (p) => ({ reserved: p.items }),
    AwaitEvent: (p) => {
      const reply = answer(p.awaiting);
      // The token is registered once the task is submitted; answer on a later tick, like a real caller.
      let tries = 0;
      const deliver = () => {
        const waiter = tokens.get(p.taskToken);
        if (!waiter) {
          if (tokens.closedReason(p.taskToken) === undefined && tries++ < 1000) setTimeout(deliver, 1);
          return;
        }
        if (reply.kind === 'succeed') waiter.succeed(reply.output);
        if (reply.kind === 'fail') waiter.fail(reply.error, reply.cause);
      };
      if (reply.kind !== 'ignore') setTimeout(deliver, 1);
      return null;
    },
  };
  const behaviour = { ...defaults, ...overrides };
  const integrations = fakeIntegrations({
    'lambda:invoke': (req) => {
      const name = fnName(req);
      const payload = (req.parameters as { Payload: unknown }).Payload;
      calls.push({ fn: name, payload });
      const fn = behaviour[name];
      if (!fn) throw new StatesError('Lambda.ResourceNotFoundException', `no fake for ${name}`);
      return { ExecutedVersion: '$LATEST', Payload: fn(payload), StatusCode: 200 };
    },
    'aws-sdk:dynamodb:putItem': (req) => {
      calls.push({ fn: 'dynamodb:putItem', payload: req.parameters });
      return behaviour['dynamodb:putItem']?.(req.parameters) ?? {};
    },
    'aws-sdk:dynamodb:deleteItem': (req) => {
      calls.push({ fn: 'dynamodb:deleteItem', payload: req.parameters });
      return {};
    },
    'states:startExecution': (req) => {
      calls.push({ fn: 'states:startExecution', payload: req.parameters });
      return { ExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:lifecycle:o-1', StartDate: 0 };
    },
  });
  return { calls, tokens, integrations };
};

const lifecycleInput = (paymentToken = 'tok_visa') => ({
  orderId: 'o-1',
  customerId: 'c-1',
  restaurantId: 'r-1',
  totalCents: 1000,
  currency: 'EUR',
  paymentToken,
  reserved: [{ menuItemId: 'm-1', quantity: 2 }],
});

const deliverAll = () => ({ kind: 'succeed', output: { actorId: 'actor-1' } }) as const;

// Timeouts in the definitions are minutes; a large time scale makes them milliseconds.
const run = (definition: unknown, input: unknown, app: FakeApp) =>
  runDefinition(definition as Definition, input, {
    integrations: app.integrations,
    tokens: app.tokens,
    timeScale: 2_000,
  });

const statuses = (app: FakeApp) => app.calls.filter((c) => c.fn === 'RecordStatus').map((c) => c.payload.status);

describe('OrderLifecycle (STANDARD saga) on the local engine', () => {
  it('delivers an order: payment authorized, every wait answered, payment captured', async () => {
    // Prepare
    const app = fakeApp(deliverAll);
    // Act
    const result = await run(orderLifecycle, lifecycleInput(), app);
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ orderId: 'o-1', outcome: 'DELIVERED' });
    expect(statuses(app)).toEqual(['ACCEPTED', 'PREPARING', 'READY', 'PICKED_UP', 'DELIVERED']);
    expect(app.calls.map((c) => c.fn)).toContain('CapturePayment');
    // The capture charges the total the last Record step saw, not the one authorized at placement.
    expect(app.calls.find((c) => c.fn === 'CapturePayment')?.payload).toEqual({ orderId: 'o-1', totalCents: 2400 });
    const entered = result.history.filter((e) => e.type.endsWith('StateEntered'));
    expect(entered).toHaveLength(13);
  });

  it('ends PAYMENT_FAILED and releases the stock when the card is declined', async () => {
    const app = fakeApp(deliverAll);
    const result = await run(orderLifecycle, lifecycleInput('tok_declined'), app);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ orderId: 'o-1', outcome: 'PAYMENT_FAILED' });
    expect(app.calls.map((c) => c.fn)).toEqual(['AuthorizePayment', 'ReleaseStock', 'RecordStatus']);
    expect(statuses(app)).toEqual(['PAYMENT_FAILED']);
  });

  it('retries a flaky payment provider and then goes on', async () => {
    let attempts = 0;
    const app = fakeApp(deliverAll, {
      AuthorizePayment: () => {
        attempts++;
        if (attempts <= 2)
          throw new StatesError('PaymentProviderUnavailableError', '{"errorType":"PaymentProviderUnavailableError"}');
        return { authorizationId: 'auth' };
      },
    });
    const result = await run(orderLifecycle, lifecycleInput('tok_flaky'), app);
    expect(attempts).toBe(3);
    expect(result.output).toEqual({ orderId: 'o-1', outcome: 'DELIVERED' });
  });

  it('voids the payment and releases the stock when the restaurant rejects', async () => {
    const app = fakeApp((awaiting) =>
      awaiting.includes('OrderAccepted') ? { kind: 'fail', error: 'OrderRejected', cause: 'TOO_BUSY' } : deliverAll(),
    );
    const result = await run(orderLifecycle, lifecycleInput(), app);
    expect(result.output).toEqual({ orderId: 'o-1', outcome: 'REJECTED', reason: 'TOO_BUSY' });
    expect(app.calls.map((c) => c.fn)).toEqual([
      'AuthorizePayment',
      'AwaitEvent',
      'VoidPayment',
      'ReleaseStock',
      'RecordStatus',
    ]);
  });

  it('rejects with ACCEPTANCE_TIMEOUT when the restaurant never answers', async () => {
    const app = fakeApp(() => ({ kind: 'ignore' }));
    const result = await run(orderLifecycle, lifecycleInput(), app);
    expect(result.output).toEqual({ orderId: 'o-1', outcome: 'REJECTED', reason: 'ACCEPTANCE_TIMEOUT' });
    expect(result.history.map((e) => e.type)).toContain('TaskTimedOut');
  });

  it('cancels when the customer cancels while the order is PLACED', async () => {
    const app = fakeApp((awaiting) =>
      awaiting.includes('OrderAccepted')
        ? { kind: 'fail', error: 'OrderCancelled', cause: 'by customer' }
        : deliverAll(),
    );
    const result = await run(orderLifecycle, lifecycleInput(), app);
    expect(result.output).toEqual({ orderId: 'o-1', outcome: 'CANCELLED', reason: 'CANCELLED_BY_CUSTOMER' });
    expect(statuses(app)).toEqual(['CANCELLED']);
  });
});

describe('PlaceOrder (EXPRESS, synchronous) on the local engine', () => {
  const request = {
    orderId: 'o-1',
    customerId: 'c-1',
    restaurantId: 'r-1',
    items: [{ menuItemId: 'm-1', quantity: 2 }],
    deliveryAddress: { line1: 'x' },
    paymentToken: 'tok_visa',
  };

  it('prices, reserves, saves the order PLACED and starts the lifecycle named after the order', async () => {
    const app = fakeApp(deliverAll);
    const result = await run(placeOrder, request, app);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ orderId: 'o-1', status: 'PLACED', totalCents: 1000, version: 1 });
    const start = app.calls.find((c) => c.fn === 'states:startExecution');
    expect(start?.payload).toMatchObject({
      Name: 'o-1',
      Input: { orderId: 'o-1', totalCents: 1000, reserved: request.items },
    });
    const put = app.calls.find((c) => c.fn === 'dynamodb:putItem');
    expect(put?.payload.Item).toMatchObject({ orderId: { S: 'o-1' }, status: { S: 'PLACED' }, version: { N: '1' } });
  });

  it('fails with OutOfStockError and saves nothing when stock is short', async () => {
    const app = fakeApp(deliverAll, {
      ReserveStock: () => {
        throw new StatesError('OutOfStockError', '{"errorType":"OutOfStockError","errorMessage":"m-1"}');
      },
    });
    const result = await run(placeOrder, request, app);
    expect(result).toMatchObject({ status: 'FAILED', error: 'OutOfStockError' });
    expect(app.calls.map((c) => c.fn)).toEqual(['PriceOrder', 'ReserveStock']);
  });

  it('releases the reservation when the order cannot be saved', async () => {
    const app = fakeApp(deliverAll, {
      'dynamodb:putItem': () => {
        throw new StatesError('DynamoDb.ConditionalCheckFailedException', 'exists');
      },
    });
    const result = await run(placeOrder, request, app);
    expect(result).toMatchObject({ status: 'FAILED', error: 'DynamoDb.ConditionalCheckFailedException' });
    expect(app.calls.map((c) => c.fn)).toEqual(['PriceOrder', 'ReserveStock', 'dynamodb:putItem', 'ReleaseStock']);
  });
});
