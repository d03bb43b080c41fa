/**
 * The local SQS: standard and FIFO queues, messages with attributes and the MD5 digests the SDKs verify, long
 * polling, delays, retention, visibility timeouts and redrive to dead-letter queues, DLQ redrive back to the
 * source (StartMessageMoveTask), persistence under `<dataDir>/sqs`.
 *
 * Built in-process rather than on `local-aws-sqs` 2.0.2: that package is an HTTP server (no operations as
 * functions for other services to call), has no persistence or time scale, and its repository is not listed.
 *
 * Other services call the operations through `cloud.call('sqs', ...)`; `QueueUrl` may there also be the queue's
 * ARN or name (an event source mapping only knows the ARN). Seconds (visibility, delay, wait, retention) are
 * divided by the local time scale.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { arnName } from '../core/arn';
import { AwsError } from '../core/errors';
import { jsonState } from '../core/json-state';
import type {
  CallContext,
  Cloud,
  LocalContext,
  Operation,
  ResolvedResource,
  Service,
  ServiceFactory,
} from '../core/types';
import { type MessageAttributeValue, md5OfAttributes } from './md5';
import { fromQueryParams, isQueryInput, toQueryOutput } from './query';
import { type Clock, InvalidHandleError, Queue, type QueueState, type StoredMessage } from './queue';

export type { MessageAttributeValue } from './md5';

// biome-ignore lint/suspicious/noExplicitAny: AWS API inputs are untyped JSON, validated field by field where used.
type Json = Record<string, any>;

/** An SQS error: `code` is the JSON protocol's error name, `queryCode` the query protocol's (they differ). */
const error = (code: string, message: string, queryCode?: string, status = 400): AwsError =>
  new AwsError(code, message, status, true, queryCode);
const noQueue = (): AwsError =>
  error('QueueDoesNotExist', 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue');
const invalidValue = (message: string): AwsError => error('InvalidParameterValue', message, 'InvalidParameterValue');
const missing = (name: string): AwsError =>
  error('MissingParameter', `The request must contain the parameter ${name}.`, 'MissingParameter');

/** Queue attribute defaults and bounds (AWS seconds/bytes), as strings like the API. */
const SETTINGS: Record<string, { default?: string; min?: number; max?: number }> = {
  DelaySeconds: { default: '0', min: 0, max: 900 },
  MaximumMessageSize: { default: '262144', min: 1024, max: 1048576 },
  MessageRetentionPeriod: { default: '345600', min: 60, max: 1209600 },
  ReceiveMessageWaitTimeSeconds: { default: '0', min: 0, max: 20 },
  VisibilityTimeout: { default: '30', min: 0, max: 43200 },
  KmsDataKeyReusePeriodSeconds: { min: 60, max: 86400 },
  Policy: {},
  RedrivePolicy: {},
  RedriveAllowPolicy: {},
  KmsMasterKeyId: {},
  SqsManagedSseEnabled: { default: 'true' },
  FifoQueue: {},
  ContentBasedDeduplication: {},
  DeduplicationScope: {},
  FifoThroughputLimit: {},
};
const FIFO_ONLY = ['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'];
const COMPUTED = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
];
const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];
// biome-ignore lint/suspicious/noControlCharactersInRegex: SQS defines the valid body characters by code points, tab, LF and CR included.
const VALID_BODY = /^[\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;

interface MoveTask {
  TaskHandle: string;
  Status: string;
  SourceArn: string;
  DestinationArn?: string;
  ApproximateNumberOfMessagesMoved: number;
  ApproximateNumberOfMessagesToMove: number;
  StartedTimestamp: number;
}

interface PersistedState {
  readonly queues: QueueState[];
}

/** A summary of a queue for the console. */
export interface QueueSummary {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  /** ARN of its dead-letter queue, when it has a redrive policy. */
  readonly deadLetterTargetArn?: string;
}

const num = (value: unknown, name: string): number | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n))
    throw invalidValue(`Value ${value} for parameter ${name} is invalid. Reason: must be an integer.`);
  return n;
};

const ranged = (value: unknown, name: string, min: number, max: number, reason?: string): number | undefined => {
  const n = num(value, name);
  if (n !== undefined && (n < min || n > max))
    throw invalidValue(
      `Value ${value} for parameter ${name} is invalid. Reason: ${reason ?? `Must be between ${min} and ${max}, if provided.`}`,
    );
  return n;
};

/** Normalises a binary value given as base64 text (wire) or bytes (in-process callers) to base64. */
const base64 = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  throw invalidValue('BinaryValue must be base64 text or bytes.');
};

