import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AwsError } from '../core/errors.ts';
import type { Cloud, LocalContext, ResolvedResource, Service, ServiceFactory } from '../core/types.ts';
import { filterPolicyMatches } from './filter-policy.ts';

interface Topic {
  arn: string;
  name: string;
  attributes: Record<string, string>;
}

interface Subscription {
  arn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  attributes: Record<string, string>;
}

/** An e-mail an `email` / `email-json` subscription would have sent, kept for the console. */
export interface SentEmail {
  readonly to: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  readonly subject: string | undefined;
  readonly body: string;
  readonly messageId: string;
  readonly at: string;
}

/** The SNS service plus what a console reads. */
export interface SnsService extends Service {
  /** E-mails delivered to e-mail subscriptions, oldest first (bounded). */
  emails(): readonly SentEmail[];
}

type MessageAttributes = Record<string, { DataType: string; StringValue?: string; BinaryValue?: unknown }>;
type Input = Record<string, any>;

const maxEmails = 500;
const maxMessageBytes = 256 * 1024;

const notFound = (what = 'Topic') => new AwsError('NotFound', `${what} does not exist`, 404);
const invalid = (message: string) => new AwsError('InvalidParameter', `Invalid parameter: ${message}`);

const base64 = (value: unknown): string =>
  typeof value === 'string' ? value : Buffer.from(value as Uint8Array).toString('base64');

/** Message attributes as the SNS JSON envelope and the Lambda event carry them: `{Type, Value}`. */
const envelopeAttributes = (attributes: MessageAttributes): Record<string, { Type: string; Value: string }> =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, a]) => [
      name,
      {
        Type: a.DataType,
        Value: a.DataType.startsWith('Binary') ? base64(a.BinaryValue) : String(a.StringValue ?? ''),
      },
    ]),
  );

const stringMap = (value: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    out[key] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
};

class LocalSns {
  readonly topics = new Map<string, Topic>();
  readonly subscriptions = new Map<string, Subscription>();
  readonly sentEmails: SentEmail[] = [];

  constructor(
    private readonly ctx: LocalContext,
    private readonly cloud: Cloud,
  ) {
    this.load();
  }

  private get file(): string | undefined {
    return this.ctx.dataDir ? path.join(this.ctx.dataDir, 'sns', 'state.json') : undefined;
  }

  private load(): void {
    const file = this.file;
    if (!file || !fs.existsSync(file)) return;
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as { topics: Topic[]; subscriptions: Subscription[] };
    for (const topic of state.topics) this.topics.set(topic.arn, topic);
    for (const sub of state.subscriptions) this.subscriptions.set(sub.arn, sub);
  }

