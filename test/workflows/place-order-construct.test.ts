import { Template } from 'aws-cdk-lib/assertions';
import jsonata from 'jsonata';
import { toDynamoItem } from '../../workflows/place-order/dynamodb-item';
import { catcherOf, catchTarget, happyPath, stateOf } from './support/asl-paths';
import { resolvedDefinition, synthApp } from './support/synth-workflows';

const synthesized = synthApp('dev');
const definition = resolvedDefinition(synthesized, 'PlaceOrder');
const template = Template.fromJSON(synthesized.stateless);

describe('PlaceOrder workflow', () => {
  it('is an EXPRESS JSONata state machine with tracing and every event logged', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'dishpatch-dev-place-order',
      StateMachineType: 'EXPRESS',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
    expect(definition.QueryLanguage).toBe('JSONata');
  });

  it('prices, reserves, saves the order and starts its lifecycle, in that order', () => {
    expect(happyPath(definition)).toEqual(['Price Order', 'Reserve Stock', 'Save Order', 'Start Order Lifecycle']);
    expect(stateOf(definition, 'Start Order Lifecycle').End).toBe(true);
    expect(stateOf(definition, 'Start Order Lifecycle').Output).toBe('{% $order %}');
  });

  it.each([
    ['Price Order', 'RestaurantNotFoundError'],
    ['Price Order', 'RestaurantClosedError'],
    ['Price Order', 'MenuItemUnavailableError'],
    ['Reserve Stock', 'OutOfStockError'],
  ])('ends %s failing with %s in the Fail state that re-raises the typed error', (state, error) => {
    expect(catchTarget(stateOf(definition, state), error)).toBe('Order Not Placed');
    expect(catcherOf(stateOf(definition, state), error)?.Assign).toEqual({ failure: '{% $states.errorOutput %}' });
    expect(stateOf(definition, 'Order Not Placed')).toMatchObject({
      Type: 'Fail',
      Error: '{% $failure.Error %}',
      Cause: '{% $exists($failure.Cause) ? $failure.Cause : $failure.Error %}',
    });
  });

  it('releases the reserved stock before failing when the order cannot be saved or its lifecycle started', () => {
    expect(catchTarget(stateOf(definition, 'Save Order'), 'States.ALL')).toBe('Release Reserved Stock');
    expect(catchTarget(stateOf(definition, 'Start Order Lifecycle'), 'States.ALL')).toBe('Discard Order');
    expect(stateOf(definition, 'Discard Order').Next).toBe('Release Reserved Stock');
    expect(stateOf(definition, 'Release Reserved Stock')).toMatchObject({
      Next: 'Order Not Placed',
      Retry: expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['States.ALL'] })]),
    });
  });

  it('writes the order with a conditional put, so an order id is never overwritten', () => {
    expect(stateOf(definition, 'Save Order')).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem',
      Arguments: { TableName: 'OrdersTable', ConditionExpression: 'attribute_not_exists(orderId)' },
    });
  });

  it('starts the lifecycle with the order id as execution name', () => {
    expect(stateOf(definition, 'Start Order Lifecycle')).toMatchObject({
      Resource: 'arn:aws:states:::states:startExecution',
      Arguments: {
        StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:dishpatch-dev-order-lifecycle',
        Name: '{% $request.orderId %}',
      },
    });
  });

  it('marshals the order into a DynamoDB item, keeping one-element lists as lists and leaving absent notes out', async () => {
    // Prepare
    const order = {
      orderId: 'o-1',
      items: [{ menuItemId: 'm-1', quantity: 2, unitPriceCents: 450 }],
      deliveryAddress: { line1: '1 Main St', city: 'Springfield' },
      notes: undefined,
      open: true,
      history: [],
    };

    // Act
    const item = await jsonata(toDynamoItem('$order')).evaluate({}, { order });

    // Assess
    expect(item).toEqual({
      orderId: { S: 'o-1' },
      items: { L: [{ M: { menuItemId: { S: 'm-1' }, quantity: { N: '2' }, unitPriceCents: { N: '450' } } }] },
      deliveryAddress: { M: { line1: { S: '1 Main St' }, city: { S: 'Springfield' } } },
      open: { BOOL: true },
      history: { L: [] },
    });
  });

  it('builds the placed order from the request and the priced lines, and stores the internal attributes beside it', async () => {
    // Prepare: the variables the earlier states assigned, as Step Functions binds them.
    const expression = (value: unknown) =>
      String(value)
        .replace(/^\{%\s*/, '')
        .replace(/\s*%\}$/, '');
    const request = {
      orderId: 'o-1',
      customerId: 'c-1',
      restaurantId: 'r-1',
      items: [{ menuItemId: 'm-1', quantity: 2 }],
      deliveryAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345' },
      paymentToken: 'tok_visa',
    };
    const priced = {
      restaurant: { restaurantId: 'r-1', name: 'Pasta Place' },
      items: [{ menuItemId: 'm-1', name: 'Penne', quantity: 2, unitPriceCents: 450, lineTotalCents: 900 }],
      totalCents: 900,
      currency: 'EUR',
    };
    const reserveAssign = stateOf(definition, 'Reserve Stock').Assign as Record<string, string>;
    const saveArguments = stateOf(definition, 'Save Order').Arguments as Record<string, string>;

    // Act
    const order = (await jsonata(expression(reserveAssign.order)).evaluate({}, { request, priced })) as Record<
      string,
      unknown
    >;
    const item = (await jsonata(expression(saveArguments.Item)).evaluate(
      {},
      { order, request, reserved: { 'm-1': 2 } },
    )) as Record<string, unknown>;

    // Assess
    expect(order).toEqual({
      orderId: 'o-1',
      customerId: 'c-1',
      restaurantId: 'r-1',
      restaurantName: 'Pasta Place',
      items: priced.items,
      totalCents: 900,
      currency: 'EUR',
      status: 'PLACED',
      deliveryAddress: request.deliveryAddress,
      placedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      updatedAt: order.placedAt,
      version: 1,
      history: [{ status: 'PLACED', at: order.placedAt }],
    });
    expect(order).not.toHaveProperty('paymentToken');
    expect(item).toMatchObject({
      orderId: { S: 'o-1' },
      status: { S: 'PLACED' },
      version: { N: '1' },
      restaurantStatus: { S: 'r-1#PLACED' },
      paymentToken: { S: 'tok_visa' },
      stockReserved: { M: { 'm-1': { N: '2' } } },
    });
    expect(item).not.toHaveProperty('notes');
  });

  it('may only put and delete items of the orders table and start the lifecycle', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Metadata: { 'aws:cdk:path': 'Dishpatch-dev-Stateless/PlaceOrder/StateMachine/Role/DefaultPolicy/Resource' },
    });
    const [policy] = Object.values(policies);
    const statements = synthesized.resolver.resolve(policy?.Properties.PolicyDocument.Statement) as {
      Action: string | string[];
      Resource: string | string[];
    }[];
    const byAction = (action: string) => statements.filter((s) => [s.Action].flat().includes(action));

    expect(byAction('dynamodb:PutItem').map((s) => s.Resource)).toEqual([
      'arn:aws:dynamodb:us-east-1:000000000000:table/OrdersTable',
    ]);
    expect(byAction('dynamodb:DeleteItem').map((s) => s.Resource)).toEqual([
      'arn:aws:dynamodb:us-east-1:000000000000:table/OrdersTable',
    ]);
    expect(byAction('states:StartExecution').map((s) => s.Resource)).toEqual([
      'arn:aws:states:us-east-1:000000000000:stateMachine:dishpatch-dev-order-lifecycle',
    ]);
    expect(statements.flatMap((s) => [s.Action].flat()).filter((action) => action.includes('*'))).toEqual([]);
  });
});
