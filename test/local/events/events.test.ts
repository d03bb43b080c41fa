/**
 * The local EventBridge through the real `@aws-sdk/client-eventbridge`, delivering to the local SQS (read back with
 * `@aws-sdk/client-sqs`) and to fake Lambda / Step Functions / CloudWatch services that record their calls.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AwsError } from '../../../local/core/errors';
import type { Service } from '../../../local/core/types';
import { createEventsService, eventsBackendOf } from '../../../local/events';
import { createSqsService } from '../../../local/sqs';
import { addService, clientConfig, eventually, startTestCloud, type TestCloud } from '../sqs/support';

// biome-ignore lint/suspicious/noExplicitAny: the recorded inputs are the services' untyped JSON.
type Json = Record<string, any>;

/** A fake service that records its calls and answers with `answer` (which may throw). */
const fakeService = (name: string, answer: (operation: string, input: Json) => unknown) => {
  const calls: { operation: string; input: Json }[] = [];
  const operations = new Proxy(
    {},
    {
      get: (_t, operation: string) => async (input: Json) => {
        calls.push({ operation, input });
        return answer(operation, input);
      },
    },
  );
  return { service: { name, protocol: 'json1.0', operations } as Service, calls };
};

const ENTRY = {
  Source: 'dishpatch.restaurant',
  DetailType: 'OrderAccepted',
  Detail: JSON.stringify({ orderId: 'o-1', etaMinutes: 20 }),
};
const PATTERN = JSON.stringify({ source: ['dishpatch.restaurant'], 'detail-type': ['OrderAccepted'] });

