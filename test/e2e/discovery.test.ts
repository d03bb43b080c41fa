/**
 * Discovery (issue 6): a client that knows only the endpoint finds everything through CloudFormation's
 * `DescribeStacks` outputs, as the serverless workshops' integration tests do, and every service answers its
 * list/describe APIs for the app's resources.
 */
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  InitiateAuthCommand,
  ListGroupsCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListSubscriptionsCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DEMO_PASSWORD } from '../../seed/demo';
import { ADDRESS, type App, credentials, region, startApp, USERS } from './support/harness';

describe('finding everything from the endpoint alone', () => {
  let app: App;
  let config: { endpoint: string; region: string; credentials: typeof credentials };
  let outputs: Record<string, string>;

  beforeAll(async () => {
    app = await startApp();
    config = { endpoint: app.endpoint, region, credentials };
    const stacks = await new CloudFormationClient(config).send(new DescribeStacksCommand({}));
    outputs = Object.fromEntries(
      (stacks.Stacks ?? []).flatMap((s) => (s.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
    );
  });
  afterAll(() => app.stop());

  it('builds every client from DescribeStacks outputs and places an order', async () => {
    // Prepare: only outputs, no harness shortcuts.
    const cognito = new CognitoIdentityProviderClient(config);
    const auth = await cognito.send(
      new InitiateAuthCommand({
        ClientId: outputs.UserPoolClientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: USERS.alice, PASSWORD: DEMO_PASSWORD },
      }),
    );
    const token = auth.AuthenticationResult?.IdToken ?? '';
    const api = (outputs.ApiUrl ?? '').replace(/\/$/, '');
    // Act
    const res = await fetch(`${api}/orders`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Idempotency-Key': 'discovery-1',
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        restaurantId: 'r-sushi',
        items: [{ menuItemId: 'maki-set', quantity: 1 }],
        deliveryAddress: ADDRESS,
        paymentToken: 'tok_visa',
      }),
    });
    // Assess: the order is in the table the outputs name, and its lifecycle runs on the machine they name.
    expect(res.status).toBe(201);
    const { orderId } = (await res.json()) as { orderId: string };
    const item = await new DynamoDBClient(config).send(
      new GetItemCommand({ TableName: outputs.OrdersTableName, Key: { orderId: { S: orderId } } }),
    );
    expect(item.Item?.status?.S).toBe('PLACED');
    const executionArn = `${outputs.OrderLifecycleStateMachineArn?.replace(':stateMachine:', ':execution:')}:${orderId}`;
    const execution = await new SFNClient(config).send(new DescribeExecutionCommand({ executionArn }));
    expect(execution.status).toBe('RUNNING');
  });

  it('lists the stacks resources with their physical ids', async () => {
    const cfn = new CloudFormationClient(config);
    const stacks = (await cfn.send(new DescribeStacksCommand({}))).Stacks ?? [];
    expect(stacks.map((s) => s.StackStatus)).toEqual(stacks.map(() => 'CREATE_COMPLETE'));
    const stateful = stacks.find((s) => s.StackName?.endsWith('-Stateful'));
    const resources = await cfn.send(new ListStackResourcesCommand({ StackName: stateful?.StackName }));
    const physical = (resources.StackResourceSummaries ?? []).map((r) => r.PhysicalResourceId);
    expect(physical).toEqual(expect.arrayContaining([outputs.OrdersTableName, outputs.UserPoolId]));
  });

  it('answers the list and describe APIs of every service for the apps resources', async () => {
    const ddb = new DynamoDBClient(config);
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toEqual(
      expect.arrayContaining([outputs.OrdersTableName, outputs.RestaurantsTableName]),
    );
    expect((await ddb.send(new DescribeTableCommand({ TableName: outputs.OrdersTableName }))).Table?.TableStatus).toBe(
      'ACTIVE',
    );

    const machines = (await new SFNClient(config).send(new ListStateMachinesCommand({}))).stateMachines ?? [];
    expect(machines.map((m) => m.stateMachineArn)).toEqual(
      expect.arrayContaining([outputs.PlaceOrderStateMachineArn, outputs.OrderLifecycleStateMachineArn]),
    );

    const eb = new EventBridgeClient(config);
    expect((await eb.send(new ListEventBusesCommand({}))).EventBuses?.map((b) => b.Name)).toContain(
      outputs.EventBusName,
    );
    const rules = (await eb.send(new ListRulesCommand({ EventBusName: outputs.EventBusName }))).Rules ?? [];
    expect(rules.length).toBeGreaterThan(0);
    const targets = await eb.send(
      new ListTargetsByRuleCommand({ EventBusName: outputs.EventBusName, Rule: rules[0]?.Name }),
    );
    expect(targets.Targets?.[0]?.DeadLetterConfig?.Arn).toMatch(/^arn:aws:sqs:/);

    const sqs = new SQSClient(config);
    const queues = (await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [];
    expect(queues.length).toBeGreaterThan(0);
    const name = queues[0]?.split('/').pop();
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    expect(QueueUrl).toBe(queues[0]);
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    expect(attrs.Attributes?.QueueArn).toMatch(/^arn:aws:sqs:us-east-1:/);

    const lambda = new LambdaClient(config);
    const functions = (await lambda.send(new ListFunctionsCommand({}))).Functions ?? [];
    expect(functions.length).toBeGreaterThan(10);
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: functions[0]?.FunctionName }));
    expect(fn.Configuration?.FunctionArn).toBe(functions[0]?.FunctionArn);

    const cognito = new CognitoIdentityProviderClient(config);
    const pools = (await cognito.send(new ListUserPoolsCommand({ MaxResults: 10 }))).UserPools ?? [];
    expect(pools.map((p) => p.Id)).toContain(outputs.UserPoolId);
    const pool = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: outputs.UserPoolId }));
    expect(pool.UserPool?.Id).toBe(outputs.UserPoolId);
    const clients = await cognito.send(new ListUserPoolClientsCommand({ UserPoolId: outputs.UserPoolId }));
    expect(clients.UserPoolClients?.map((c) => c.ClientId)).toContain(outputs.UserPoolClientId);
    const client = await cognito.send(
      new DescribeUserPoolClientCommand({ UserPoolId: outputs.UserPoolId, ClientId: outputs.UserPoolClientId }),
    );
    expect(client.UserPoolClient?.ExplicitAuthFlows).toEqual(expect.arrayContaining(['ALLOW_USER_PASSWORD_AUTH']));
    const groups = (await cognito.send(new ListGroupsCommand({ UserPoolId: outputs.UserPoolId }))).Groups ?? [];
    expect(groups.map((g) => g.GroupName).sort()).toEqual(['admin', 'courier', 'restaurant']);

    const sns = new SNSClient(config);
    const topics = (await sns.send(new ListTopicsCommand({}))).Topics ?? [];
    expect(topics.length).toBeGreaterThan(0);
    expect((await sns.send(new ListSubscriptionsCommand({}))).Subscriptions).toBeDefined();
  });
});