const validateAttributes = (
  raw: Record<string, Partial<MessageAttributeValue> & { BinaryValue?: unknown }> | undefined,
  kind: 'message' | 'system',
): Record<string, MessageAttributeValue> => {
  const out: Record<string, MessageAttributeValue> = {};
  if (!raw) return out;
  const names = Object.keys(raw);
  if (names.length > 10)
    throw invalidValue(`Number of message attributes [${names.length}] exceeds the allowed maximum [10].`);
  for (const name of names) {
    const value = raw[name]!;
    if (kind === 'system' && name !== 'AWSTraceHeader')
      throw invalidValue(`Message system attribute name '${name}' is invalid.`);
    if (
      kind === 'message' &&
      (!/^[A-Za-z0-9_.-]{1,256}$/.test(name) ||
        /^(aws\.|amazon\.)/i.test(name) ||
        name.includes('..') ||
        name.startsWith('.') ||
        name.endsWith('.'))
    )
      throw invalidValue(`Message (user) attribute name '${name}' is invalid.`);
    const type = value.DataType;
    if (!type) throw invalidValue(`The message attribute '${name}' must contain non-empty message attribute type.`);
    const base = type.split('.')[0];
    if (base === 'Binary') {
      const binary = base64(value.BinaryValue);
      if (!binary) throw invalidValue(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      out[name] = { DataType: type, BinaryValue: binary };
    } else if (base === 'String' || base === 'Number') {
      if (value.StringValue === undefined || value.StringValue === '')
        throw invalidValue(
          `The message attribute '${name}' must contain a non-empty message attribute value for message attribute type '${base}'.`,
        );
      if (base === 'Number' && !Number.isFinite(Number(value.StringValue)))
        throw invalidValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
      out[name] = { DataType: type, StringValue: value.StringValue };
    } else {
      throw invalidValue(
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
  }
  return out;
};

const attributesSize = (attributes: Record<string, MessageAttributeValue>): number =>
  Object.entries(attributes).reduce(
    (sum, [name, a]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(a.DataType) +
      (a.BinaryValue !== undefined
        ? Buffer.from(a.BinaryValue, 'base64').length
        : Buffer.byteLength(a.StringValue ?? '')),
    0,
  );

/** Picks the message attributes a receive asked for (`All`, `.*`, `prefix.*`, exact names). */
const selectAttributes = (
  attributes: Record<string, MessageAttributeValue>,
  wanted: readonly string[] | undefined,
): Record<string, MessageAttributeValue> => {
  if (!wanted || wanted.length === 0) return {};
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const hit = wanted.some(
      (w) => w === 'All' || w === '.*' || w === name || (w.endsWith('.*') && name.startsWith(w.slice(0, -1))),
    );
    if (hit) out[name] = value;
  }
  return out;
};

/** The SQS model shared by the service operations, other services (in-process) and the console. */
export class SqsBackend {
  readonly queues = new Map<string, Queue>();
  private readonly moveTasks: MoveTask[] = [];
  readonly clock: Clock;
  private readonly state;
  private readonly base: string;
  private stopped = false;

  private readonly counters = new Map<string, number>();
  private metricsTimer?: NodeJS.Timeout;

  constructor(
    readonly ctx: LocalContext,
    private readonly cloud?: Cloud,
  ) {
    const scale = ctx.timeScale > 0 ? ctx.timeScale : 1;
    this.clock = { now: () => Date.now(), ms: (seconds) => (seconds * 1000) / scale };
    this.base = ctx.endpoint.replace(/\/+$/, '');
    this.state = jsonState<PersistedState>(ctx.dataDir ? join(ctx.dataDir, 'sqs') : undefined, () => ({
      queues: [...this.queues.values()].map((q) => q.state()),
    }));
    for (const restored of this.state.load()?.queues ?? []) {
      this.queues.set(
        restored.name,
        new Queue(
          restored.name,
          this.urlOf(restored.name),
          this.arnOf(restored.name),
          restored.attributes,
          restored.tags,
          restored.createdTimestamp,
          this.clock,
          restored,
        ),
      );
    }
  }

  urlOf(name: string): string {
    return `${this.base}/${this.ctx.accountId}/${name}`;
  }

  arnOf(name: string): string {
    return `arn:aws:sqs:${this.ctx.region}:${this.ctx.accountId}:${name}`;
  }

  /** The queue a URL, ARN or name designates. */
  queue(ref: unknown): Queue {
    if (typeof ref !== 'string' || ref === '') throw missing('QueueUrl');
    const name = ref.startsWith('arn:')
      ? arnName(ref)
      : (ref.split('?')[0]!.replace(/\/+$/, '').split('/').pop() ?? ref);
    const queue = this.queues.get(name);
    if (!queue) throw noQueue();
    return queue;
  }

  changed(): void {
    this.state.changed();
  }

  /** Counts a per-queue AWS/SQS metric (NumberOfMessagesSent, ...) until the next publication. */
  count(queue: Queue, metric: string, by = 1): void {
    const key = `${queue.name}\u0000${metric}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  /** Publishes queue depths and counters to the local CloudWatch every (scaled) minute, as SQS does. */
  startMetrics(): void {
    const everyMs = Math.max(1000, this.clock.ms(60));
    this.metricsTimer = setInterval(() => void this.publishMetrics(), everyMs);
    this.metricsTimer.unref();
  }

  /** Sends the current queue depths and the counters gathered since the last call to `monitoring`, if it runs. */
  async publishMetrics(): Promise<void> {
    if (!this.cloud) return;
    try {
      this.cloud.service('monitoring');
    } catch {
      return;
    }
    const timestamp = Date.now() / 1000;
    const datum = (queue: string, name: string, value: number) => ({
      MetricName: name,
      Dimensions: [{ Name: 'QueueName', Value: queue }],
      Value: value,
      Unit: 'Count',
      Timestamp: timestamp,
    });
    const data = [...this.queues.values()].flatMap((q) => {
      const counts = q.counts();
      return [
        datum(q.name, 'ApproximateNumberOfMessagesVisible', counts.visible),
        datum(q.name, 'ApproximateNumberOfMessagesNotVisible', counts.inFlight),
        datum(q.name, 'ApproximateNumberOfMessagesDelayed', counts.delayed),
      ];
    });
    for (const [key, value] of this.counters) {
      const [queue, metric] = key.split('\u0000') as [string, string];
      data.push(datum(queue, metric, value));
    }
    this.counters.clear();
    for (let i = 0; i < data.length; i += 20) {
      await this.cloud
        .call('monitoring', 'PutMetricData', { Namespace: 'AWS/SQS', MetricData: data.slice(i, i + 20) }, 'sqs')
        .catch(() => undefined);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    for (const queue of this.queues.values()) queue.wake();
    this.state.flush();
  }

  summaries(): QueueSummary[] {
    return [...this.queues.values()].map((q) => ({
      name: q.name,
      url: q.url,
      arn: q.arn,
      fifo: q.fifo,
      ...q.counts(),
      deadLetterTargetArn: redrivePolicy(q)?.deadLetterTargetArn,
    }));
  }

  /** The first messages of a queue as they are stored, without receiving them (console: inspect a DLQ). */
  peek(
    ref: string,
    limit = 50,
  ): { messageId: string; body: string; sentTimestamp: number; receiveCount: number; inFlight: boolean }[] {
    const queue = this.queue(ref);
    const now = this.clock.now();
    return [...queue.messages.values()].slice(0, limit).map((m) => ({
      messageId: m.messageId,
      body: m.body,
      sentTimestamp: m.sentTimestamp,
      receiveCount: m.receiveCount,
      inFlight: m.visibleAt > now && m.receiptHandle !== undefined,
    }));
  }

  /** Creates a queue (or answers the existing one when its attributes agree). */
  createQueue(
    name: string,
    attributes: Record<string, string>,
    tags: Record<string, string>,
    fromTemplate = false,
  ): Queue {
    const fifo = name.endsWith('.fifo');
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(fifo ? name.slice(0, -5) : name) || name.length > 80)
      throw invalidValue(
        fifo
          ? 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.'
          : 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    const settings = validateQueueAttributes(attributes, fifo);
    if (fifo !== (settings.FifoQueue === 'true')) {
      if (fifo && settings.FifoQueue === undefined) settings.FifoQueue = 'true';
      else
        throw invalidValue(
          'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
        );
    }
    const existing = this.queues.get(name);
    if (existing) {
      if (fromTemplate) {
        existing.attributes = settings;
        existing.tags = tags;
        return existing;
      }
      // Only the attributes given are compared: creating an existing queue again without them answers its URL.
      for (const [key, value] of Object.entries(validateQueueAttributes(attributes, fifo, false))) {
        if (existing.attributes[key] !== value)
          throw error(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${key}`,
            'QueueAlreadyExists',
          );
      }
      return existing;
    }
    const now = this.clock.now();
    const queue = new Queue(name, this.urlOf(name), this.arnOf(name), settings, tags, now, this.clock);
    this.queues.set(name, queue);
    this.changed();
    return queue;
  }

  /** Sends one message (validated); answers the SendMessage result fields. */
  send(queue: Queue, entry: Json, senderId: string): Record<string, string> {
    const body = entry.MessageBody;
    if (typeof body !== 'string' || body === '') throw missing('MessageBody');
    if (!VALID_BODY.test(body))
      throw error(
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
        'InvalidMessageContents',
      );
    const attributes = validateAttributes(entry.MessageAttributes, 'message');
    const systemAttributes = validateAttributes(entry.MessageSystemAttributes, 'system');
    const limit = queue.setting('MaximumMessageSize', 262144);
    if (Buffer.byteLength(body) + attributesSize(attributes) > limit)
      throw invalidValue(`One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`);
    const delay = ranged(entry.DelaySeconds, 'DelaySeconds', 0, 900);
    let groupId: string | undefined = entry.MessageGroupId;
    const deduplicationId: string | undefined = entry.MessageDeduplicationId;
    if (queue.fifo) {
      if (delay !== undefined && delay !== 0)
        throw invalidValue(
          `Value ${delay} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`,
        );
      if (!groupId) throw missing('MessageGroupId');
      if (deduplicationId === undefined && queue.attributes.ContentBasedDeduplication !== 'true')
        throw invalidValue(
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
    } else if (deduplicationId !== undefined) {
      throw invalidValue(
        `Value ${deduplicationId} for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.`,
      );
    } else if (groupId === '') groupId = undefined;
    this.count(queue, 'NumberOfMessagesSent');
    const { message } = queue.send({
      body,
      attributes,
      systemAttributes,
      delayMs: this.clock.ms(delay ?? queue.setting('DelaySeconds', 0)),
      groupId,
      deduplicationId,
      senderId,
    });
    this.changed();
    const out: Record<string, string> = { MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody };
    const md5Attributes = md5OfAttributes(attributes);
    if (md5Attributes) out.MD5OfMessageAttributes = md5Attributes;
    const md5System = md5OfAttributes(systemAttributes);
    if (md5System) out.MD5OfMessageSystemAttributes = md5System;
    if (message.sequenceNumber) out.SequenceNumber = message.sequenceNumber;
    return out;
  }

  /** Receives with long polling: resolves as soon as messages are visible or the wait is over. */
  async receive(queue: Queue, input: Json): Promise<Record<string, unknown>[]> {
    const max = ranged(input.MaxNumberOfMessages, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const visibility =
      ranged(input.VisibilityTimeout, 'VisibilityTimeout', 0, 43200) ?? queue.setting('VisibilityTimeout', 30);
    const wait =
      ranged(input.WaitTimeSeconds, 'WaitTimeSeconds', 0, 20) ?? queue.setting('ReceiveMessageWaitTimeSeconds', 0);
    const deadline = this.clock.now() + this.clock.ms(wait);
    const systemNames: string[] = [...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])];
    for (;;) {
      const taken = queue.take(max, this.clock.ms(visibility), this.deadLetterFor(queue));
      if (taken.length > 0) {
        this.count(queue, 'NumberOfMessagesReceived', taken.length);
        this.changed();
      }
      const now = this.clock.now();
      if (taken.length > 0 || now >= deadline || this.stopped || !this.queues.has(queue.name)) {
        if (taken.length === 0) this.count(queue, 'NumberOfEmptyReceives');
        return taken.map((m) => this.describeMessage(m, systemNames, input.MessageAttributeNames));
      }
      const next = queue.nextVisibleAt();
      await queue.waitForChange(Math.min(deadline, next ?? deadline) - now);
    }
  }

  private describeMessage(
    message: StoredMessage,
    systemNames: readonly string[],
    attributeNames: readonly string[] | undefined,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {
      MessageId: message.messageId,
      ReceiptHandle: message.receiptHandle,
      MD5OfBody: message.md5OfBody,
      Body: message.body,
    };
    const all = systemNames.includes('All');
    const system: Record<string, string | undefined> = {
      SenderId: message.senderId,
      SentTimestamp: String(message.sentTimestamp),
      ApproximateReceiveCount: String(message.receiveCount),
      ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? this.clock.now()),
      SequenceNumber: message.sequenceNumber,
      MessageDeduplicationId: message.deduplicationId,
      MessageGroupId: message.groupId,
      AWSTraceHeader: message.systemAttributes.AWSTraceHeader?.StringValue,
      DeadLetterQueueSourceArn: message.deadLetterSourceArn,
    };
    const attributes: Record<string, string> = {};
    for (const name of SYSTEM_ATTRIBUTES) {
      const value = system[name];
      if (value !== undefined && (all || systemNames.includes(name))) attributes[name] = value;
    }
    if (Object.keys(attributes).length > 0) out.Attributes = attributes;
    const selected = selectAttributes(message.attributes, attributeNames);
    const md5 = md5OfAttributes(selected);
    if (md5) {
      out.MD5OfMessageAttributes = md5;
      out.MessageAttributes = selected;
    }
    return out;
  }

  private deadLetterFor(queue: Queue): { maxReceiveCount: number; move: (m: StoredMessage) => void } | undefined {
    const policy = redrivePolicy(queue);
    if (!policy) return undefined;
    return {
      maxReceiveCount: policy.maxReceiveCount,
      move: (message) => {
        const target = this.queues.get(arnName(policy.deadLetterTargetArn));
        if (!target) {
          this.ctx.log.warn('sqs: dead-letter queue missing, message dropped', {
            queue: queue.name,
            dlq: policy.deadLetterTargetArn,
          });
          return;
        }
        this.moveMessage(message, queue, target);
      },
    };
  }

  private moveMessage(message: StoredMessage, from: Queue, to: Queue): void {
    const { message: moved } = to.send({
      body: message.body,
      delayMs: 0,
      senderId: message.senderId,
      original: message,
      groupId: message.groupId,
      deduplicationId: to.fifo ? (message.deduplicationId ?? message.messageId) : undefined,
    });
    moved.deadLetterSourceArn = from.arn;
  }

  /** Moves messages out of a dead-letter queue to their source (or the destination). */
  startMoveTask(sourceArn: string, destinationArn: string | undefined): MoveTask {
    const source = this.queue(sourceArn);
    const isDeadLetter = [...this.queues.values()].some((q) => redrivePolicy(q)?.deadLetterTargetArn === source.arn);
    if (!isDeadLetter && !destinationArn) throw invalidValue('Source queue must be configured as a Dead Letter Queue.');
    const destination = destinationArn ? this.queue(destinationArn) : undefined;
    const messages = [...source.messages.values()];
    let moved = 0;
    for (const message of messages) {
      const target =
        destination ??
        (message.deadLetterSourceArn ? this.queues.get(arnName(message.deadLetterSourceArn)) : undefined);
      if (!target) continue;
      source.remove(message.messageId);
      target.send({
        body: message.body,
        delayMs: 0,
        senderId: message.senderId,
        original: message,
        groupId: message.groupId,
        deduplicationId: target.fifo ? (message.deduplicationId ?? message.messageId) : undefined,
      });
      moved++;
    }
    const task: MoveTask = {
      TaskHandle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn })).toString('base64'),
      Status: 'COMPLETED',
      SourceArn: source.arn,
      ...(destination ? { DestinationArn: destination.arn } : {}),
      ApproximateNumberOfMessagesMoved: moved,
      ApproximateNumberOfMessagesToMove: messages.length,
      StartedTimestamp: this.clock.now(),
    };
    this.moveTasks.unshift(task);
    this.changed();
    return task;
  }

  moveTasksOf(sourceArn: string): MoveTask[] {
    const source = this.queue(sourceArn);
    return this.moveTasks.filter((t) => t.SourceArn === source.arn);
  }

  deleteQueue(queue: Queue): void {
    this.queues.delete(queue.name);
    queue.wake();
    this.changed();
  }
}

