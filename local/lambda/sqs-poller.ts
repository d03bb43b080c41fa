import { randomUUID } from 'node:crypto';
import type { Cloud, ResolvedResource } from '../core/types.ts';

/** An `AWS::Lambda::EventSourceMapping` on an SQS queue. */
export interface EventSourceMapping {
  readonly uuid: string;
  readonly functionArn: string;
  readonly functionName: string;
  readonly eventSourceArn: string;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly maximumConcurrency: number;
  readonly reportBatchItemFailures: boolean;
  /** `FilterCriteria` patterns (EventBridge pattern syntax); a record is processed when one matches. */
  readonly filters: readonly string[];
  readonly enabled: boolean;
  readonly lastModified: Date;
}

/** What the poller needs from the Lambda service: run the function, waiting for a free environment. */
export type InvokeForPoller = (
  functionName: string,
  payload: string,
) => Promise<{ payload?: string; error?: { errorType: string; errorMessage: string } }>;

const knownMappingProperties = new Set([
  'FunctionName',
  'EventSourceArn',
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'ScalingConfig',
  'FunctionResponseTypes',
  'FilterCriteria',
  'Enabled',
  'Tags',
]);

/** Pollers per mapping when the template sets no ScalingConfig (Lambda starts with a handful too). */
const defaultConcurrency = 2;

export const mappingFromResource = (
  resource: ResolvedResource,
  resolveFunction: (ref: string) => { name: string; arn: string },
): EventSourceMapping => {
  const p = resource.properties;
  const where = `${resource.logicalId} (AWS::Lambda::EventSourceMapping)`;
  for (const key of Object.keys(p)) {
    if (!knownMappingProperties.has(key)) throw new Error(`${where}: property ${key} is not supported locally`);
  }
  const source = String(p.EventSourceArn ?? '');
  if (source.split(':')[2] !== 'sqs') throw new Error(`${where}: only SQS event sources are supported locally`);
  const fn = resolveFunction(String(p.FunctionName));
  return {
    uuid: /^[0-9a-f-]{36}$/.test(resource.physicalId) ? resource.physicalId : randomUUID(),
    functionArn: fn.arn,
    functionName: fn.name,
    eventSourceArn: source,
    batchSize: Number(p.BatchSize ?? 10),
    batchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
    maximumConcurrency: Number(p.ScalingConfig?.MaximumConcurrency ?? defaultConcurrency),
    reportBatchItemFailures:
      Array.isArray(p.FunctionResponseTypes) && p.FunctionResponseTypes.includes('ReportBatchItemFailures'),
    filters: ((p.FilterCriteria?.Filters ?? []) as { Pattern?: unknown }[]).map((f) =>
      typeof f.Pattern === 'string' ? f.Pattern : JSON.stringify(f.Pattern),
    ),
    enabled: p.Enabled !== false && p.Enabled !== 'false',
    lastModified: new Date(),
  };
};

interface SqsMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody?: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: Record<
    string,
    {
      DataType: string;
      StringValue?: string;
      BinaryValue?: unknown;
      StringListValues?: string[];
      BinaryListValues?: unknown[];
    }
  >;
}

const base64 = (value: unknown): string =>
  typeof value === 'string' ? value : Buffer.from(value as Uint8Array).toString('base64');

/** One record of the SQS event exactly as Lambda builds it (camel-cased message attributes). */
export const sqsRecord = (message: SqsMessage, queueArn: string): Record<string, unknown> => {
  const messageAttributes: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      stringValue: attribute.StringValue,
      binaryValue: attribute.BinaryValue === undefined ? undefined : base64(attribute.BinaryValue),
      stringListValues: attribute.StringListValues ?? [],
      binaryListValues: (attribute.BinaryListValues ?? []).map(base64),
      dataType: attribute.DataType,
    };
  }
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes: message.Attributes ?? {},
    messageAttributes,
    md5OfBody: message.MD5OfBody,
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3],
  };
};

/**
 * Messages of the batch that the function reported as failed; `'all'` when the whole batch failed (an
 * error, or a malformed `batchItemFailures` answer, which Lambda also treats as a full failure).
 */
