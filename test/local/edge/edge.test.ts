import { gzipSync } from 'node:zlib';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, ListEventBusesCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetTopicAttributesCommand, ListTopicsCommand, NotFoundException, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, QueueDoesNotExist, SQSClient } from '@aws-sdk/client-sqs';
import { AwsError } from '../../../local/core/errors';
import type { CallContext, Service } from '../../../local/core/types';
import { type Edge, matchPath, startEdge, unflattenQuery } from '../../../local/edge';
import { awsCliPath, clientConfig, memoryLogger, runAwsCli } from '../support/cloud';

const calls: { service: string; operation: string; input: unknown; caller: string }[] = [];
const record = (service: string, operation: string, output: unknown) => async (input: unknown, ctx: CallContext) => {
  calls.push({ service, operation, input, caller: ctx.caller });
  return output;
};

const services: Service[] = [
  {
    name: 'stepfunctions',
    protocol: 'json1.0',
    targetPrefix: 'AWSStepFunctions',
    operations: {
      ListStateMachines: record('stepfunctions', 'ListStateMachines', {
        stateMachines: [
          {
            name: 'm',
            stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:m',
            type: 'STANDARD',
            creationDate: 1700000000,
          },
        ],
      }),
    },
  },
  {
    name: 'events',
    protocol: 'json1.1',
    targetPrefix: 'AWSEvents',
    operations: { ListEventBuses: record('events', 'ListEventBuses', { EventBuses: [{ Name: 'default' }] }) },
  },
  {
    name: 'sqs',
    protocol: 'json1.0',
    targetPrefix: 'AmazonSQS',
    operations: {
      GetQueueUrl: async () => {
        throw new AwsError(
          'QueueDoesNotExist',
          'The specified queue does not exist.',
          400,
          true,
          'AWS.SimpleQueueService.NonExistentQueue',
        );
      },
    },
  },
  {
    name: 'cloudwatch',
    protocol: 'json1.0',
    targetPrefix: 'GraniteServiceVersion20100801',
    operations: {
      ListMetrics: record('cloudwatch', 'ListMetrics', {
        Metrics: [{ Namespace: 'dishpatch', MetricName: 'OrdersPlaced' }],
      }),
    },
  },
  {
    name: 'sns',
    protocol: 'query',
    signingNames: ['sns'],
    xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
    queryMapFields: ['Attributes'],
    operations: {
      ListTopics: record('sns', 'ListTopics', {
        Topics: [
          { TopicArn: 'arn:aws:sns:us-east-1:000000000000:a' },
          { TopicArn: 'arn:aws:sns:us-east-1:000000000000:b&c' },
        ],
      }),
      GetTopicAttributes: async (input: { TopicArn: string }) => {
        if (input.TopicArn.endsWith(':missing')) throw new AwsError('NotFound', 'Topic does not exist', 404);
        return { Attributes: { TopicArn: input.TopicArn, DisplayName: 'Orders <local>' } };
      },
    },
  },
  {
    name: 'lambda',
    protocol: 'rest-json',
    operations: {},
    routes: [
      {
        method: 'POST',
        path: '/2015-03-31/functions/{name}/invocations',
        handle: async (req, params) => ({
          status: 200,
          headers: { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' },
          body: JSON.stringify({ echoed: JSON.parse(req.body.toString('utf8')), name: params.name }),
        }),
      },
    ],
  },
];

describe('the edge server', () => {
  let edge: Edge;
  const config = () => clientConfig(edge.url);

  beforeAll(async () => {
    edge = await startEdge({ services: () => services, log: memoryLogger(), port: 0 });
  });
  afterAll(() => edge.close());
  beforeEach(() => {
    calls.length = 0;
  });

  it('routes AWS JSON 1.0 by X-Amz-Target to the operation (Step Functions SDK)', async () => {
    const client = new SFNClient(config());

    const out = await client.send(new ListStateMachinesCommand({ maxResults: 5 }));

    expect(out.stateMachines?.[0]?.name).toBe('m');
    expect(out.stateMachines?.[0]?.creationDate).toEqual(new Date(1700000000 * 1000));
    expect(calls).toEqual([
      { service: 'stepfunctions', operation: 'ListStateMachines', input: { maxResults: 5 }, caller: 'edge' },
    ]);
    client.destroy();
  });

  it('routes AWS JSON 1.1 (EventBridge SDK)', async () => {
    const client = new EventBridgeClient(config());

    const out = await client.send(new ListEventBusesCommand({}));

    expect(out.EventBuses).toEqual([{ Name: 'default' }]);
    client.destroy();
  });

  it('routes CloudWatch JSON 1.0 by its GraniteServiceVersion20100801 target', async () => {
    const client = new CloudWatchClient(config());

    const out = await client.send(new ListMetricsCommand({ Namespace: 'dishpatch' }));

    expect(out.Metrics).toEqual([{ Namespace: 'dishpatch', MetricName: 'OrdersPlaced' }]);
    expect(calls[0]?.input).toEqual({ Namespace: 'dishpatch' });
    client.destroy();
  });

  it('gives SQS JSON errors the x-amzn-query-error code the SDK maps to its exception', async () => {
    const client = new SQSClient(config());

    const error = await client.send(new GetQueueUrlCommand({ QueueName: 'nope' })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(QueueDoesNotExist);
    expect((error as QueueDoesNotExist).message).toBe('The specified queue does not exist.');
    client.destroy();
  });

  it('answers the query protocol in XML with member lists, routed by the SigV4 signing name (SNS SDK)', async () => {
    const client = new SNSClient(config());

    const out = await client.send(new ListTopicsCommand({}));

    expect(out.Topics?.map((t) => t.TopicArn)).toEqual([
      'arn:aws:sns:us-east-1:000000000000:a',
      'arn:aws:sns:us-east-1:000000000000:b&c',
    ]);
    client.destroy();
  });

  it('writes the fields a service declares as maps as entry/key/value', async () => {
    const client = new SNSClient(config());

    const out = await client.send(new GetTopicAttributesCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:a' }));

    expect(out.Attributes).toEqual({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:a', DisplayName: 'Orders <local>' });
    client.destroy();
  });

  it('answers query-protocol errors as an ErrorResponse the SDK maps to its exception', async () => {
    const client = new SNSClient(config());

    const error = await client
      .send(new GetTopicAttributesCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:missing' }))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as NotFoundException).$metadata.httpStatusCode).toBe(404);
    client.destroy();
  });

  it('routes REST paths to service routes with their path parameters (Lambda SDK)', async () => {
    const client = new LambdaClient(config());

    const out = await client.send(new InvokeCommand({ FunctionName: 'orders-fn', Payload: Buffer.from('{"a":1}') }));

    expect(JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8'))).toEqual({
      echoed: { a: 1 },
      name: 'orders-fn',
    });
    expect(out.ExecutedVersion).toBe('$LATEST');
    client.destroy();
  });

  it('answers UnknownOperationException for an operation a service does not have', async () => {
    const res = await fetch(edge.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSStepFunctions.DescribeActivity', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });

    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-requestid')).toBeTruthy();
    expect(await res.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'DescribeActivity is not supported by the local stepfunctions service',
    });
  });

  it('answers UnknownOperationException for a target no service answers', async () => {
    const res = await fetch(edge.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'Kinesis_20131202.ListStreams', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });

    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(((await res.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });

  it('answers InvalidAction in XML for a query action no service has', async () => {
    const res = await fetch(edge.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: 'Action=DeleteTopic&Version=2010-03-31',
    });

    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>InvalidAction</Code>');
  });

  it('reads gzip-compressed request bodies, as SDK clients send large ones', async () => {
    const res = await fetch(edge.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'GraniteServiceVersion20100801.ListMetrics',
        'content-type': 'application/x-amz-json-1.0',
        'content-encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify({ Namespace: 'zipped' })),
    });

    expect(res.status).toBe(200);
    expect(calls[0]?.input).toEqual({ Namespace: 'zipped' });
  });

  it('answers malformed JSON with SerializationException', async () => {
    const res = await fetch(edge.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.ListEventBuses', 'content-type': 'application/x-amz-json-1.1' },
      body: '{not json',
    });

    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe('SerializationException');
  });

  it('reports health and serves routes registered later', async () => {
    edge.addRoute({
      method: 'GET',
      path: '/_console/{path+}',
      handle: async (_req, params) => ({ status: 200, body: `page ${params.path}` }),
    });

    const health = await (await fetch(`${edge.url}/_health`)).json();
    const page = await (await fetch(`${edge.url}/_console/orders/o-1`)).text();

    expect(health).toEqual({
      status: 'running',
      services: {
        stepfunctions: 'running',
        events: 'running',
        sqs: 'running',
        cloudwatch: 'running',
        sns: 'running',
        lambda: 'running',
      },
    });
    expect(page).toBe('page orders/o-1');
  });

  const cli = awsCliPath();
  const itWithCli = cli ? it : it.skip;
  if (!cli) console.warn('AWS CLI not installed (`apt-get install -y awscli`): skipping the CLI cases of the edge');

  itWithCli(
    'serves the AWS CLI over the query protocol (sns list-topics)',
    async () => {
      const out = (await runAwsCli(cli as string, edge.url, ['sns', 'list-topics'])) as {
        Topics: { TopicArn: string }[];
      };

      expect(out.Topics.map((t) => t.TopicArn)).toEqual([
        'arn:aws:sns:us-east-1:000000000000:a',
        'arn:aws:sns:us-east-1:000000000000:b&c',
      ]);
    },
    60_000,
  );
});

describe('query parameters to JSON', () => {
  it('unflattens member lists, entry maps, numbered lists and nested structures', () => {
    const input = unflattenQuery({
      Action: 'X',
      Version: '2010-05-15',
      StackName: 's',
      'Parameters.member.1.ParameterKey': 'Stage',
      'Parameters.member.1.ParameterValue': 'dev',
      'Parameters.member.2.ParameterKey': 'Zone',
      'Attributes.entry.1.key': 'DisplayName',
      'Attributes.entry.1.value': 'Orders',
      'MessageAttribute.1.Name': 'kind',
      'MessageAttribute.1.Value.StringValue': 'order',
      'MessageAttribute.2.Name': 'n',
      'Config.Nested.Flag': 'true',
    });

    expect(input).toEqual({
      StackName: 's',
      Parameters: [{ ParameterKey: 'Stage', ParameterValue: 'dev' }, { ParameterKey: 'Zone' }],
      Attributes: { DisplayName: 'Orders' },
      MessageAttribute: [{ Name: 'kind', Value: { StringValue: 'order' } }, { Name: 'n' }],
      Config: { Nested: { Flag: 'true' } },
    });
  });
});

describe('path patterns', () => {
  it.each([
    ['/2015-03-31/functions/{name}/invocations', '/2015-03-31/functions/fn%3A1/invocations', { name: 'fn:1' }],
    ['/_console/{path+}', '/_console/a/b', { path: 'a/b' }],
    ['/{poolId}/.well-known/jwks.json', '/us-east-1_abc/.well-known/jwks.json', { poolId: 'us-east-1_abc' }],
    ['/a/{x}', '/a/b/c', undefined],
    ['/a/{x}/c', '/a/b', undefined],
  ])('matches %s against %s', (pattern, path, expected) => {
    expect(matchPath(pattern, path)).toEqual(expected);
  });
});
