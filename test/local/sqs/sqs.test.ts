/**
 * The local SQS through the real `@aws-sdk/client-sqs` (which verifies the MD5 digests it is answered), and
 * in-process through `cloud.call` as other local services use it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddPermissionCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  RemovePermissionCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { Service } from '../../../local/core/types';
import { createSqsService, sqsBackendOf } from '../../../local/sqs';
import { md5OfAttributes } from '../../../local/sqs/md5';
import { addService, clientConfig, eventually, startTestCloud, type TestCloud } from './support';

describe('local SQS through the AWS SDK', () => {
  let cloud: TestCloud;
  let sqs: SQSClient;
  let n = 0;
  const newQueue = async (attributes: Record<string, string> = {}, suffix = ''): Promise<string> => {
    const out = await sqs.send(new CreateQueueCommand({ QueueName: `q${++n}${suffix}`, Attributes: attributes }));
    return out.QueueUrl!;
  };

  beforeAll(async () => {
    // Time scale 20: a 1 s visibility timeout lasts 50 ms.
    cloud = await startTestCloud({ timeScale: 20 });
    await addService(cloud, createSqsService);
    sqs = new SQSClient(clientConfig(cloud));
  });
  afterAll(async () => {
    sqs.destroy();
    await cloud.close();
  });

  it('answers queue URLs on the local endpoint', async () => {
    const url = await newQueue();
    expect(url).toBe(`${cloud.url}/000000000000/q${n}`);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: `q${n}` }))).QueueUrl).toBe(url);
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `q${n}` }))).QueueUrls).toEqual([url]);
  });

  it('round-trips a message with String, Number and Binary attributes and matching MD5s', async () => {
    const QueueUrl = await newQueue();
    const MessageAttributes = {
      city: { DataType: 'String', StringValue: 'Lyon' },
      count: { DataType: 'Number', StringValue: '3' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 255]) },
    };
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'héllo 🚀', MessageAttributes }));
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    const message = got.Messages![0]!;
    expect(message.Body).toBe('héllo 🚀');
    expect(message.MD5OfBody).toBe(createHash('md5').update('héllo 🚀').digest('hex'));
    expect(sent.MD5OfMessageAttributes).toBe(message.MD5OfMessageAttributes);
    expect(message.MessageAttributes?.count).toEqual({ DataType: 'Number', StringValue: '3' });
    expect(Buffer.from(message.MessageAttributes!.blob!.BinaryValue!)).toEqual(Buffer.from([1, 2, 255]));
    expect(message.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(Number(message.Attributes?.SentTimestamp)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('digests attributes with the documented encoding (sorted, length-prefixed, transport byte)', () => {
    const field = (s: string | Buffer) => {
      const bytes = Buffer.isBuffer(s) ? s : Buffer.from(s);
      return Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
    };
    const expected = createHash('md5')
      .update(Buffer.concat([field('a'), field('Binary'), Buffer.from([2]), field(Buffer.from([9]))]))
      .update(Buffer.concat([field('b'), field('String'), Buffer.from([1]), field('x')]))
      .digest('hex');
    const actual = md5OfAttributes({
      b: { DataType: 'String', StringValue: 'x' },
      a: { DataType: 'Binary', BinaryValue: Buffer.from([9]).toString('base64') },
    });
    expect(actual).toBe(expected);
  });

  it('agrees with published attribute digests of other SQS implementations', () => {
    expect(
      md5OfAttributes({
        ordinal: { DataType: 'Number', StringValue: '1' },
        category: { DataType: 'String', StringValue: 'test' },
      }),
    ).toBe('d21ae90c49061e927f57df5f5d72be1f');
    expect(md5OfAttributes({ SellerName: { DataType: 'String', StringValue: 'Example Store' } })).toBe(
      'cd28f3b68aeee4b2eac9c66f2f694b58',
    );
  });

  it('answers a long poll as soon as a message arrives', async () => {
    const QueueUrl = await newQueue();
    const started = Date.now();
    // WaitTimeSeconds 20 at time scale 20 would last a second; the message comes after 50 ms.
    const poll = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    setTimeout(() => void sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'late' })), 50);
    const got = await poll;
    expect(got.Messages?.[0]?.Body).toBe('late');
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('hides a received message for its visibility timeout, then delivers it again', async () => {
    const QueueUrl = await newQueue({ VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'again' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const again = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        WaitTimeSeconds: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('makes a message visible at once with ChangeMessageVisibility 0, and deletes it', async () => {
    const QueueUrl = await newQueue({ VisibilityTimeout: '600' });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages![0]!;
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0 }),
    );
    const second = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages![0]!;
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second.ReceiptHandle }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(attrs.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  it('answers MessageNotInflight for a message that is not in flight', async () => {
    const QueueUrl = await newQueue({ VisibilityTimeout: '0' });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    const m = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages![0]!;
    await expect(
      sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 5 })),
    ).rejects.toMatchObject({ name: 'MessageNotInflight' });
  });

  it('delays a message by DelaySeconds', async () => {
    const QueueUrl = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 2 }));
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    expect(got.Messages?.[0]?.Body).toBe('later');
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives, and redrives it back', async () => {
    const dlqUrl = await newQueue();
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] })))
      .Attributes!.QueueArn!;
    const QueueUrl = await newQueue({
      VisibilityTimeout: '0',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
    });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();

    const dead = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'] }),
    );
    expect(dead.Messages?.[0]?.Body).toBe('poison');
    expect(dead.Messages?.[0]?.Attributes?.DeadLetterQueueSourceArn).toMatch(/:q\d+$/);
    expect((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }))).queueUrls).toEqual([QueueUrl]);

    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    const back = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    expect(back.Messages?.[0]?.Body).toBe('poison');
  });

  it('sends and deletes in batches, failing only the bad entries', async () => {
    const QueueUrl = await newQueue();
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
          { Id: 'c', MessageBody: 'bad \u0000 char' },
        ],
      }),
    );
    expect(sent.Successful?.map((e) => e.Id)).toEqual(['a', 'b']);
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: 'c', Code: 'InvalidMessageContents', SenderFault: true }),
    ]);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(got.Messages?.map((m) => m.Body)).toEqual(['one', 'two']);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: got.Messages!.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    expect(deleted.Successful).toHaveLength(2);
  });

  it('keeps FIFO order within a group and drops duplicates', async () => {
    const QueueUrl = await newQueue({ FifoQueue: 'true', ContentBasedDeduplication: 'true' }, '.fifo');
    for (const body of ['1', '2', '2', '3'])
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: 'g' }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
    expect(first.Messages?.[0]?.Body).toBe('1');
    // The group is blocked while its head is in flight.
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.Messages![0]!.ReceiptHandle }));
    const rest = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(rest.Messages?.map((m) => m.Body)).toEqual(['2', '3']);
  });

  it('answers the existing queue for a repeated CreateQueue, and QueueAlreadyExists when an attribute differs', async () => {
    const QueueUrl = await newQueue({ VisibilityTimeout: '5' });
    const QueueName = QueueUrl.split('/').pop()!;
    expect((await sqs.send(new CreateQueueCommand({ QueueName }))).QueueUrl).toBe(QueueUrl);
    expect(
      (await sqs.send(new CreateQueueCommand({ QueueName, Attributes: { VisibilityTimeout: '5' } }))).QueueUrl,
    ).toBe(QueueUrl);
    await expect(
      sqs.send(new CreateQueueCommand({ QueueName, Attributes: { VisibilityTimeout: '6' } })),
    ).rejects.toMatchObject({ name: 'QueueNameExists' });
  });

  it('answers QueueDoesNotExist for an unknown queue', async () => {
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
  });

  it('rejects an unknown queue attribute', async () => {
    const QueueUrl = await newQueue();
    await expect(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Colour: 'blue' } as Record<string, string> })),
    ).rejects.toMatchObject({
      name: 'InvalidAttributeName',
    });
  });

  it('keeps permissions added with AddPermission in the queue policy until removed', async () => {
    const QueueUrl = await newQueue();
    await sqs.send(
      new AddPermissionCommand({ QueueUrl, Label: 'p1', AWSAccountIds: ['111111111111'], Actions: ['SendMessage'] }),
    );
    const policy = async () =>
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }))).Attributes?.Policy;
    expect(JSON.parse((await policy())!).Statement).toEqual([
      expect.objectContaining({ Sid: 'p1', Action: ['SQS:SendMessage'] }),
    ]);
    await sqs.send(new RemovePermissionCommand({ QueueUrl, Label: 'p1' }));
    expect(JSON.parse((await policy())!).Statement).toEqual([]);
  });

  it('purges a queue', async () => {
    const QueueUrl = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
  });
});

describe('local SQS in-process', () => {
  it('serves a long poll through cloud.call by queue ARN and resolves when a message arrives', async () => {
    const cloud = await startTestCloud();
    try {
      await addService(cloud, createSqsService);
      await cloud.call('sqs', 'CreateQueue', { QueueName: 'inproc' });
      const arn = `arn:aws:sqs:us-east-1:000000000000:inproc`;
      const poll = cloud.call('sqs', 'ReceiveMessage', { QueueUrl: arn, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 });
      await cloud.call('sqs', 'SendMessage', { QueueUrl: arn, MessageBody: 'hi' });
      const got = await poll;
      expect(got.Messages[0].Body).toBe('hi');
      await cloud.call('sqs', 'DeleteMessage', { QueueUrl: arn, ReceiptHandle: got.Messages[0].ReceiptHandle });
    } finally {
      await cloud.close();
    }
  });

  it('drops messages older than the retention period', async () => {
    // Time scale 600: the minimum retention of 60 s lasts 100 ms.
    const cloud = await startTestCloud({ timeScale: 600 });
    try {
      await addService(cloud, createSqsService);
      const { QueueUrl } = await cloud.call('sqs', 'CreateQueue', {
        QueueName: 'short',
        Attributes: { MessageRetentionPeriod: '60' },
      });
      await cloud.call('sqs', 'SendMessage', { QueueUrl, MessageBody: 'old' });
      const count = async () =>
        Number(
          (await cloud.call('sqs', 'GetQueueAttributes', { QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))
            .Attributes.ApproximateNumberOfMessages,
        );
      expect(await count()).toBe(1);
      await eventually(async () => ((await count()) === 0 ? true : undefined), 3000);
      expect((await cloud.call('sqs', 'ReceiveMessage', { QueueUrl })).Messages).toBeUndefined();
    } finally {
      await cloud.close();
    }
  });

  it('keeps queues and messages across a restart, making in-flight messages visible again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sqs-'));
    try {
      const first = await startTestCloud({ dataDir });
      await addService(first, createSqsService);
      const { QueueUrl } = await first.call('sqs', 'CreateQueue', {
        QueueName: 'durable',
        Attributes: { VisibilityTimeout: '600' },
      });
      await first.call('sqs', 'SendMessage', { QueueUrl, MessageBody: 'kept' });
      await first.call('sqs', 'ReceiveMessage', { QueueUrl });
      await first.close();

      const second = await startTestCloud({ dataDir });
      try {
        await addService(second, createSqsService);
        const got = await second.call('sqs', 'ReceiveMessage', {
          QueueUrl: 'durable',
          AttributeNames: ['ApproximateReceiveCount'],
        });
        expect(got.Messages[0]).toMatchObject({ Body: 'kept', Attributes: { ApproximateReceiveCount: '2' } });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('publishes queue depth and message counts to CloudWatch under AWS/SQS', async () => {
    const cloud = await startTestCloud();
    try {
      const service = await addService(cloud, createSqsService);
      const published: {
        Namespace: string;
        MetricData: { MetricName: string; Value: number; Dimensions: unknown }[];
      }[] = [];
      cloud.add({
        name: 'monitoring',
        protocol: 'query',
        operations: { PutMetricData: async (input) => published.push(input) },
      } as Service);
      const { QueueUrl } = await cloud.call('sqs', 'CreateQueue', { QueueName: 'measured' });
      await cloud.call('sqs', 'SendMessage', { QueueUrl, MessageBody: 'a' });
      await cloud.call('sqs', 'SendMessage', { QueueUrl, MessageBody: 'b' });
      await cloud.call('sqs', 'ReceiveMessage', { QueueUrl });
      expect(
        sqsBackendOf(service)!
          .peek('measured')
          .map((m) => [m.body, m.inFlight]),
      ).toEqual([
        ['a', true],
        ['b', false],
      ]);
      await sqsBackendOf(service)!.publishMetrics();
      const values = Object.fromEntries(
        published
          .filter((p) => p.Namespace === 'AWS/SQS')
          .flatMap((p) => p.MetricData.map((d) => [d.MetricName, d.Value])),
      );
      expect(values).toMatchObject({
        ApproximateNumberOfMessagesVisible: 1,
        ApproximateNumberOfMessagesNotVisible: 1,
        NumberOfMessagesSent: 2,
        NumberOfMessagesReceived: 1,
      });
    } finally {
      await cloud.close();
    }
  });

  it('turns query-protocol parameters into API input and answers in query element names', async () => {
    const cloud = await startTestCloud();
    try {
      const service = await addService(cloud, createSqsService);
      const create = service.queryInput!('CreateQueue', {
        Action: 'CreateQueue',
        QueueName: 'viaquery',
        'Attribute.1.Name': 'VisibilityTimeout',
        'Attribute.1.Value': '45',
      });
      await service.operations.CreateQueue!(create, { requestId: 'q', caller: 'edge' });
      const send = service.queryInput!('SendMessage', {
        QueueUrl: `${cloud.url}/000000000000/viaquery`,
        MessageBody: 'b',
        'MessageAttribute.1.Name': 'k',
        'MessageAttribute.1.Value.DataType': 'String',
        'MessageAttribute.1.Value.StringValue': 'v',
      });
      await service.operations.SendMessage!(send, { requestId: 'q', caller: 'edge' });
      const receive = service.queryInput!('ReceiveMessage', {
        QueueUrl: `${cloud.url}/000000000000/viaquery`,
        'MessageAttributeName.1': 'All',
        'AttributeName.1': 'All',
      });
      const out = await service.operations.ReceiveMessage!(receive, { requestId: 'q', caller: 'edge' });
      expect(out.Message[0]).toMatchObject({
        Body: 'b',
        MessageAttribute: [{ Name: 'k', Value: { DataType: 'String', StringValue: 'v' } }],
      });
      const attrs = await service.operations.GetQueueAttributes!(
        service.queryInput!('GetQueueAttributes', { QueueUrl: 'viaquery', 'AttributeName.1': 'VisibilityTimeout' }),
        { requestId: 'q', caller: 'edge' },
      );
      expect(attrs).toEqual({ Attribute: [{ Name: 'VisibilityTimeout', Value: '45' }] });
    } finally {
      await cloud.close();
    }
  });
});