describe('local EventBridge through the AWS SDK', () => {
  let cloud: TestCloud;
  let eb: EventBridgeClient;
  let sqs: SQSClient;
  let n = 0;
  const lambda = fakeService('lambda', (_op, input) => {
    if (String(input.FunctionName).endsWith(':failing')) throw new AwsError('ServiceException', 'boom', 500, false);
    return { StatusCode: 202 };
  });
  const states = fakeService('states', () => ({
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:sm:1',
  }));
  const monitoring = fakeService('monitoring', () => ({}));

  const newQueue = async (suffix = '', attributes: Record<string, string> = {}) => {
    const name = `t${++n}${suffix}`;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return { url: QueueUrl!, arn: `arn:aws:sqs:us-east-1:000000000000:${name}` };
  };
  const receiveOne = async (url: string, extra: Record<string, unknown> = {}): Promise<Message> => {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20, ...extra }));
    if (!got.Messages?.[0]) throw new Error('no message before the deadline');
    return got.Messages[0];
  };
  const ruleTo = async (targets: Record<string, unknown>[], pattern = PATTERN, EventBusName?: string) => {
    const Name = `r${++n}`;
    await eb.send(new PutRuleCommand({ Name, EventPattern: pattern, EventBusName }));
    await eb.send(new PutTargetsCommand({ Rule: Name, EventBusName, Targets: targets as never }));
    return Name;
  };

  beforeAll(async () => {
    // Time scale 100: a 20 s long poll lasts 200 ms, a 1 s retry backoff 10 ms.
    cloud = await startTestCloud({ timeScale: 100 });
    await addService(cloud, createSqsService);
    await addService(cloud, createEventsService);
    cloud.add(lambda.service);
    cloud.add(states.service);
    cloud.add(monitoring.service);
    eb = new EventBridgeClient(clientConfig(cloud));
    sqs = new SQSClient(clientConfig(cloud));
  });
  afterAll(async () => {
    eb.destroy();
    sqs.destroy();
    await cloud.close();
  });

  describe('TestEventPattern', () => {
    const event = JSON.stringify({
      id: '1',
      source: 'dishpatch.courier',
      'detail-type': 'OrderPickedUp',
      account: '000000000000',
      region: 'us-east-1',
      time: '2026-01-01T00:00:00Z',
      detail: { courierId: 'c-1', late: false },
    });

    it('answers true for a matching pattern and false otherwise', async () => {
      const yes = await eb.send(
        new TestEventPatternCommand({ Event: event, EventPattern: '{"detail":{"late":[false]}}' }),
      );
      const no = await eb.send(
        new TestEventPatternCommand({ Event: event, EventPattern: '{"detail":{"late":["false"]}}' }),
      );
      expect([yes.Result, no.Result]).toEqual([true, false]);
    });

    it('answers InvalidEventPatternException with the reason', async () => {
      await expect(
        eb.send(new TestEventPatternCommand({ Event: event, EventPattern: '{"source":"x"}' })),
      ).rejects.toMatchObject({
        name: 'InvalidEventPatternException',
        message: 'Event pattern is not valid. Reason: "source" must be an object or an array',
      });
    });

    const snapshotFile = join(
      __dirname,
      '../../../../shared/conformance/aws-recorded/events/test_events_patterns.snapshot.json',
    );
    const recorded: [string, { Error: { Code: string; Message: string } }][] = existsSync(snapshotFile)
      ? Object.entries(
          JSON.parse(readFileSync(snapshotFile, 'utf8')) as Record<
            string,
            { 'recorded-content': Record<string, never> }
          >,
        )
          .filter(([key]) =>
            /test_invalid_json_event_pattern|test_plain_string_payload|test_array_event_payload|test_invalid_event_payload/.test(
              key,
            ),
          )
          .map(([key, value]) => [key.split('::').pop()!, Object.values(value['recorded-content'])[0]!])
      : [];
    const recordedInputs: Record<string, { Event: string; EventPattern?: string }> = {
      test_plain_string_payload: { Event: 'plain string' },
      test_array_event_payload: { Event: '["plain string"]' },
      test_invalid_event_payload: { Event: '{"testEvent": "value"}' },
    };

    it.each(recorded)('answers as AWS recorded: %s', async (name, { Error: answer }) => {
      const param = /\[(.*)\]$/.exec(name)?.[1];
      const input = param !== undefined ? { Event: event, EventPattern: param } : recordedInputs[name]!;
      const pattern = input.EventPattern ?? '{"body": {"test2": [{"numeric": [">", 100]}]}}';
      await expect(
        eb.send(new TestEventPatternCommand({ Event: input.Event, EventPattern: pattern })),
      ).rejects.toMatchObject({
        name: answer.Code,
        // AWS appends the parser position (" at [Source: ...]") on a second line; the reason is the first line.
        message: answer.Message.split('\n')[0],
      });
    });

    it('answers ValidationException for an event that is not a JSON object', async () => {
      await expect(eb.send(new TestEventPatternCommand({ Event: '["a"]', EventPattern: '{}' }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Parameter Event is not valid.',
      });
    });
  });

  it('delivers a matching event to an SQS target, and not a non-matching one', async () => {
    const queue = await newQueue();
    await ruleTo([{ Id: 'q', Arn: queue.arn }]);
    const put = await eb.send(new PutEventsCommand({ Entries: [{ ...ENTRY, DetailType: 'OrderRejected' }, ENTRY] }));
    expect(put.FailedEntryCount).toBe(0);
    const body = JSON.parse((await receiveOne(queue.url)).Body!);
    expect(body).toMatchObject({
      version: '0',
      id: put.Entries![1]!.EventId,
      'detail-type': 'OrderAccepted',
      source: 'dishpatch.restaurant',
      account: '000000000000',
      region: 'us-east-1',
      resources: [],
      detail: { orderId: 'o-1', etaMinutes: 20 },
    });
    expect(body.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages).toBeUndefined();
  });

  it("routes on a custom bus only to that bus's rules", async () => {
    const bus = `bus${++n}`;
    await eb.send(new CreateEventBusCommand({ Name: bus }));
    const onBus = await newQueue();
    const onDefault = await newQueue();
    await ruleTo([{ Id: 'q', Arn: onBus.arn }], PATTERN, bus);
    await ruleTo([{ Id: 'q', Arn: onDefault.arn }]);
    await eb.send(new PutEventsCommand({ Entries: [{ ...ENTRY, EventBusName: bus }] }));
    expect(JSON.parse((await receiveOne(onBus.url)).Body!).source).toBe('dishpatch.restaurant');
    await eventsBackendOf(cloud.service('events'))!.whenIdle();
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: onDefault.url }))).Messages).toBeUndefined();
  });

  it('renders an input transformer into valid JSON for the target', async () => {
    const queue = await newQueue();
    await ruleTo([
      {
        Id: 'q',
        Arn: queue.arn,
        InputTransformer: {
          InputPathsMap: { order: '$.detail.orderId', eta: '$.detail.etaMinutes' },
          InputTemplate:
            '{"order": <order>, "eta": <eta>, "rule": "<aws.events.rule-name>", "text": "Order <order> in <eta> min"}',
        },
      },
    ]);
    await eb.send(new PutEventsCommand({ Entries: [ENTRY] }));
    expect(JSON.parse((await receiveOne(queue.url)).Body!)).toEqual({
      order: 'o-1',
      eta: 20,
      rule: `r${n}`,
      text: 'Order o-1 in 20 min',
    });
  });

  it('keeps the Time and Resources given with an entry', async () => {
    const queue = await newQueue();
    await ruleTo([{ Id: 'q', Arn: queue.arn }]);
    await eb.send(
      new PutEventsCommand({
        Entries: [{ ...ENTRY, Time: new Date('2026-01-02T03:04:05.678Z'), Resources: ['arn:aws:x:1'] }],
      }),
    );
    expect(JSON.parse((await receiveOne(queue.url)).Body!)).toMatchObject({
      time: '2026-01-02T03:04:05Z',
      resources: ['arn:aws:x:1'],
    });
  });

  it('sends the InputPath part of the event', async () => {
    const queue = await newQueue();
    await ruleTo([{ Id: 'q', Arn: queue.arn, InputPath: '$.detail' }]);
    await eb.send(new PutEventsCommand({ Entries: [ENTRY] }));
    expect(JSON.parse((await receiveOne(queue.url)).Body!)).toEqual({ orderId: 'o-1', etaMinutes: 20 });
  });

  it('uses the MessageGroupId of SqsParameters for a FIFO queue target', async () => {
    const queue = await newQueue('.fifo', { FifoQueue: 'true' });
    await ruleTo([{ Id: 'q', Arn: queue.arn, SqsParameters: { MessageGroupId: 'orders' } }]);
    await eb.send(new PutEventsCommand({ Entries: [ENTRY] }));
    const message = await receiveOne(queue.url, { MessageSystemAttributeNames: ['MessageGroupId'] });
    expect(message.Attributes?.MessageGroupId).toBe('orders');
  });

  it('invokes a Lambda target asynchronously and starts a Step Functions execution', async () => {
    const fn = 'arn:aws:lambda:us-east-1:000000000000:function:handler';
    const sm = 'arn:aws:states:us-east-1:000000000000:stateMachine:flow';
    await ruleTo([
      { Id: 'fn', Arn: fn },
      { Id: 'sm', Arn: sm, Input: '{"fixed":1}' },
    ]);
    await eb.send(new PutEventsCommand({ Entries: [ENTRY] }));
    await eventsBackendOf(cloud.service('events'))!.whenIdle();
    const invoke = lambda.calls.find((c) => c.input.FunctionName === fn)!;
    expect(invoke.input.InvocationType).toBe('Event');
    expect(JSON.parse(invoke.input.Payload).detail.orderId).toBe('o-1');
    expect(states.calls.find((c) => c.input.stateMachineArn === sm)?.input.input).toBe('{"fixed":1}');
  });

  it('retries a failing target with its retry policy, then sends the event to its DLQ with the error', async () => {
    const dlq = await newQueue();
    const failing = 'arn:aws:lambda:us-east-1:000000000000:function:failing';
    const rule = await ruleTo([
      {
        Id: 'fn',
        Arn: failing,
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: dlq.arn },
      },
    ]);
    const put = await eb.send(new PutEventsCommand({ Entries: [ENTRY] }));
    const dead = await receiveOne(dlq.url, { MessageAttributeNames: ['All'] });
    expect(lambda.calls.filter((c) => c.input.FunctionName === failing)).toHaveLength(3);
    expect(JSON.parse(dead.Body!).id).toBe(put.Entries![0]!.EventId);
    const attribute = (name: string) => dead.MessageAttributes?.[name]?.StringValue;
    expect(attribute('ERROR_CODE')).toBe('ServiceException');
    expect(attribute('ERROR_MESSAGE')).toBe('boom');
    expect(attribute('RULE_ARN')).toBe(`arn:aws:events:us-east-1:000000000000:rule/${rule}`);
    expect(attribute('TARGET_ARN')).toBe(failing);
    expect(attribute('RETRY_ATTEMPTS')).toBe('2');
  });

  it('reports per-entry errors without failing the request', async () => {
    const put = await eb.send(
      new PutEventsCommand({
        Entries: [
          ENTRY,
          { Source: 'x', DetailType: 'y' },
          { Source: 'x', DetailType: 'y', Detail: '{not json' },
          { ...ENTRY, EventBusName: 'no-such-bus' },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(3);
    expect(put.Entries?.map((e) => e.ErrorCode)).toEqual([
      undefined,
      'InvalidArgument',
      'MalformedDetail',
      'ResourceNotFoundException',
    ]);
    expect(put.Entries?.[1]?.ErrorMessage).toBe(
      'Parameter Detail is not valid. Reason: Detail is a required argument.',
    );
  });

  it('manages buses, rules and targets', async () => {
    const bus = `crud${++n}`;
    const created = await eb.send(new CreateEventBusCommand({ Name: bus, Description: 'd' }));
    expect(created.EventBusArn).toBe(`arn:aws:events:us-east-1:000000000000:event-bus/${bus}`);
    expect((await eb.send(new DescribeEventBusCommand({ Name: bus }))).Description).toBe('d');
    expect((await eb.send(new ListEventBusesCommand({ NamePrefix: 'crud' }))).EventBuses?.map((b) => b.Name)).toContain(
      bus,
    );
    await expect(eb.send(new CreateEventBusCommand({ Name: bus }))).rejects.toMatchObject({
      name: 'ResourceAlreadyExistsException',
    });

    await eb.send(new PutRuleCommand({ Name: 'r', EventBusName: bus, EventPattern: PATTERN, Description: 'rule' }));
    const described = await eb.send(new DescribeRuleCommand({ Name: 'r', EventBusName: bus }));
    expect(described).toMatchObject({
      Arn: `arn:aws:events:us-east-1:000000000000:rule/${bus}/r`,
      State: 'ENABLED',
      EventPattern: PATTERN,
    });
    await eb.send(
      new PutTargetsCommand({
        Rule: 'r',
        EventBusName: bus,
        Targets: [{ Id: 't', Arn: 'arn:aws:sqs:us-east-1:000000000000:x' }],
      }),
    );
    expect(
      (await eb.send(new ListTargetsByRuleCommand({ Rule: 'r', EventBusName: bus }))).Targets?.map((t) => t.Id),
    ).toEqual(['t']);
    await expect(eb.send(new DeleteRuleCommand({ Name: 'r', EventBusName: bus }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await eb.send(new RemoveTargetsCommand({ Rule: 'r', EventBusName: bus, Ids: ['t'] }));
    await eb.send(new DeleteRuleCommand({ Name: 'r', EventBusName: bus }));
    expect((await eb.send(new ListRulesCommand({ EventBusName: bus }))).Rules).toEqual([]);
    await eb.send(new DeleteEventBusCommand({ Name: bus }));
    await expect(eb.send(new DescribeEventBusCommand({ Name: bus }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('rejects a target whose template names an undefined placeholder', async () => {
    const Name = `r${++n}`;
    await eb.send(new PutRuleCommand({ Name, EventPattern: PATTERN }));
    await expect(
      eb.send(
        new PutTargetsCommand({
          Rule: Name,
          Targets: [
            { Id: 't', Arn: 'arn:aws:sqs:us-east-1:000000000000:x', InputTransformer: { InputTemplate: '"<nope>"' } },
          ],
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'InputTemplate for target t contains invalid placeholder nope.',
    });
  });

  it('sends MatchedEvents per rule to CloudWatch under AWS/Events', async () => {
    const rule = await ruleTo([{ Id: 'fn', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:handler' }]);
    await eb.send(new PutEventsCommand({ Entries: [ENTRY] }));
    const backend = eventsBackendOf(cloud.service('events'))!;
    await backend.whenIdle();
    await backend.flushMetrics();
    const data = monitoring.calls.flatMap((c) => (c.input.Namespace === 'AWS/Events' ? c.input.MetricData : []));
    expect(data).toContainEqual(
      expect.objectContaining({
        MetricName: 'MatchedEvents',
        Dimensions: [{ Name: 'RuleName', Value: rule }],
        Value: 1,
      }),
    );
  });

  it('adds the EventBusName + RuleName series for a rule on a custom bus, as AWS does', async () => {
    await eb.send(new CreateEventBusCommand({ Name: 'metrics-bus' }));
    const rule = await ruleTo(
      [{ Id: 'fn', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:handler' }],
      PATTERN,
      'metrics-bus',
    );
    await eb.send(new PutEventsCommand({ Entries: [{ ...ENTRY, EventBusName: 'metrics-bus' }] }));
    const backend = eventsBackendOf(cloud.service('events'))!;
    await backend.whenIdle();
    await backend.flushMetrics();
    const data = monitoring.calls.flatMap((c) => (c.input.Namespace === 'AWS/Events' ? c.input.MetricData : []));
    const matched = data.filter((d: { MetricName: string }) => d.MetricName === 'MatchedEvents');
    expect(matched).toContainEqual(
      expect.objectContaining({ Dimensions: [{ Name: 'RuleName', Value: rule }], Value: 1 }),
    );
    expect(matched).toContainEqual(
      expect.objectContaining({
        Dimensions: [
          { Name: 'EventBusName', Value: 'metrics-bus' },
          { Name: 'RuleName', Value: rule },
        ],
        Value: 1,
      }),
    );
  });

  it('keeps recent events per bus with the rules they matched', async () => {
    const rule = await ruleTo([{ Id: 'fn', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:handler' }]);
    const put = await eb.send(new PutEventsCommand({ Entries: [ENTRY] }));
    const last = eventsBackendOf(cloud.service('events'))!.recentEvents('default').at(-1)!;
    expect(last.event.id).toBe(put.Entries![0]!.EventId);
    expect(last.matchedRules).toContain(rule);
  });
});

describe('local EventBridge lifecycle', () => {
  it('provisions template buses and rules with their targets', async () => {
    const cloud = await startTestCloud({ timeScale: 100 });
    try {
      await addService(cloud, createSqsService);
      const events = await addService(cloud, createEventsService);
      const sqsService = cloud.service('sqs');
      await sqsService.provision!([
        {
          logicalId: 'Q',
          type: 'AWS::SQS::Queue',
          properties: { QueueName: 'tq' },
          physicalId: `${cloud.url}/000000000000/tq`,
          attributes: { QueueName: 'tq' },
        },
      ]);
      await events.provision!([
        {
          logicalId: 'Bus',
          type: 'AWS::Events::EventBus',
          properties: { Name: 'app' },
          physicalId: 'app',
          attributes: {},
        },
        {
          logicalId: 'Rule',
          type: 'AWS::Events::Rule',
          properties: {
            EventBusName: 'app',
            EventPattern: { source: ['dishpatch.restaurant'] },
            Targets: [
              { Id: 'T', Arn: 'arn:aws:sqs:us-east-1:000000000000:tq', RetryPolicy: { MaximumRetryAttempts: '3' } },
            ],
          },
          physicalId: 'app-rule',
          attributes: {},
        },
      ]);
      await cloud.call('events', 'PutEvents', {
        Entries: [{ ...ENTRY, EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/app' }],
      });
      const got = await cloud.call('sqs', 'ReceiveMessage', { QueueUrl: 'tq', WaitTimeSeconds: 20 });
      expect(JSON.parse(got.Messages[0].Body).detail.orderId).toBe('o-1');
    } finally {
      await cloud.close();
    }
  });

  it('forwards events between buses and stops a forwarding loop', async () => {
    const cloud = await startTestCloud();
    try {
      await addService(cloud, createSqsService);
      const events = await addService(cloud, createEventsService);
      await cloud.call('sqs', 'CreateQueue', { QueueName: 'fwd' });
      const busArn = (name: string) => `arn:aws:events:us-east-1:000000000000:event-bus/${name}`;
      for (const bus of ['a', 'b']) await cloud.call('events', 'CreateEventBus', { Name: bus });
      await cloud.call('events', 'PutRule', { Name: 'ab', EventBusName: 'a', EventPattern: PATTERN });
      await cloud.call('events', 'PutTargets', {
        Rule: 'ab',
        EventBusName: 'a',
        Targets: [{ Id: 'b', Arn: busArn('b') }],
      });
      await cloud.call('events', 'PutRule', { Name: 'ba', EventBusName: 'b', EventPattern: PATTERN });
      await cloud.call('events', 'PutTargets', {
        Rule: 'ba',
        EventBusName: 'b',
        Targets: [
          { Id: 'a', Arn: busArn('a') },
          { Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:fwd' },
        ],
      });
      await cloud.call('events', 'PutEvents', { Entries: [{ ...ENTRY, EventBusName: 'a' }] });
      await eventsBackendOf(events)!.whenIdle();
      const got = await cloud.call('sqs', 'ReceiveMessage', { QueueUrl: 'fwd', MaxNumberOfMessages: 10 });
      expect(got.Messages).toHaveLength(1);
    } finally {
      await cloud.close();
    }
  });

  it('keeps a template bus policy for DescribeEventBus', async () => {
    const cloud = await startTestCloud();
    try {
      const events = await addService(cloud, createEventsService);
      await events.provision!([
        {
          logicalId: 'Bus',
          type: 'AWS::Events::EventBus',
          properties: { Name: 'shared' },
          physicalId: 'shared',
          attributes: {},
        },
        {
          logicalId: 'Policy',
          type: 'AWS::Events::EventBusPolicy',
          properties: {
            EventBusName: 'shared',
            StatementId: 'allow-org',
            Action: 'events:PutEvents',
            Principal: '111111111111',
          },
          physicalId: 'p',
          attributes: {},
        },
      ]);
      const described = await cloud.call('events', 'DescribeEventBus', { Name: 'shared' });
      expect(JSON.parse(described.Policy).Statement).toEqual([
        expect.objectContaining({ Sid: 'allow-org', Action: 'events:PutEvents' }),
      ]);
    } finally {
      await cloud.close();
    }
  });

  it('runs a rate schedule, sending Scheduled Events to the targets', async () => {
    // Time scale 600: rate(1 minute) fires every 100 ms.
    const cloud = await startTestCloud({ timeScale: 600 });
    try {
      await addService(cloud, createSqsService);
      await addService(cloud, createEventsService);
      await cloud.call('sqs', 'CreateQueue', { QueueName: 'ticks' });
      await expect(
        cloud.call('events', 'PutRule', { Name: 'bad', ScheduleExpression: 'every minute' }),
      ).rejects.toMatchObject({
        code: 'ValidationException',
      });
      await cloud.call('events', 'PutRule', { Name: 'tick', ScheduleExpression: 'rate(1 minute)' });
      await cloud.call('events', 'PutTargets', {
        Rule: 'tick',
        Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:ticks' }],
      });
      // At this time scale a 20 s long poll lasts 33 ms, less than the first tick: poll until it comes.
      const got = await eventually(
        async () => (await cloud.call('sqs', 'ReceiveMessage', { QueueUrl: 'ticks', WaitTimeSeconds: 20 })).Messages,
      );
      expect(JSON.parse(got[0].Body)).toMatchObject({
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        resources: ['arn:aws:events:us-east-1:000000000000:rule/tick'],
        detail: {},
      });
    } finally {
      await cloud.close();
    }
  });

  it('fails loudly on a template target it cannot deliver to', async () => {
    const cloud = await startTestCloud();
    try {
      const events = await addService(cloud, createEventsService);
      await expect(
        events.provision!([
          {
            logicalId: 'Rule',
            type: 'AWS::Events::Rule',
            properties: {
              EventPattern: { source: ['x'] },
              Targets: [{ Id: 'T', Arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s' }],
            },
            physicalId: 'r',
            attributes: {},
          },
        ]),
      ).rejects.toThrow('not supported locally');
    } finally {
      await cloud.close();
    }
  });

  it('keeps buses, rules and targets created through the API across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'events-'));
    try {
      const first = await startTestCloud({ dataDir });
      await addService(first, createEventsService);
      await first.call('events', 'CreateEventBus', { Name: 'kept' });
      await first.call('events', 'PutRule', { Name: 'r', EventBusName: 'kept', EventPattern: PATTERN });
      await first.call('events', 'PutTargets', {
        Rule: 'r',
        EventBusName: 'kept',
        Targets: [{ Id: 't', Arn: 'arn:aws:sqs:us-east-1:000000000000:q' }],
      });
      await first.close();

      const second = await startTestCloud({ dataDir });
      try {
        await addService(second, createEventsService);
        const targets = await second.call('events', 'ListTargetsByRule', { Rule: 'r', EventBusName: 'kept' });
        expect(targets.Targets).toEqual([{ Id: 't', Arn: 'arn:aws:sqs:us-east-1:000000000000:q' }]);
        const match = await second.call('events', 'DescribeRule', { Name: 'r', EventBusName: 'kept' });
        expect(match.EventPattern).toBe(PATTERN);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
