import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import jsonata from 'jsonata';
import { STAGES } from '../../lib/config/stages';
import { OrderLifecycleWorkflow } from '../../workflows/order-lifecycle/order-lifecycle-workflow';
import { type AslState, catcherOf, catchTarget, happyPath, stateOf } from './support/asl-paths';
import { type CfnTemplate, TemplateResolver } from './support/resolve-definition';
import { type AslDefinition, resolvedDefinition, synthApp } from './support/synth-workflows';

const synthesized = synthApp('dev');
const definition = resolvedDefinition(synthesized, 'OrderLifecycle');
const template = Template.fromJSON(synthesized.stateless);
const states = Object.entries(definition.States) as [string, AslState][];
const isTokenWait = ([, state]: [string, AslState]) => String(state.Resource).endsWith('.waitForTaskToken');

/** The happy path of DESIGN §5, state by state; its length is the transition count in the README. */
const HAPPY_PATH = [
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

describe('OrderLifecycle workflow', () => {
  it('is a STANDARD JSONata state machine with a fixed name, tracing and every event logged', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'dishpatch-dev-order-lifecycle',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL' },
    });
    expect(definition.QueryLanguage).toBe('JSONata');
  });

  it('walks the happy path in 13 states from payment to delivery', () => {
    expect(happyPath(definition)).toEqual(HAPPY_PATH);
    expect(stateOf(definition, 'Order Delivered')).toMatchObject({
      Type: 'Succeed',
      Output: { orderId: '{% $orderId %}', outcome: 'DELIVERED' },
    });
  });

  it('sets TimeoutSeconds on every task-token wait, from the stage configuration', () => {
    const waits = states.filter(isTokenWait);
    expect(waits.map(([name]) => name).sort()).toEqual(
      [
        'Await Restaurant',
        'Await Preparing',
        'Await Preparing Again',
        'Await Ready',
        'Await Ready Again',
        'Await Pickup',
        'Await Pickup Again',
        'Await Delivery',
        'Await Delivery Again',
      ].sort(),
    );
    const { timeouts } = STAGES.dev;
    for (const [name, state] of waits) {
      const expected =
        name === 'Await Restaurant'
          ? timeouts.acceptance
          : name.match(/Preparing|Ready/)
            ? timeouts.kitchen
            : timeouts.courier;
      expect({ name, timeout: state.TimeoutSeconds }).toEqual({ name, timeout: expected.toSeconds() });
    }
    expect(stateOf(definition, 'Await Restaurant').TimeoutSeconds).toBe(300);
  });

  it('hands AwaitEvent the task token, the awaited events and the OrderPlaced announcement', () => {
    expect(stateOf(definition, 'Await Restaurant')).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Arguments: {
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:AwaitEvent',
        Payload: {
          orderId: '{% $orderId %}',
          taskToken: '{% $states.context.Task.Token %}',
          awaiting: ['OrderAccepted', 'OrderRejected'],
          announce: 'OrderPlaced',
        },
      },
    });
  });

  it('retries an unavailable payment provider with backoff and releases stock when the payment is declined', () => {
    const authorize = stateOf(definition, 'Authorize Payment');
    expect(authorize.Retry).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ErrorEquals: ['PaymentProviderUnavailableError'], BackoffRate: 2, MaxAttempts: 4 }),
      ]),
    );
    expect(catchTarget(authorize, 'PaymentDeclinedError')).toBe('Release Stock');
    expect(catcherOf(authorize, 'PaymentDeclinedError')?.Assign).toMatchObject({
      orderId: '{% $states.input.orderId %}',
      outcome: { status: 'PAYMENT_FAILED' },
    });
  });

  it.each([
    ['OrderRejected', 'REJECTED', '{% $exists($states.errorOutput.Cause) ? $states.errorOutput.Cause : null %}'],
    ['OrderCancelled', 'CANCELLED', 'CANCELLED_BY_CUSTOMER'],
    ['States.Timeout', 'REJECTED', 'ACCEPTANCE_TIMEOUT'],
  ])('compensates when the restaurant wait ends with %s, recording %s', (error, status, reason) => {
    const awaitRestaurant = stateOf(definition, 'Await Restaurant');
    expect(catchTarget(awaitRestaurant, error)).toBe('Void Payment');
    expect(catcherOf(awaitRestaurant, error)?.Assign).toEqual({ outcome: { status, reason } });
  });

  it('chains the compensations backwards, each retried, to a successful business outcome', () => {
    expect(stateOf(definition, 'Void Payment').Next).toBe('Release Stock');
    expect(stateOf(definition, 'Release Stock').Next).toBe('Record Outcome');
    expect(stateOf(definition, 'Record Outcome').Next).toBe('Order Closed');
    for (const name of ['Void Payment', 'Release Stock', 'Record Outcome']) {
      expect(stateOf(definition, name).Retry).toEqual(
        expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['States.ALL'], JitterStrategy: 'FULL' })]),
      );
    }
    expect(stateOf(definition, 'Record Outcome')).toMatchObject({
      Arguments: {
        Payload: { status: '{% $outcome.status %}', reason: '{% $exists($outcome.reason) ? $outcome.reason : null %}' },
      },
    });
    expect(stateOf(definition, 'Order Closed').Type).toBe('Succeed');
  });

  it.each([
    ['Preparing', 'ACCEPTED'],
    ['Ready', 'PREPARING'],
  ])('escalates a late kitchen (%s) once, then rejects the order', (stage, currentStatus) => {
    expect(catchTarget(stateOf(definition, `Await ${stage}`), 'States.Timeout')).toBe(`Escalate ${stage}`);
    expect(stateOf(definition, `Escalate ${stage}`)).toMatchObject({
      Next: `Await ${stage} Again`,
      Arguments: { Payload: { status: currentStatus, reason: `ESCALATED_${stage.toUpperCase()}_TIMEOUT` } },
    });
    const again = stateOf(definition, `Await ${stage} Again`);
    expect(catchTarget(again, 'States.Timeout')).toBe('Void Payment');
    expect(catcherOf(again, 'States.Timeout')?.Assign).toEqual({
      outcome: { status: 'REJECTED', reason: 'KITCHEN_TIMEOUT' },
    });
    expect(catchTarget(again, 'OrderRejected')).toBe('Void Payment');
    expect(catchTarget(stateOf(definition, `Await ${stage}`), 'OrderRejected')).toBe('Void Payment');
  });

  it.each(['Pickup', 'Delivery'])('escalates a late courier (%s) once, then fails for a human', (stage) => {
    expect(catchTarget(stateOf(definition, `Await ${stage}`), 'States.Timeout')).toBe(`Escalate ${stage}`);
    expect(catchTarget(stateOf(definition, `Await ${stage} Again`), 'States.Timeout')).toBe('Delivery Stalled');
    expect(stateOf(definition, 'Delivery Stalled')).toMatchObject({ Type: 'Fail', Error: 'DeliveryStalled' });
  });

  it('closes an order whose outcome has no reason instead of failing on an empty expression', async () => {
    // Prepare: a rejection sent without a cause; Step Functions fails a field whose JSONata returns nothing.
    const evaluate = (expression: unknown, bindings: Record<string, unknown>) =>
      jsonata(
        String(expression)
          .replace(/^\{%\s*/, '')
          .replace(/\s*%\}$/, ''),
      ).evaluate({}, bindings);
    const catcher = catcherOf(stateOf(definition, 'Await Restaurant'), 'OrderRejected') as {
      Assign: { outcome: { reason: string } };
    };
    const recordOutcome = stateOf(definition, 'Record Outcome') as { Arguments?: { Payload: { reason: string } } };

    // Act
    const reason = await evaluate(catcher.Assign.outcome.reason, {
      states: { errorOutput: { Error: 'OrderRejected' } },
    });
    const outcome = { status: 'REJECTED', reason };
    const recorded = await evaluate(recordOutcome.Arguments?.Payload.reason, { outcome });
    const closed = await evaluate(stateOf(definition, 'Order Closed').Output, {
      orderId: 'o-1',
      outcome: { status: 'CANCELLED' },
    });

    // Assess
    expect(reason).toBeNull();
    expect(recorded).toBeNull();
    expect(closed).toEqual({ orderId: 'o-1', outcome: 'CANCELLED' });
  });

  it('ends in Fail only when a delivery stalls: business outcomes succeed', () => {
    const fails = states.filter(([, state]) => state.Type === 'Fail').map(([name]) => name);
    expect(fails).toEqual(['Delivery Stalled']);
  });

  it('may only invoke its six step functions, by ARN', () => {
    const [policy] = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Metadata: { 'aws:cdk:path': 'Dishpatch-dev-Stateless/OrderLifecycle/StateMachine/Role/DefaultPolicy/Resource' },
      }),
    );
    const statements = synthesized.resolver.resolve(policy?.Properties.PolicyDocument.Statement) as {
      Action: string | string[];
      Resource: string | string[];
    }[];
    const invoke = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    const functions = new Set(invoke.flatMap((s) => [s.Resource].flat()).map((arn) => arn.replace(/:\*$/, '')));
    expect([...functions].sort()).toEqual(
      ['AuthorizePayment', 'AwaitEvent', 'CapturePayment', 'RecordStatus', 'ReleaseStock', 'VoidPayment'].map(
        (name) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      ),
    );
    expect(statements.flatMap((s) => [s.Action].flat()).filter((action) => action.includes('*'))).toEqual([]);
  });

  it('takes its wait timeouts from props', () => {
    // Prepare: the construct alone, in a bare stack, with imported functions.
    const stack = new Stack();
    const fn = (name: string) =>
      lambda.Function.fromFunctionArn(stack, name, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    new OrderLifecycleWorkflow(stack, 'Lifecycle', {
      config: STAGES.prod,
      timeouts: { acceptance: Duration.seconds(42), kitchen: Duration.minutes(7), courier: Duration.minutes(9) },
      authorizePayment: fn('AuthorizePayment'),
      voidPayment: fn('VoidPayment'),
      capturePayment: fn('CapturePayment'),
      releaseStock: fn('ReleaseStock'),
      awaitEvent: fn('AwaitEvent'),
      recordStatus: fn('RecordStatus'),
    });

    // Act
    const bare = Template.fromStack(stack).toJSON() as CfnTemplate;
    const [stateMachine] = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'));
    const asl = JSON.parse(
      new TemplateResolver([bare]).resolveString(stateMachine?.Properties.DefinitionString),
    ) as AslDefinition;

    // Assess
    expect(asl.States['Await Restaurant']?.TimeoutSeconds).toBe(42);
    expect(asl.States['Await Ready']?.TimeoutSeconds).toBe(420);
    expect(asl.States['Await Delivery Again']?.TimeoutSeconds).toBe(540);
  });
});
