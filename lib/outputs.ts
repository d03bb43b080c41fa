import { CfnOutput, type Stack } from 'aws-cdk-lib';
import type { StageConfig } from './config/stages';
import type { StatefulStack } from './stateful-stack';
import type { StatelessStack } from './stateless-stack';

/**
 * The stack outputs a client needs to find everything (issue 6): what the serverless workshops' integration tests
 * read from `DescribeStacks`, with export names per stage (`dishpatch-<stage>-<Key>`). The local cloud answers
 * `DescribeStacks` with the same keys and writes them to an outputs file.
 */
export const addStackOutputs = (config: StageConfig, stateful: StatefulStack, stateless: StatelessStack): void => {
  const out = (stack: Stack, key: string, value: string, description: string): void => {
    new CfnOutput(stack, key, { value, description, exportName: `dishpatch-${config.stage}-${key}` });
  };
  out(stateful, 'UserPoolId', stateful.userPool.userPoolId, 'Cognito user pool id');
  out(stateful, 'UserPoolClientId', stateful.userPoolClient.userPoolClientId, 'Cognito app client id (no secret)');
  out(stateful, 'EventBusName', stateful.eventBus.eventBusName, 'The dishpatch event bus');
  out(stateful, 'EventBusArn', stateful.eventBus.eventBusArn, 'The dishpatch event bus ARN');
  out(stateful, 'OrdersTableName', stateful.ordersTable.tableName, 'Orders table');
  out(stateful, 'RestaurantsTableName', stateful.restaurantsTable.tableName, 'Restaurants and menus table');
  out(stateful, 'PaymentsTableName', stateful.paymentsTable.tableName, 'Payments table (fake provider)');
  out(stateful, 'IdempotencyTableName', stateful.idempotencyTable.tableName, 'Powertools idempotency table');
  out(stateless, 'ApiUrl', stateless.api.restApi.url, 'REST API base URL (with the stage)');
  out(
    stateless,
    'PlaceOrderStateMachineArn',
    stateless.placeOrder.stateMachine.stateMachineArn,
    'PlaceOrder (EXPRESS)',
  );
  out(
    stateless,
    'OrderLifecycleStateMachineArn',
    stateless.orderLifecycle.stateMachine.stateMachineArn,
    'OrderLifecycle (STANDARD)',
  );
  out(stateless, 'DashboardName', stateless.dashboard.dashboardName, 'CloudWatch dashboard of the stage');
};