  save(): void {
    const file = this.file;
    if (!file) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      `${file}.tmp`,
      JSON.stringify({ topics: [...this.topics.values()], subscriptions: [...this.subscriptions.values()] }),
    );
    fs.renameSync(`${file}.tmp`, file);
  }

  topic(arn: unknown): Topic {
    const topic = this.topics.get(String(arn ?? ''));
    if (!topic) throw notFound();
    return topic;
  }

  createTopic(name: string, attributes: Record<string, string>, arn?: string): Topic {
    const fifo = attributes.FifoTopic === 'true';
    if (!/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(name) || fifo !== name.endsWith('.fifo')) {
      throw invalid(
        fifo
          ? 'Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.'
          : 'Topic Name',
      );
    }
    const topicArn = arn ?? `arn:aws:sns:${this.ctx.region}:${this.ctx.accountId}:${name}`;
    const existing = this.topics.get(topicArn);
    if (existing) return existing;
    const topic: Topic = { arn: topicArn, name, attributes: { ...attributes } };
    this.topics.set(topicArn, topic);
    return topic;
  }

  subscribe(
    topicArn: string,
    protocol: string,
    endpoint: string,
    attributes: Record<string, string>,
    arn?: string,
  ): Subscription {
    this.topic(topicArn);
    if (!['sqs', 'lambda', 'email', 'email-json', 'http', 'https'].includes(protocol)) {
      throw invalid(`Invalid protocol type: ${protocol}`);
    }
    const same = [...this.subscriptions.values()].find(
      (s) => s.topicArn === topicArn && s.protocol === protocol && s.endpoint === endpoint,
    );
    if (same) return same;
    if (attributes.FilterPolicy) JSON.parse(attributes.FilterPolicy);
    const sub: Subscription = { arn: arn ?? `${topicArn}:${randomUUID()}`, topicArn, protocol, endpoint, attributes };
    this.subscriptions.set(sub.arn, sub);
    return sub;
  }

  provision(resources: readonly ResolvedResource[]): void {
    for (const r of resources) {
      if (r.type !== 'AWS::SNS::Topic') continue;
      const p = r.properties;
      const name = r.attributes.TopicName ?? (r.physicalId.split(':').pop() as string);
      const attributes: Record<string, string> = {};
      if (p.DisplayName) attributes.DisplayName = String(p.DisplayName);
      if (p.FifoTopic === true || p.FifoTopic === 'true') attributes.FifoTopic = 'true';
      if (p.ContentBasedDeduplication !== undefined)
        attributes.ContentBasedDeduplication = String(p.ContentBasedDeduplication);
      if (p.KmsMasterKeyId) attributes.KmsMasterKeyId = String(p.KmsMasterKeyId);
      const topic = this.createTopic(name, attributes, r.physicalId);
      Object.assign(topic.attributes, attributes);
      for (const inline of (p.Subscription ?? []) as { Endpoint: string; Protocol: string }[]) {
        this.subscribe(topic.arn, inline.Protocol, inline.Endpoint, {});
      }
    }
    for (const r of resources) {
      if (r.type !== 'AWS::SNS::Subscription') continue;
      const p = r.properties;
      const attributes: Record<string, string> = {};
      if (p.RawMessageDelivery !== undefined) attributes.RawMessageDelivery = String(p.RawMessageDelivery);
      if (p.FilterPolicy !== undefined) {
        attributes.FilterPolicy = typeof p.FilterPolicy === 'string' ? p.FilterPolicy : JSON.stringify(p.FilterPolicy);
      }
      if (p.FilterPolicyScope) attributes.FilterPolicyScope = String(p.FilterPolicyScope);
      if (p.RedrivePolicy)
        attributes.RedrivePolicy =
          typeof p.RedrivePolicy === 'string' ? p.RedrivePolicy : JSON.stringify(p.RedrivePolicy);
      this.subscribe(String(p.TopicArn), String(p.Protocol), String(p.Endpoint), attributes, r.physicalId);
    }
    this.save();
  }

  private queueUrl = async (queueArn: string): Promise<string> => {
    const [, , , , account, name] = queueArn.split(':');
    const answer = await this.cloud.call<{ QueueUrl: string }>(
      'sqs',
      'GetQueueUrl',
      { QueueName: name, QueueOwnerAWSAccountId: account },
      'sns',
    );
    return answer.QueueUrl;
  };

  /** Publish one message: filter per subscription, then deliver with each protocol's shape. */
  async publish(input: Input): Promise<{ MessageId: string; SequenceNumber?: string }> {
    const topic = this.topic(input.TopicArn ?? input.TargetArn);
    if (input.Message === undefined || input.Message === null) throw invalid('Message');
    const message = String(input.Message);
    if (Buffer.byteLength(message) > maxMessageBytes) throw invalid('Message too long');
    const fifo = topic.attributes.FifoTopic === 'true';
    if (fifo && !input.MessageGroupId) throw invalid('The MessageGroupId parameter is required for FIFO topics');
    const attributes = (input.MessageAttributes ?? {}) as MessageAttributes;
    let perProtocol: Record<string, string> | undefined;
    if (input.MessageStructure === 'json') {
      try {
        perProtocol = JSON.parse(message);
      } catch {
        throw invalid('Message Structure - JSON message body failed to parse');
      }
      if (typeof perProtocol?.default !== 'string')
        throw invalid('Message Structure - No default entry in JSON message body');
    }
    const messageId = randomUUID();
    const sequenceNumber = fifo ? String(Date.now()).padStart(20, '0') : undefined;
    const timestamp = new Date().toISOString();
    const deliveries: Promise<void>[] = [];
    for (const sub of this.subscriptions.values()) {
      if (sub.topicArn !== topic.arn) continue;
      const body = perProtocol ? (perProtocol[sub.protocol] ?? perProtocol.default ?? message) : message;
      if (!filterPolicyMatches(sub.attributes.FilterPolicy, sub.attributes.FilterPolicyScope, body, attributes))
        continue;
      const envelope = {
        Type: 'Notification',
        MessageId: messageId,
        ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}),
        TopicArn: topic.arn,
        ...(input.Subject ? { Subject: String(input.Subject) } : {}),
        Message: body,
        Timestamp: timestamp,
        SignatureVersion: '1',
        Signature: 'TE9DQUw=',
        SigningCertURL: `${this.ctx.endpoint}/_sns/SimpleNotificationService.pem`,
        UnsubscribeURL: `${this.ctx.endpoint}/?Action=Unsubscribe&SubscriptionArn=${sub.arn}`,
        ...(Object.keys(attributes).length ? { MessageAttributes: envelopeAttributes(attributes) } : {}),
      };
      const delivery = this.deliver(sub, envelope, body, attributes, input).catch((error) =>
        this.deliveryFailed(sub, envelope, error),
      );
      // In-process deliveries finish before Publish answers (a test can receive at once); HTTP ones run on.
      if (sub.protocol !== 'http' && sub.protocol !== 'https') deliveries.push(delivery);
    }
    await Promise.all(deliveries);
    return { MessageId: messageId, ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}) };
  }

  private async deliver(
    sub: Subscription,
    envelope: Record<string, unknown>,
    body: string,
    attributes: MessageAttributes,
    input: Input,
  ): Promise<void> {
    const raw = sub.attributes.RawMessageDelivery === 'true';
    switch (sub.protocol) {
      case 'sqs': {
        const fifo = sub.endpoint.endsWith('.fifo');
        await this.cloud.call(
          'sqs',
          'SendMessage',
          {
            QueueUrl: await this.queueUrl(sub.endpoint),
            MessageBody: raw ? body : JSON.stringify(envelope),
            ...(raw && Object.keys(attributes).length ? { MessageAttributes: attributes } : {}),
            ...(fifo && input.MessageGroupId ? { MessageGroupId: input.MessageGroupId } : {}),
            ...(fifo ? { MessageDeduplicationId: String(input.MessageDeduplicationId ?? envelope.MessageId) } : {}),
          },
          'sns',
        );
        return;
      }
      case 'lambda': {
        const { SigningCertURL, UnsubscribeURL, ...rest } = envelope;
        const event = {
          Records: [
            {
              EventSource: 'aws:sns',
              EventVersion: '1.0',
              EventSubscriptionArn: sub.arn,
              Sns: {
                ...rest,
                Subject: envelope.Subject ?? null,
                SigningCertUrl: SigningCertURL,
                UnsubscribeUrl: UnsubscribeURL,
                MessageAttributes: envelope.MessageAttributes ?? {},
              },
            },
          ],
        };
        await this.cloud.call(
          'lambda',
          'Invoke',
          { FunctionName: sub.endpoint, InvocationType: 'Event', Payload: JSON.stringify(event) },
          'sns',
        );
        return;
      }
      case 'email':
      case 'email-json': {
        const email: SentEmail = {
          to: sub.endpoint,
          topicArn: sub.topicArn,
          subscriptionArn: sub.arn,
          subject: envelope.Subject as string | undefined,
          body: sub.protocol === 'email' ? body : JSON.stringify(envelope),
          messageId: String(envelope.MessageId),
          at: String(envelope.Timestamp),
        };
        this.sentEmails.push(email);
        if (this.sentEmails.length > maxEmails) this.sentEmails.splice(0, this.sentEmails.length - maxEmails);
        this.ctx.log.info(`SNS e-mail to ${sub.endpoint}: ${email.subject ?? '(no subject)'}`, { topic: sub.topicArn });
        return;
      }
      default: {
        const response = await fetch(sub.endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'text/plain; charset=UTF-8',
            'x-amz-sns-message-type': 'Notification',
            'x-amz-sns-message-id': String(envelope.MessageId),
            'x-amz-sns-topic-arn': sub.topicArn,
            'x-amz-sns-subscription-arn': sub.arn,
          },
          body: raw ? body : JSON.stringify(envelope),
          signal: AbortSignal.timeout(15_000),
        });
        if (response.status >= 300) throw new Error(`HTTP ${response.status}`);
      }
    }
  }

  /** A failed delivery goes to the subscription's dead-letter queue when it has one. */
  private async deliveryFailed(sub: Subscription, envelope: Record<string, unknown>, error: unknown): Promise<void> {
    const redrive = sub.attributes.RedrivePolicy
      ? (JSON.parse(sub.attributes.RedrivePolicy) as { deadLetterTargetArn?: string })
      : {};
    this.ctx.log.warn(`SNS delivery to ${sub.protocol} ${sub.endpoint} failed`, { error: (error as Error).message });
    if (!redrive.deadLetterTargetArn) return;
    try {
      await this.cloud.call(
        'sqs',
        'SendMessage',
        { QueueUrl: await this.queueUrl(redrive.deadLetterTargetArn), MessageBody: JSON.stringify(envelope) },
        'sns',
      );
    } catch (dlqError) {
      this.ctx.log.error(`SNS dead-letter queue ${redrive.deadLetterTargetArn} unreachable`, {
        error: (dlqError as Error).message,
      });
    }
  }
}

