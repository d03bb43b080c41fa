import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { STAGE_NAMES } from '../../lib/config/stages';
import { addDishpatchStage } from '../../lib/dishpatch-app';

/** What a client needs to find everything from `DescribeStacks` (issue 6), per stack. */
const EXPECTED = {
  Stateful: [
    'UserPoolId',
    'UserPoolClientId',
    'EventBusName',
    'EventBusArn',
    'OrdersTableName',
    'RestaurantsTableName',
    'PaymentsTableName',
    'IdempotencyTableName',
  ],
  Stateless: ['ApiUrl', 'PlaceOrderStateMachineArn', 'OrderLifecycleStateMachineArn', 'DashboardName'],
} as const;

describe.each(STAGE_NAMES)('stack outputs of stage %s', (stage) => {
  // One synth per stage, bundling off.
  const app = new App({ context: { stage, 'aws:cdk:bundling-stacks': [] } });
  const { stateful, stateless } = addDishpatchStage(app, stage);
  const templates: Record<string, { Outputs?: Record<string, { Value?: unknown; Export?: unknown }> }> = {
    Stateful: Template.fromStack(stateful).toJSON(),
    Stateless: Template.fromStack(stateless).toJSON(),
  };

  it.each(Object.entries(EXPECTED).flatMap(([stack, keys]) => keys.map((key) => [stack, key] as const)))(
    '%s declares %s with the export name dishpatch-<stage>-<key>',
    (stack, key) => {
      const outputs = templates[stack]?.Outputs ?? {};
      expect(outputs[key]).toBeDefined();
      expect(outputs[key]?.Export).toEqual({ Name: `dishpatch-${stage}-${key}` });
      expect(outputs[key]?.Value).toBeTruthy();
    },
  );
});