const redrivePolicy = (queue: Queue): { deadLetterTargetArn: string; maxReceiveCount: number } | undefined => {
  const text = queue.attributes.RedrivePolicy;
  if (!text) return undefined;
  const policy = JSON.parse(text) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
  if (!policy.deadLetterTargetArn) return undefined;
  return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount: Number(policy.maxReceiveCount ?? 10) };
};

/** Validates settable queue attributes; answers them with defaults filled in. */
const validateQueueAttributes = (
  attributes: Record<string, unknown>,
  fifo: boolean,
  withDefaults = true,
): Record<string, string> => {
  const out: Record<string, string> = {};
  if (withDefaults) {
    for (const [name, setting] of Object.entries(SETTINGS))
      if (setting.default !== undefined) out[name] = setting.default;
  }
  for (const [name, raw] of Object.entries(attributes)) {
    const setting = SETTINGS[name];
    if (!setting || (!fifo && FIFO_ONLY.includes(name) && !(name === 'FifoQueue' && String(raw) === 'false')))
      throw error('InvalidAttributeName', `Unknown Attribute ${name}.`, 'InvalidAttributeName');
    const value = typeof raw === 'string' ? raw : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
    if (setting.min !== undefined) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < setting.min || n > (setting.max ?? n))
        throw error('InvalidAttributeValue', `Invalid value for the parameter ${name}.`, 'InvalidAttributeValue');
    }
    if (name === 'RedrivePolicy' && value !== '') {
      let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
      try {
        policy = JSON.parse(value);
      } catch {
        throw invalidValue(
          `Value ${value} for parameter RedrivePolicy is invalid. Reason: Invalid value for the parameter RedrivePolicy.`,
        );
      }
      const max = Number(policy.maxReceiveCount);
      if (typeof policy.deadLetterTargetArn !== 'string' || !Number.isInteger(max) || max < 1 || max > 1000)
        throw invalidValue(
          `Value ${value} for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map or has invalid keys.`,
        );
    }
    if (name === 'FifoQueue' && value === 'false' && !fifo) continue;
    out[name] = value;
  }
  return out;
};

