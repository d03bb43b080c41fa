import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { createSnsService, type SnsService } from '../../../local/sns';
import { createSqsService } from '../../../local/sqs';
import { awsCli, awsCliAvailable, eventually, resource, sdkOverEdge, TestCloud, testContext } from '../lambda/support';

const topicArn = 'arn:aws:sns:us-east-1:000000000000:orders';
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

describe('local SNS', () => {
  let cloud: TestCloud;
  let sns: SnsService;
  const invocations: any[] = [];

  beforeAll(async () => {
    cloud = new TestCloud(testContext());
    await cloud.add(createSqsService);
    for (const name of ['envelope', 'raw', 'sdk-queue']) await cloud.call('sqs', 'CreateQueue', { QueueName: name });
    cloud.register({
      name: 'lambda',
      protocol: 'rest-json',
      operations: { Invoke: async (input: unknown) => invocations.push(input) && { StatusCode: 202, Payload: '' } },
    });
    sns = (await cloud.add(createSnsService)) as SnsService;
    await sns.provision?.([
      resource(
        'AWS::SNS::Topic',
        'Orders',
        { TopicName: 'orders', Subscription: [{ Protocol: 'email', Endpoint: 'ops@example.com' }] },
        topicArn,
        {
          TopicArn: topicArn,
          TopicName: 'orders',
        },
      ),
      resource(
        'AWS::SNS::Subscription',
        'Envelope',
        { TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn('envelope') },
        `${topicArn}:sub-1`,
      ),
      resource(
        'AWS::SNS::Subscription',
        'Raw',
        {
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: queueArn('raw'),
          RawMessageDelivery: true,
          FilterPolicy: { kind: ['urgent', { prefix: 'pri' }] },
        },
        `${topicArn}:sub-2`,
      ),
      resource(
        'AWS::SNS::Subscription',
        'Fn',
        { TopicArn: topicArn, Protocol: 'lambda', Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:notify' },
        `${topicArn}:sub-3`,
      ),
    ]);
  });

  const call = (operation: string, input: unknown) => cloud.call('sns', operation, input);
  afterAll(() => cloud.service('sqs').stop?.());
  /** Receive what is waiting on a queue (each message once: it stays invisible afterwards). */
  const receive = async (queue: string): Promise<{ Body: string; MessageAttributes?: Record<string, unknown> }[]> =>
    (
      await cloud.call('sqs', 'ReceiveMessage', {
        QueueUrl: queue,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      })
    ).Messages ?? [];
  const bodies = async (queue: string) => (await receive(queue)).map((m) => m.Body);

  it('fans a message out to SQS in the SNS envelope, to Lambda in the SNS event shape, and to e-mail', async () => {
    const { MessageId } = await call('Publish', {
      TopicArn: topicArn,
      Subject: 'New order',
      Message: '{"orderId":"o-1"}',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'normal' } },
    });

    const envelope = JSON.parse((await bodies('envelope')).at(-1) ?? '{}');
    expect(envelope).toMatchObject({
      Type: 'Notification',
      MessageId,
      TopicArn: topicArn,
      Subject: 'New order',
      Message: '{"orderId":"o-1"}',
      SignatureVersion: '1',
      MessageAttributes: { kind: { Type: 'String', Value: 'normal' } },
    });
    expect(envelope.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    const event = JSON.parse(invocations.at(-1).Payload);
    expect(invocations.at(-1)).toMatchObject({
      FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:notify',
      InvocationType: 'Event',
    });
    expect(event.Records[0]).toMatchObject({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${topicArn}:sub-3`,
      Sns: {
        MessageId,
        Subject: 'New order',
        Message: '{"orderId":"o-1"}',
        MessageAttributes: { kind: { Type: 'String', Value: 'normal' } },
      },
    });
    expect(event.Records[0].Sns.UnsubscribeUrl).toBeDefined();
    expect(sns.emails().at(-1)).toMatchObject({
      to: 'ops@example.com',
      subject: 'New order',
      body: '{"orderId":"o-1"}',
    });
  });

  it('applies the filter policy and delivers the raw message with its attributes when RawMessageDelivery is on', async () => {
    await call('Publish', {
      TopicArn: topicArn,
      Message: 'skip me',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'normal' } },
    });
    await call('Publish', {
      TopicArn: topicArn,
      Message: 'urgent one',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'urgent' } },
    });
    await call('Publish', {
      TopicArn: topicArn,
      Message: 'priority one',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'priority' } },
    });

    const delivered = await receive('raw');
    expect(delivered.map((m) => m.Body)).toEqual(['urgent one', 'priority one']);
    expect(delivered[1]?.MessageAttributes).toEqual({ kind: { DataType: 'String', StringValue: 'priority' } });
  });

  it('uses the per-protocol message of a MessageStructure json publish', async () => {
    await call('Publish', {
      TopicArn: topicArn,
      MessageStructure: 'json',
      Message: JSON.stringify({ default: 'plain', email: 'for humans' }),
    });

    expect(sns.emails().at(-1)?.body).toBe('for humans');
    expect(JSON.parse((await bodies('envelope')).at(-1) ?? '{}').Message).toBe('plain');
  });

  it('POSTs the envelope to an HTTP subscription with the SNS headers', async () => {
    const received: { headers: Record<string, unknown>; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await call('Subscribe', { TopicArn: topicArn, Protocol: 'http', Endpoint: `http://127.0.0.1:${port}/hook` });

    await call('Publish', { TopicArn: topicArn, Message: 'over http' });

    const delivery = await eventually(() => received[0]);
    expect(delivery.headers).toMatchObject({
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-topic-arn': topicArn,
    });
    expect(JSON.parse(delivery.body)).toMatchObject({ Type: 'Notification', Message: 'over http' });
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers NotFound for an unknown topic', async () => {
    await expect(call('Publish', { TopicArn: `${topicArn}-missing`, Message: 'x' })).rejects.toMatchObject({
      code: 'NotFound',
      status: 404,
    });
  });

  describe('through the AWS SDK (query protocol) and the edge', () => {
    const sdk = sdkOverEdge(
      () => cloud,
      (config) => new SNSClient(config),
    );

    it('creates a topic, subscribes a queue with raw delivery, publishes and lists', async () => {
      const { TopicArn } = await sdk.client.send(
        new CreateTopicCommand({ Name: 'sdk-topic', Attributes: { DisplayName: 'SDK' } }),
      );
      const { SubscriptionArn } = await sdk.client.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: queueArn('sdk-queue'),
          Attributes: { RawMessageDelivery: 'true' },
        }),
      );
      const published = await sdk.client.send(
        new PublishCommand({
          TopicArn,
          Message: 'hello',
          MessageAttributes: { source: { DataType: 'String', StringValue: 'sdk' } },
        }),
      );
      const topics = await sdk.client.send(new ListTopicsCommand({}));
      const attributes = await sdk.client.send(new GetTopicAttributesCommand({ TopicArn }));
      const subs = await sdk.client.send(new ListSubscriptionsByTopicCommand({ TopicArn }));

      expect(TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:sdk-topic');
      expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await receive('sdk-queue')).map((m) => [m.Body, m.MessageAttributes])).toEqual([
        ['hello', { source: { DataType: 'String', StringValue: 'sdk' } }],
      ]);
      expect(topics.Topics?.map((t) => t.TopicArn)).toEqual(expect.arrayContaining([topicArn, TopicArn]));
      expect(attributes.Attributes).toMatchObject({ TopicArn, DisplayName: 'SDK', SubscriptionsConfirmed: '1' });
      expect(subs.Subscriptions).toEqual([
        { SubscriptionArn, Owner: '000000000000', Protocol: 'sqs', Endpoint: queueArn('sdk-queue'), TopicArn },
      ]);
    });

    it('raises NotFoundException for an unknown topic', async () => {
      await expect(
        sdk.client.send(new PublishCommand({ TopicArn: `${topicArn}-nope`, Message: 'x' })),
      ).rejects.toMatchObject({
        name: 'NotFoundException',
      });
    });

    (awsCliAvailable ? it : it.skip)(
      'creates a topic and publishes through the AWS CLI',
      async () => {
        const created = await awsCli(sdk.edge.url, ['sns', 'create-topic', '--name', 'cli-topic']);
        const published = await awsCli(sdk.edge.url, [
          'sns',
          'publish',
          '--topic-arn',
          created.json.TopicArn,
          '--message',
          'from the cli',
        ]);
        const attributes = await awsCli(sdk.edge.url, [
          'sns',
          'get-topic-attributes',
          '--topic-arn',
          created.json.TopicArn,
        ]);

        expect(created.json.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:cli-topic');
        expect(published.json.MessageId).toMatch(/^[0-9a-f-]{36}$/);
        expect(attributes.json.Attributes).toMatchObject({
          TopicArn: created.json.TopicArn,
          SubscriptionsConfirmed: '0',
        });
      },
      30_000,
    );
  });
});

describe('local SNS persistence', () => {
  it('keeps topics and subscriptions created through the API across a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sns-test-'));
    const boot = async () => {
      const cloud = new TestCloud(testContext({ dataDir }));
      await cloud.add(createSnsService);
      return cloud;
    };
    const first = await boot();
    const { TopicArn } = await first.call('sns', 'CreateTopic', { Name: 'kept-topic' });
    await first.call('sns', 'Subscribe', { TopicArn, Protocol: 'email', Endpoint: 'kept@example.com' });

    const second = await boot();

    const topics = await second.call('sns', 'ListTopics', {});
    const subscriptions = await second.call('sns', 'ListSubscriptionsByTopic', { TopicArn });
    expect(topics.Topics).toEqual([{ TopicArn }]);
    expect(subscriptions.Subscriptions).toMatchObject([{ Protocol: 'email', Endpoint: 'kept@example.com' }]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
