/**
 * One SQS queue in memory: messages in arrival order, visibility timeouts, delays, retention, receive counts,
 * FIFO groups and deduplication, and long-poll waiters woken as soon as a message may be visible.
 * Times are real milliseconds; the service scales the AWS seconds it is given by the local time scale.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { MessageAttributeValue } from './md5';
import { md5Hex } from './md5';

/** A stored message (also the persisted shape). */
export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  readonly systemAttributes: Record<string, MessageAttributeValue>;
  /** Epoch ms when first sent (kept when moved to a dead-letter queue, as AWS does). */
  readonly sentTimestamp: number;
  readonly senderId: string;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly sequenceNumber?: string;
  /** ARN of the queue the message was moved from by a redrive policy. */
  deadLetterSourceArn?: string;
  /** Epoch ms from which the message can be received. */
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  /** Receipt handle of the current receive, when in flight. */
  receiptHandle?: string;
}

/** Queue settings in AWS attribute form (strings), as CreateQueue/SetQueueAttributes take them. */
export type QueueAttributes = Record<string, string>;

export interface QueueState {
  readonly name: string;
  readonly attributes: QueueAttributes;
  readonly tags: Record<string, string>;
  readonly createdTimestamp: number;
  readonly lastModifiedTimestamp: number;
  readonly messages: StoredMessage[];
  readonly sequence: number;
}

/** What a new message carries. */
export interface NewMessage {
  readonly body: string;
  readonly attributes?: Record<string, MessageAttributeValue>;
  readonly systemAttributes?: Record<string, MessageAttributeValue>;
  readonly delayMs: number;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly senderId: string;
  /** Set when moving a message between queues: keep its identity. */
  readonly original?: StoredMessage;
}

/** Scales AWS seconds to real milliseconds. */
export type Clock = { now(): number; ms(seconds: number): number };

const DEDUPLICATION_WINDOW_S = 300;

export class Queue {
  readonly messages = new Map<string, StoredMessage>();
  private readonly handles = new Map<string, string>();
  private readonly waiters = new Set<() => void>();
  private readonly deduplication = new Map<string, { expiresAt: number; messageId: string }>();
  private sequence: number;
  private lastExpiry = 0;
  lastModifiedTimestamp: number;

  constructor(
    readonly name: string,
    readonly url: string,
    readonly arn: string,
    public attributes: QueueAttributes,
    public tags: Record<string, string>,
    readonly createdTimestamp: number,
    private readonly clock: Clock,
    restored?: QueueState,
  ) {
    this.lastModifiedTimestamp = restored?.lastModifiedTimestamp ?? createdTimestamp;
    this.sequence = restored?.sequence ?? 0;
    for (const message of restored?.messages ?? []) {
      // In-flight messages become visible again after a restart, as if their visibility timeout expired.
      if (message.receiptHandle) {
        message.receiptHandle = undefined;
        message.visibleAt = 0;
      }
      this.messages.set(message.messageId, message);
    }
  }

  get fifo(): boolean {
    return this.attributes.FifoQueue === 'true';
  }

  setting(name: string, fallback: number): number {
    const value = this.attributes[name];
    return value === undefined ? fallback : Number(value);
  }

  /** Adds a message; for FIFO, a duplicate within the deduplication window answers the first message. */
  send(input: NewMessage): { message: StoredMessage; duplicate: boolean } {
    const now = this.clock.now();
    let deduplicationId = input.deduplicationId;
    if (this.fifo && deduplicationId === undefined && this.attributes.ContentBasedDeduplication === 'true')
      deduplicationId = createHash('sha256').update(input.body).digest('hex');
    const key =
      this.fifo && deduplicationId !== undefined
        ? this.attributes.DeduplicationScope === 'messageGroup'
          ? `${input.groupId}\u0000${deduplicationId}`
          : deduplicationId
        : undefined;
    if (key !== undefined) {
      const seen = this.deduplication.get(key);
      const first = seen && seen.expiresAt > now ? this.messages.get(seen.messageId) : undefined;
      if (first) return { message: first, duplicate: true };
    }
    const original = input.original;
    const message: StoredMessage = {
      messageId: original?.messageId ?? randomUUID(),
      body: input.body,
      md5OfBody: original?.md5OfBody ?? md5Hex(input.body),
      attributes: input.attributes ?? original?.attributes ?? {},
      systemAttributes: input.systemAttributes ?? original?.systemAttributes ?? {},
      sentTimestamp: original?.sentTimestamp ?? now,
      senderId: input.senderId,
      groupId: input.groupId ?? original?.groupId,
      deduplicationId: deduplicationId ?? original?.deduplicationId,
      sequenceNumber: this.fifo ? String(++this.sequence).padStart(20, '0') : undefined,
      visibleAt: now + input.delayMs,
      receiveCount: 0,
    };
    if (key !== undefined)
      this.deduplication.set(key, {
        expiresAt: now + this.clock.ms(DEDUPLICATION_WINDOW_S),
        messageId: message.messageId,
      });
    this.messages.set(message.messageId, message);
    this.wake();
    return { message, duplicate: false };
  }

