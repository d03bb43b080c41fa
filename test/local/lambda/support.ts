/**
 * Test support for the local services of this folder and its siblings (cognito, sns, cloudwatch): a Cloud that
 * routes `call` to registered services, a context, a fake SQS queue service, resource builders, and polling.
 */
import { randomUUID } from 'node:crypto';
import type { Cloud, LocalContext, ResolvedResource, Service, ServiceFactory } from '../../../local/core/types';
import { startEdge } from '../../../local/edge';

export const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

export const testContext = (overrides: Partial<LocalContext> = {}): LocalContext => ({
  region: 'us-east-1',
  accountId: '000000000000',
  endpoint: 'http://localhost:4566',
  dataDir: undefined,
  timeScale: 1,
  assemblyDir: undefined,
  apiPort: 0,
  log: silentLog,
  ...overrides,
});

/** A Cloud holding services by name; records every cross-service call for assertions. */
export class TestCloud implements Cloud {
  readonly services = new Map<string, Service>();
  readonly calls: { service: string; operation: string; input: any; caller?: string }[] = [];

  constructor(public ctx: LocalContext) {}

  async add(factory: ServiceFactory): Promise<Service> {
    const service = await factory(this.ctx, this);
    this.services.set(service.name, service);
    return service;
  }

  register(service: Service): void {
    this.services.set(service.name, service);
  }

  service(name: string): Service {
    const service = this.services.get(name);
    if (!service) throw new Error(`no service ${name}`);
    return service;
  }

  async call<T = any>(service: string, operation: string, input: unknown, caller?: string): Promise<T> {
    this.calls.push({ service, operation, input, caller });
    const op = this.service(service).operations[operation];
    if (!op) throw new Error(`${service} has no operation ${operation}`);
    return op(input, { requestId: randomUUID(), caller: caller ?? 'test' });
  }

  callsTo(service: string, operation: string): any[] {
    return this.calls.filter((c) => c.service === service && c.operation === operation).map((c) => c.input);
  }
}

/** Start the real edge server on a free port in front of the cloud's services (a getter follows a replaced cloud). */
export const startTestEdge = async (cloud: TestCloud | (() => TestCloud)) => {
  const current = typeof cloud === 'function' ? cloud : () => cloud;
  return startEdge({ services: () => [...current().services.values()], log: silentLog, port: 0 });
};

export const resource = (
  type: string,
  logicalId: string,
  properties: Record<string, any>,
  physicalId: string,
  attributes: Record<string, string> = {},
  extra: Partial<ResolvedResource> = {},
): ResolvedResource => ({ type, logicalId, properties, physicalId, attributes, ...extra });

/** Poll until `check` returns a value (not undefined/false) or the deadline passes. */
export const eventually = async <T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
};

interface FakeMessage {
  MessageId: string;
  Body: string;
  MessageAttributes?: Record<string, any>;
  receiveCount: number;
  visibleAt: number;
  receipt?: string;
  sentAt: number;
}

/**
 * A small in-memory SQS (JSON shapes) for tests that need a queue before/without local/sqs: queues by name,
 * visibility timeout, long polling, batch delete. Messages are inspectable.
 */
export const fakeSqs = (ctx: LocalContext, visibilityTimeoutMs = 200) => {
  const queues = new Map<string, FakeMessage[]>();
  const deleted: string[] = [];
  const queueOf = (url: string): FakeMessage[] => {
    const name = url.split('/').pop() ?? '';
    let q = queues.get(name);
    if (!q) {
      q = [];
      queues.set(name, q);
    }
    return q;
  };
  const service: Service = {
    name: 'sqs',
    protocol: 'json1.0',
    targetPrefix: 'AmazonSQS',
    operations: {
      GetQueueUrl: async (input: { QueueName: string }) => ({
        QueueUrl: `${ctx.endpoint}/${ctx.accountId}/${input.QueueName}`,
      }),
      SendMessage: async (input: {
        QueueUrl: string;
        MessageBody: string;
        MessageAttributes?: Record<string, any>;
      }) => {
        const message: FakeMessage = {
          MessageId: randomUUID(),
          Body: input.MessageBody,
          MessageAttributes: input.MessageAttributes,
          receiveCount: 0,
          visibleAt: 0,
          sentAt: Date.now(),
        };
        queueOf(input.QueueUrl).push(message);
        return { MessageId: message.MessageId, MD5OfMessageBody: 'x' };
      },
      ReceiveMessage: async (input: { QueueUrl: string; MaxNumberOfMessages?: number; WaitTimeSeconds?: number }) => {
        const q = queueOf(input.QueueUrl);
        const deadline = Date.now() + Math.min(200, (input.WaitTimeSeconds ?? 0) * 1000);
        for (;;) {
          const now = Date.now();
          const visible = q.filter((m) => m.visibleAt <= now).slice(0, input.MaxNumberOfMessages ?? 1);
          if (visible.length || now >= deadline) {
            for (const m of visible) {
              m.receiveCount++;
              m.visibleAt = now + visibilityTimeoutMs;
              m.receipt = randomUUID();
            }
            return {
              Messages: visible.map((m) => ({
                MessageId: m.MessageId,
                ReceiptHandle: m.receipt,
                MD5OfBody: 'md5',
                Body: m.Body,
                Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) },
                MessageAttributes: m.MessageAttributes,
              })),
            };
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      },
      DeleteMessageBatch: async (input: { QueueUrl: string; Entries: { Id: string; ReceiptHandle: string }[] }) => {
        const q = queueOf(input.QueueUrl);
        for (const entry of input.Entries) {
          const index = q.findIndex((m) => m.receipt === entry.ReceiptHandle);
          if (index >= 0) deleted.push(...q.splice(index, 1).map((m) => m.Body));
        }
        return { Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] };
      },
    },
  };
  return { service, queues, deleted, queue: (name: string) => queues.get(name) ?? [] };
};