const page = <T>(items: T[], token: unknown, size = 100): { items: T[]; next?: string } => {
  const start = typeof token === 'string' && token ? Number(token) : 0;
  const slice = items.slice(start, start + size);
  return start + size < items.length ? { items: slice, next: String(start + size) } : { items: slice };
};

const subscriptionView = (s: Subscription, owner: string) => ({
  SubscriptionArn: s.arn,
  Owner: owner,
  Protocol: s.protocol,
  Endpoint: s.endpoint,
  TopicArn: s.topicArn,
});

/** The local SNS service (query protocol): topics, subscriptions to SQS, Lambda, e-mail and HTTP. */
export const createSnsService: ServiceFactory = (ctx, cloud) => {
  const sns = new LocalSns(ctx, cloud);

  const subscription = (arn: unknown): Subscription => {
    const sub = sns.subscriptions.get(String(arn ?? ''));
    if (!sub) throw notFound('Subscription');
    return sub;
  };

  const operations: Record<string, (input: Input) => Promise<unknown>> = {
    CreateTopic: async (input) => {
      const topic = sns.createTopic(String(input.Name ?? ''), stringMap(input.Attributes));
      sns.save();
      return { TopicArn: topic.arn };
    },
    DeleteTopic: async (input) => {
      const topic = sns.topic(input.TopicArn);
      sns.topics.delete(topic.arn);
      for (const sub of [...sns.subscriptions.values()])
        if (sub.topicArn === topic.arn) sns.subscriptions.delete(sub.arn);
      sns.save();
      return {};
    },
    ListTopics: async (input) => {
      const { items, next } = page([...sns.topics.values()], input.NextToken);
      return { Topics: items.map((t) => ({ TopicArn: t.arn })), ...(next ? { NextToken: next } : {}) };
    },
    GetTopicAttributes: async (input) => {
      const topic = sns.topic(input.TopicArn);
      const subs = [...sns.subscriptions.values()].filter((s) => s.topicArn === topic.arn).length;
      return {
        Attributes: {
          TopicArn: topic.arn,
          Owner: ctx.accountId,
          DisplayName: '',
          SubscriptionsConfirmed: String(subs),
          SubscriptionsPending: '0',
          SubscriptionsDeleted: '0',
          Policy: JSON.stringify({ Version: '2008-10-17', Id: '__default_policy_ID', Statement: [] }),
          EffectiveDeliveryPolicy: JSON.stringify({ http: { defaultHealthyRetryPolicy: { numRetries: 3 } } }),
          ...topic.attributes,
        },
      };
    },
    SetTopicAttributes: async (input) => {
      const topic = sns.topic(input.TopicArn);
      topic.attributes[String(input.AttributeName)] = String(input.AttributeValue ?? '');
      sns.save();
      return {};
    },
    Subscribe: async (input) => {
      const sub = sns.subscribe(
        String(input.TopicArn),
        String(input.Protocol),
        String(input.Endpoint ?? ''),
        stringMap(input.Attributes),
      );
      sns.save();
      return { SubscriptionArn: sub.arn };
    },
    Unsubscribe: async (input) => {
      sns.subscriptions.delete(subscription(input.SubscriptionArn).arn);
      sns.save();
      return {};
    },
    ListSubscriptions: async (input) => {
      const { items, next } = page([...sns.subscriptions.values()], input.NextToken);
      return {
        Subscriptions: items.map((s) => subscriptionView(s, ctx.accountId)),
        ...(next ? { NextToken: next } : {}),
      };
    },
    ListSubscriptionsByTopic: async (input) => {
      const topic = sns.topic(input.TopicArn);
      const { items, next } = page(
        [...sns.subscriptions.values()].filter((s) => s.topicArn === topic.arn),
        input.NextToken,
      );
      return {
        Subscriptions: items.map((s) => subscriptionView(s, ctx.accountId)),
        ...(next ? { NextToken: next } : {}),
      };
    },
    GetSubscriptionAttributes: async (input) => {
      const sub = subscription(input.SubscriptionArn);
      return {
        Attributes: {
          SubscriptionArn: sub.arn,
          TopicArn: sub.topicArn,
          Protocol: sub.protocol,
          Endpoint: sub.endpoint,
          Owner: ctx.accountId,
          ConfirmationWasAuthenticated: 'true',
          PendingConfirmation: 'false',
          RawMessageDelivery: 'false',
          ...sub.attributes,
        },
      };
    },
    SetSubscriptionAttributes: async (input) => {
      const sub = subscription(input.SubscriptionArn);
      const name = String(input.AttributeName);
      const value = String(input.AttributeValue ?? '');
      if (name === 'FilterPolicy' && value) JSON.parse(value);
      sub.attributes[name] = value;
      sns.save();
      return {};
    },
    Publish: (input) => sns.publish(input),
    PublishBatch: async (input) => {
      const successful: unknown[] = [];
      const failed: unknown[] = [];
      for (const entry of (input.PublishBatchRequestEntries ?? []) as Input[]) {
        try {
          const answer = await sns.publish({ ...entry, TopicArn: input.TopicArn });
          successful.push({ Id: entry.Id, ...answer });
        } catch (error) {
          failed.push({
            Id: entry.Id,
            Code: (error as AwsError).code ?? 'InternalError',
            Message: (error as Error).message,
            SenderFault: true,
          });
        }
      }
      return { Successful: successful, Failed: failed };
    },
  };

  const service: SnsService = {
    name: 'sns',
    protocol: 'query',
    signingNames: ['sns'],
    xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
    queryMapFields: ['Attributes'],
    operations,
    resourceTypes: ['AWS::SNS::Topic', 'AWS::SNS::Subscription', 'AWS::SNS::TopicPolicy'],
    provision: async (resources) => sns.provision(resources),
    emails: () => sns.sentEmails,
  };
  return service;
};

/** The e-mails SNS "sent" in a running local cloud, oldest first (for a console). */
export const readSentEmails = (cloud: Cloud): readonly SentEmail[] => (cloud.service('sns') as SnsService).emails();