  /** Drops messages past the retention period (a scan, so at most every 20 ms). */
  expire(): void {
    if (this.clock.now() - this.lastExpiry < 20) return;
    this.lastExpiry = this.clock.now();
    const cutoff = this.clock.now() - this.clock.ms(this.setting('MessageRetentionPeriod', 345600));
    for (const [id, message] of this.messages) {
      if (message.sentTimestamp < cutoff) this.remove(id);
    }
    const now = this.clock.now();
    for (const [key, entry] of this.deduplication) if (entry.expiresAt <= now) this.deduplication.delete(key);
  }

  /**
   * Takes up to `max` visible messages, making them invisible for `visibilityMs`. A message already received
   * `maxReceiveCount` times goes to `deadLetter` instead (the redrive policy), which is how AWS moves it.
   */
  take(
    max: number,
    visibilityMs: number,
    deadLetter?: { maxReceiveCount: number; move: (m: StoredMessage) => void },
  ): StoredMessage[] {
    this.expire();
    const now = this.clock.now();
    const taken: StoredMessage[] = [];
    const blockedGroups = new Set<string>();
    if (this.fifo) {
      for (const message of this.messages.values())
        if (message.groupId !== undefined && message.visibleAt > now && message.receiptHandle)
          blockedGroups.add(message.groupId);
    }
    for (const message of this.messages.values()) {
      if (taken.length >= max) break;
      if (this.fifo && message.groupId !== undefined && blockedGroups.has(message.groupId)) continue;
      if (message.visibleAt > now) {
        // FIFO: a delayed head of a group holds back the rest of the group.
        if (this.fifo && message.groupId !== undefined) blockedGroups.add(message.groupId);
        continue;
      }
      if (deadLetter && message.receiveCount >= deadLetter.maxReceiveCount) {
        this.remove(message.messageId);
        deadLetter.move(message);
        continue;
      }
      if (message.receiptHandle) this.handles.delete(message.receiptHandle);
      message.receiveCount++;
      message.firstReceiveTimestamp ??= now;
      message.visibleAt = now + visibilityMs;
      message.receiptHandle = this.newHandle(message.messageId);
      taken.push(message);
    }
    return taken;
  }

  private newHandle(messageId: string): string {
    const handle = Buffer.from(`${this.name} ${messageId} ${randomBytes(12).toString('hex')}`).toString('base64');
    this.handles.set(handle, messageId);
    return handle;
  }

  /** The message a receipt handle names: undefined when already deleted; throws when malformed. */
  byHandle(handle: string): StoredMessage | undefined {
    const id = this.handles.get(handle);
    if (id !== undefined) return this.messages.get(id);
    const decoded = Buffer.from(handle, 'base64').toString('utf8').split(' ');
    if (decoded.length !== 3 || decoded[0] !== this.name) throw new InvalidHandleError(handle);
    return undefined;
  }

  remove(messageId: string): void {
    const message = this.messages.get(messageId);
    if (!message) return;
    if (message.receiptHandle) this.handles.delete(message.receiptHandle);
    this.messages.delete(messageId);
  }

  /** Changes the visibility of an in-flight message (0 = visible now). */
  changeVisibility(message: StoredMessage, visibilityMs: number): void {
    message.visibleAt = this.clock.now() + visibilityMs;
    if (visibilityMs === 0) this.wake();
  }

  purge(): void {
    this.messages.clear();
    this.handles.clear();
  }

  counts(): { visible: number; inFlight: number; delayed: number } {
    const now = this.clock.now();
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of this.messages.values()) {
      if (message.visibleAt <= now) visible++;
      else if (message.receiptHandle) inFlight++;
      else delayed++;
    }
    return { visible, inFlight, delayed };
  }

  /** Resolves when a message may have become visible, or after `ms`. */
  waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
    });
  }

  /** Earliest time a currently invisible message becomes visible (for long polls). */
  nextVisibleAt(): number | undefined {
    let next: number | undefined;
    const now = this.clock.now();
    for (const message of this.messages.values()) {
      if (message.visibleAt > now && (next === undefined || message.visibleAt < next)) next = message.visibleAt;
    }
    return next;
  }

  /** Wakes every long poll (a message arrived, became visible, or the queue is going away). */
  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  state(): QueueState {
    return {
      name: this.name,
      attributes: this.attributes,
      tags: this.tags,
      createdTimestamp: this.createdTimestamp,
      lastModifiedTimestamp: this.lastModifiedTimestamp,
      messages: [...this.messages.values()],
      sequence: this.sequence,
    };
  }
}

/** A receipt handle that does not belong to the queue. */
export class InvalidHandleError extends Error {
  override readonly name = 'InvalidHandleError';
}