const checkBatch = (entries: unknown, kind: string): Json[] => {
  if (!Array.isArray(entries) || entries.length === 0)
    throw error(
      'EmptyBatchRequest',
      `There should be at least one ${kind} in the request.`,
      'AWS.SimpleQueueService.EmptyBatchRequest',
    );
  if (entries.length > 10)
    throw error(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    );
  const seen = new Set<string>();
  for (const entry of entries as Json[]) {
    const id = entry.Id;
    if (typeof id !== 'string' || !BATCH_ID.test(id))
      throw error(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        'AWS.SimpleQueueService.InvalidBatchEntryId',
      );
    if (seen.has(id))
      throw error('BatchEntryIdsNotDistinct', `Id ${id} repeated.`, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
    seen.add(id);
  }
  return entries as Json[];
};

/** Runs a batch entry by entry: AWS answers per-entry failures instead of failing the request. */
const runBatch = (entries: Json[], run: (entry: Json) => Record<string, unknown>) => {
  const Successful: Record<string, unknown>[] = [];
  const Failed: Record<string, unknown>[] = [];
  for (const entry of entries) {
    try {
      Successful.push({ Id: entry.Id, ...run(entry) });
    } catch (e) {
      if (!(e instanceof AwsError)) throw e;
      Failed.push({ Id: entry.Id, SenderFault: e.senderFault, Code: e.queryCode ?? e.code, Message: e.message });
    }
  }
  return { Successful, Failed };
};

const pageOf = <T>(items: T[], maxResults: unknown, nextToken: unknown): { page: T[]; next?: string } => {
  const max = ranged(maxResults, 'MaxResults', 1, 1000);
  const start =
    typeof nextToken === 'string' && nextToken !== '' ? Number(Buffer.from(nextToken, 'base64').toString()) : 0;
  if (max === undefined) return { page: items.slice(start) };
  const page = items.slice(start, start + max);
  return start + max < items.length ? { page, next: Buffer.from(String(start + max)).toString('base64') } : { page };
};

/** Creates the SQS service. */
export const createSqsService: ServiceFactory = (ctx: LocalContext, cloud: Cloud): Service => {
  const sqs = new SqsBackend(ctx, cloud);
  const senderOf = (call: CallContext): string =>
    call.caller === 'edge' ? ctx.accountId : `${ctx.accountId}:${call.caller}`;

  const handleOf = (queue: Queue, handle: unknown) => {
    if (typeof handle !== 'string' || handle === '') throw missing('ReceiptHandle');
    try {
      return queue.byHandle(handle);
    } catch (e) {
      if (e instanceof InvalidHandleError)
        throw error(
          'ReceiptHandleIsInvalid',
          `The input receipt handle "${handle}" is not a valid receipt handle.`,
          'ReceiptHandleIsInvalid',
          404,
        );
      throw e;
    }
  };

  const changeVisibility = (queue: Queue, handle: unknown, timeout: unknown): void => {
    const seconds = ranged(timeout, 'VisibilityTimeout', 0, 43200);
    if (seconds === undefined) throw missing('VisibilityTimeout');
    const message = handleOf(queue, handle);
    if (!message || message.receiptHandle === undefined || message.visibleAt <= Date.now())
      throw error(
        'MessageNotInflight',
        'The message referred to is not in flight.',
        'AWS.SimpleQueueService.MessageNotInflight',
      );
    queue.changeVisibility(message, sqs.clock.ms(seconds));
    sqs.changed();
  };

  const deleteMessage = (queue: Queue, handle: unknown): void => {
    const message = handleOf(queue, handle);
    if (message) {
      queue.remove(message.messageId);
      sqs.count(queue, 'NumberOfMessagesDeleted');
    }
    sqs.changed();
  };

  const operations: Record<string, Operation> = {
    CreateQueue: async (input) => {
      if (!input.QueueName) throw missing('QueueName');
      const queue = sqs.createQueue(input.QueueName, input.Attributes ?? {}, input.tags ?? input.Tags ?? {});
      return { QueueUrl: queue.url };
    },
    DeleteQueue: async (input) => {
      sqs.deleteQueue(sqs.queue(input.QueueUrl));
      return {};
    },
    GetQueueUrl: async (input) => {
      if (!input.QueueName) throw missing('QueueName');
      return { QueueUrl: sqs.queue(String(input.QueueName)).url };
    },
    ListQueues: async (input) => {
      const prefix: string = input.QueueNamePrefix ?? '';
      const urls = [...sqs.queues.values()]
        .filter((q) => q.name.startsWith(prefix))
        .map((q) => q.url)
        .sort();
      const { page, next } = pageOf(urls, input.MaxResults, input.NextToken);
      return { ...(page.length > 0 ? { QueueUrls: page } : {}), ...(next ? { NextToken: next } : {}) };
    },
    GetQueueAttributes: async (input) => {
      const queue = sqs.queue(input.QueueUrl);
      queue.expire();
      const names: string[] = input.AttributeNames ?? [];
      const counts = queue.counts();
      const all: Record<string, string> = {
        ...queue.attributes,
        ApproximateNumberOfMessages: String(counts.visible),
        ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
        ApproximateNumberOfMessagesDelayed: String(counts.delayed),
        CreatedTimestamp: String(Math.floor(queue.createdTimestamp / 1000)),
        LastModifiedTimestamp: String(Math.floor(queue.lastModifiedTimestamp / 1000)),
        QueueArn: queue.arn,
      };
      const out: Record<string, string> = {};
      for (const name of names) {
        if (name === 'All') Object.assign(out, all);
        else if (!(name in SETTINGS) && !COMPUTED.includes(name))
          throw error('InvalidAttributeName', `Unknown Attribute ${name}.`, 'InvalidAttributeName');
        else if (all[name] !== undefined) out[name] = all[name];
      }
      return Object.keys(out).length > 0 ? { Attributes: out } : {};
    },
    SetQueueAttributes: async (input) => {
      const queue = sqs.queue(input.QueueUrl);
      const updates = validateQueueAttributes(input.Attributes ?? {}, queue.fifo, false);
      queue.attributes = { ...queue.attributes, ...updates };
      for (const [name, value] of Object.entries(updates)) if (value === '') delete queue.attributes[name];
      queue.lastModifiedTimestamp = Date.now();
      sqs.changed();
      return {};
    },
    SendMessage: async (input, call) => sqs.send(sqs.queue(input.QueueUrl), input, senderOf(call)),
    SendMessageBatch: async (input, call) => {
      const queue = sqs.queue(input.QueueUrl);
      const entries = checkBatch(input.Entries, 'SendMessageBatchRequestEntry');
      const limit = queue.setting('MaximumMessageSize', 262144);
      const total = entries.reduce((sum, e) => sum + Buffer.byteLength(String(e.MessageBody ?? '')), 0);
      if (total > limit)
        throw error(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${limit} bytes. You have sent ${total} bytes.`,
          'AWS.SimpleQueueService.BatchRequestTooLong',
        );
      return runBatch(entries, (entry) => sqs.send(queue, entry, senderOf(call)));
    },
    ReceiveMessage: async (input) => {
      const messages = await sqs.receive(sqs.queue(input.QueueUrl), input);
      return messages.length > 0 ? { Messages: messages } : {};
    },
    DeleteMessage: async (input) => {
      deleteMessage(sqs.queue(input.QueueUrl), input.ReceiptHandle);
      return {};
    },
    DeleteMessageBatch: async (input) => {
      const queue = sqs.queue(input.QueueUrl);
      return runBatch(checkBatch(input.Entries, 'DeleteMessageBatchRequestEntry'), (entry) => {
        deleteMessage(queue, entry.ReceiptHandle);
        return {};
      });
    },
    ChangeMessageVisibility: async (input) => {
      changeVisibility(sqs.queue(input.QueueUrl), input.ReceiptHandle, input.VisibilityTimeout);
      return {};
    },
    ChangeMessageVisibilityBatch: async (input) => {
      const queue = sqs.queue(input.QueueUrl);
      return runBatch(checkBatch(input.Entries, 'ChangeMessageVisibilityBatchRequestEntry'), (entry) => {
        changeVisibility(queue, entry.ReceiptHandle, entry.VisibilityTimeout);
        return {};
      });
    },
    PurgeQueue: async (input) => {
      sqs.queue(input.QueueUrl).purge();
      sqs.changed();
      return {};
    },
    ListDeadLetterSourceQueues: async (input) => {
      const dlq = sqs.queue(input.QueueUrl);
      const urls = [...sqs.queues.values()]
        .filter((q) => redrivePolicy(q)?.deadLetterTargetArn === dlq.arn)
        .map((q) => q.url);
      const { page, next } = pageOf(urls, input.MaxResults, input.NextToken);
      return { queueUrls: page, ...(next ? { NextToken: next } : {}) };
    },
    StartMessageMoveTask: async (input) => {
      if (!input.SourceArn) throw missing('SourceArn');
      return { TaskHandle: sqs.startMoveTask(input.SourceArn, input.DestinationArn).TaskHandle };
    },
    ListMessageMoveTasks: async (input) => {
      if (!input.SourceArn) throw missing('SourceArn');
      const max = ranged(input.MaxResults, 'MaxResults', 1, 10) ?? 1;
      return { Results: sqs.moveTasksOf(input.SourceArn).slice(0, max) };
    },
    CancelMessageMoveTask: async () => {
      throw error(
        'ResourceNotFoundException',
        'Task does not exist or is already completed.',
        'ResourceNotFoundException',
        404,
      );
    },
    AddPermission: async (input) => {
      const queue = sqs.queue(input.QueueUrl);
      if (!input.Label) throw missing('Label');
      const policy: { Version: string; Statement: Json[] } = queue.attributes.Policy
        ? JSON.parse(queue.attributes.Policy)
        : { Version: '2012-10-17', Statement: [] };
      if (policy.Statement.some((st) => st.Sid === input.Label))
        throw invalidValue(`Value ${input.Label} for parameter Label is invalid. Reason: Already exists.`);
      policy.Statement.push({
        Sid: input.Label,
        Effect: 'Allow',
        Principal: { AWS: ((input.AWSAccountIds ?? []) as string[]).map((id) => `arn:aws:iam::${id}:root`) },
        Action: ((input.Actions ?? []) as string[]).map((a) => `SQS:${a}`),
        Resource: queue.arn,
      });
      queue.attributes = { ...queue.attributes, Policy: JSON.stringify(policy) };
      sqs.changed();
      return {};
    },
    RemovePermission: async (input) => {
      const queue = sqs.queue(input.QueueUrl);
      const policy: { Statement: Json[] } | undefined = queue.attributes.Policy
        ? JSON.parse(queue.attributes.Policy)
        : undefined;
      if (!policy?.Statement.some((st) => st.Sid === input.Label))
        throw invalidValue(`Value ${input.Label} for parameter Label is invalid. Reason: can't find label.`);
      policy.Statement = policy.Statement.filter((st) => st.Sid !== input.Label);
      queue.attributes = { ...queue.attributes, Policy: JSON.stringify(policy) };
      sqs.changed();
      return {};
    },
    TagQueue: async (input) => {
      const queue = sqs.queue(input.QueueUrl);
      queue.tags = { ...queue.tags, ...(input.Tags ?? {}) };
      sqs.changed();
      return {};
    },
    UntagQueue: async (input) => {
      const queue = sqs.queue(input.QueueUrl);
      for (const key of input.TagKeys ?? []) delete queue.tags[key];
      sqs.changed();
      return {};
    },
    ListQueueTags: async (input) => {
      const tags = sqs.queue(input.QueueUrl).tags;
      return Object.keys(tags).length > 0 ? { Tags: tags } : {};
    },
  };

  // Query-protocol requests (the AWS CLI v1/v2.9) name lists and maps differently: adapt both ways.
  const wrapped: Record<string, Operation> = {};
  for (const [name, operation] of Object.entries(operations)) {
    wrapped[name] = async (input, call) => {
      const output = await operation(input ?? {}, call);
      return isQueryInput(input) ? toQueryOutput(name, output) : output;
    };
  }

  return {
    name: 'sqs',
    protocol: 'json1.0',
    targetPrefix: 'AmazonSQS',
    signingNames: ['sqs'],
    xmlNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/',
    resourceTypes: ['AWS::SQS::Queue', 'AWS::SQS::QueuePolicy'],
    queryFlattenedFields: [
      'QueueUrl',
      'Message',
      'Attribute',
      'MessageAttribute',
      'SendMessageBatchResultEntry',
      'DeleteMessageBatchResultEntry',
      'ChangeMessageVisibilityBatchResultEntry',
      'BatchResultErrorEntry',
      'Tag',
    ],
    queryInput: (operation, params) => fromQueryParams(operation, params),
    operations: wrapped,
    provision: async (resources: readonly ResolvedResource[]) => {
      for (const resource of resources) {
        if (resource.type === 'AWS::SQS::Queue') {
          const { QueueName: _name, Tags, ...attributes } = resource.properties;
          const tags = Object.fromEntries(
            ((Tags ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]),
          );
          const name = resource.attributes.QueueName ?? arnName(resource.physicalId);
          sqs.createQueue(name, attributes, tags, true);
        } else if (resource.type === 'AWS::SQS::QueuePolicy') {
          for (const url of (resource.properties.Queues ?? []) as string[]) {
            const queue = sqs.queue(url);
            queue.attributes = { ...queue.attributes, Policy: JSON.stringify(resource.properties.PolicyDocument) };
          }
        }
      }
      sqs.changed();
    },
    start: async () => sqs.startMetrics(),
    stop: async () => sqs.stop(),
    info: () => ({ sqsQueues: String(sqs.queues.size) }),
    backend: sqs,
  } as Service & { backend: SqsBackend };
};

/** The SQS model behind a service created by `createSqsService` (for the console and benchmarks). */
export const sqsBackendOf = (service: Service): SqsBackend | undefined =>
  (service as Service & { backend?: SqsBackend }).backend;