export const failedMessageIds = (payload: string | undefined, batch: readonly SqsMessage[]): Set<string> | 'all' => {
  let answer: unknown;
  try {
    answer = payload ? JSON.parse(payload) : null;
  } catch {
    return 'all';
  }
  const failures = (answer as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return 'all';
  const ids = new Set(batch.map((m) => m.MessageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * Polls one queue for one mapping with up to `MaximumConcurrency` loops. Visibility timeout and redrive stay
 * with the queue: a failed message is simply not deleted and comes back when its visibility timeout ends.
 */
export class SqsPoller {
  private stopped = false;
  private loops: Promise<void>[] = [];
  private queueUrl: string | undefined;

  constructor(
    private readonly cloud: Cloud,
    private readonly mapping: EventSourceMapping,
    private readonly invoke: InvokeForPoller,
    /** Long-poll wait per ReceiveMessage call, seconds (short so that stop() is prompt). */
    private readonly pollWaitSeconds = 2,
  ) {}

  start(): void {
    if (!this.mapping.enabled) return;
    for (let i = 0; i < Math.max(1, this.mapping.maximumConcurrency); i++) this.loops.push(this.loop());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.race([Promise.all(this.loops), sleep((this.pollWaitSeconds + 1) * 1000)]);
  }

  private async url(): Promise<string> {
    if (!this.queueUrl) {
      const [, , , , account, queueName] = this.mapping.eventSourceArn.split(':');
      const answer = await this.cloud.call<{ QueueUrl: string }>(
        'sqs',
        'GetQueueUrl',
        { QueueName: queueName, QueueOwnerAWSAccountId: account },
        'lambda',
      );
      this.queueUrl = answer.QueueUrl;
    }
    return this.queueUrl;
  }

  private async receive(max: number, waitSeconds: number): Promise<SqsMessage[]> {
    const answer = await this.cloud.call<{ Messages?: SqsMessage[] }>(
      'sqs',
      'ReceiveMessage',
      {
        QueueUrl: await this.url(),
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      },
      'lambda',
    );
    return answer.Messages ?? [];
  }

  /** Gather up to BatchSize messages, waiting at most the batching window once the first one arrived. */
  private async collect(): Promise<SqsMessage[]> {
    const batch = await this.receive(this.mapping.batchSize, this.pollWaitSeconds);
    if (!batch.length) return batch;
    const deadline = Date.now() + (this.mapping.batchingWindowSeconds * 1000) / Math.max(1, this.cloud.ctx.timeScale);
    while (batch.length < this.mapping.batchSize && Date.now() < deadline && !this.stopped) {
      const waitSeconds = Math.min(this.pollWaitSeconds, Math.ceil((deadline - Date.now()) / 1000));
      const more = await this.receive(this.mapping.batchSize - batch.length, waitSeconds);
      if (!more.length && waitSeconds <= 0) break;
      batch.push(...more);
    }
    return batch;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const batch = await this.collect();
        if (!batch.length || this.stopped) continue;
        await this.process(batch);
      } catch (error) {
        this.cloud.ctx.log.warn('SQS event source mapping failed to poll', {
          uuid: this.mapping.uuid,
          queue: this.mapping.eventSourceArn,
          error: (error as Error).message,
        });
        await sleep(1000);
      }
    }
  }

  /**
   * Whether a record passes the mapping's filters. Lambda matches the record with the body parsed when it is JSON;
   * the pattern matching itself is the EventBridge service's (`TestEventPattern`), which wants an event envelope.
   */
  private async passes(message: SqsMessage): Promise<boolean> {
    const record = sqsRecord(message, this.mapping.eventSourceArn);
    let body: unknown = message.Body;
    try {
      body = JSON.parse(message.Body);
    } catch {
      // A body that is not JSON is matched as a string.
    }
    const envelope = { id: message.MessageId, account: '', source: '', time: '', region: '', 'detail-type': '' };
    const event = JSON.stringify({ ...envelope, ...record, body });
    for (const pattern of this.mapping.filters) {
      const answer = await this.cloud.call<{ Result: boolean }>(
        'events',
        'TestEventPattern',
        { EventPattern: pattern, Event: event },
        'lambda',
      );
      if (answer.Result) return true;
    }
    return false;
  }

  private async delete(messages: readonly SqsMessage[]): Promise<void> {
    if (!messages.length) return;
    await this.cloud.call(
      'sqs',
      'DeleteMessageBatch',
      {
        QueueUrl: await this.url(),
        Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      },
      'lambda',
    );
  }

  private async process(received: SqsMessage[]): Promise<void> {
    let batch = received;
    if (this.mapping.filters.length) {
      const verdicts = await Promise.all(received.map((message) => this.passes(message)));
      // Lambda deletes the SQS messages its filters leave out.
      await this.delete(received.filter((_, i) => !verdicts[i]));
      batch = received.filter((_, i) => verdicts[i]);
      if (!batch.length) return;
    }
    const event = { Records: batch.map((message) => sqsRecord(message, this.mapping.eventSourceArn)) };
    const result = await this.invoke(this.mapping.functionName, JSON.stringify(event));
    if (result.error) return;
    const failed = this.mapping.reportBatchItemFailures ? failedMessageIds(result.payload, batch) : new Set<string>();
    if (failed === 'all') return;
    await this.delete(batch.filter((message) => !failed.has(message.MessageId)));
  }
}
