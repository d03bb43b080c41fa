/**
 * The local EventBridge: the default and custom buses, rules with the full event-pattern language
 * (`./pattern.ts`), targets (Lambda, Step Functions, SQS, SNS, another bus) with Input/InputPath/InputTransformer
 * (`./transform.ts`), retry policies with backoff and dead-letter queues, scheduled rules (`./schedule.ts`), a bounded
 * log of recent events per bus for the console, AWS/Events metrics, and persistence of what the API created
 * under `<dataDir>/events` (template buses and rules come from provisioning at each start).
 *
 * PutEvents answers before targets run: deliveries go through an in-process queue that starts them in arrival
 * order, so a test (or a person) polling the target sees events in the order they were put.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { arnName } from '../core/arn';
import { AwsError, isAwsError } from '../core/errors';
import { jsonState } from '../core/json-state';
import { MetricBuffer } from '../core/metrics';
import type { Cloud, LocalContext, Operation, ResolvedResource, Service, ServiceFactory } from '../core/types';
import { type CompiledPattern, compilePattern, flattenEvent } from './pattern';
import { parseSchedule, type Schedule, UnsupportedScheduleError } from './schedule';
import { InputTransformError, renderTargetInput, type TargetInputSpec, validateTargetInput } from './transform';

export { compilePattern, flattenEvent } from './pattern';
export { parseSchedule } from './schedule';
export { renderTargetInput, validateTargetInput } from './transform';

/** A rule target as the PutTargets API carries it. */
export interface Target extends TargetInputSpec {
  readonly Id: string;
  readonly Arn: string;
  readonly RoleArn?: string;
  readonly RetryPolicy?: { readonly MaximumRetryAttempts?: number; readonly MaximumEventAgeInSeconds?: number };
  readonly DeadLetterConfig?: { readonly Arn?: string };
  readonly SqsParameters?: { readonly MessageGroupId?: string };
}

interface Bus {
  readonly name: string;
  readonly arn: string;
  description?: string;
  policy?: string;
  readonly creationTime: number;
  lastModifiedTime: number;
  tags: Record<string, string>;
  readonly fromTemplate: boolean;
}

interface Rule {
  readonly name: string;
  readonly busName: string;
  readonly arn: string;
  eventPattern?: string;
  compiled?: CompiledPattern;
  scheduleExpression?: string;
  state: string;
  description?: string;
  roleArn?: string;
  readonly targets: Map<string, Target>;
  readonly fromTemplate: boolean;
  tags: Record<string, string>;
  timer?: NodeJS.Timeout;
}

/** An event as a bus delivers it. */
export type BusEvent = {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
} & Record<string, unknown>;

/** One entry of a bus's recent-events log (for the console). */
export interface LoggedEvent {
  readonly event: BusEvent;
  /** ISO time the bus accepted it. */
  readonly receivedAt: string;
  /** Names of the rules it matched. */
  readonly matchedRules: readonly string[];
}

interface Delivery {
  readonly rule: Rule;
  readonly target: Target;
  readonly event: BusEvent;
  readonly ingestionTime: string;
  readonly firstAttemptAt: number;
  attempts: number;
}

interface PersistedState {
  readonly buses: Omit<Bus, 'fromTemplate'>[];
  readonly rules: (Omit<Rule, 'targets' | 'compiled' | 'timer' | 'fromTemplate'> & { targets: Target[] })[];
}

// biome-ignore lint/suspicious/noExplicitAny: AWS API inputs are untyped JSON, validated field by field where used.
type Json = Record<string, any>;

const DEFAULT_BUS = 'default';
const LOG_LIMIT = 200;
const MAX_CONCURRENT_DELIVERIES = 64;
const DEFAULT_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 };
/** Target errors that retrying cannot fix: EventBridge sends these to the DLQ at once. */
const PERMANENT_ERRORS = new Set([
  'ResourceNotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'StateMachineDoesNotExist',
  'ExecutionAlreadyExists',
  'InvalidExecutionInput',
  'NotFoundException',
  'AccessDeniedException',
  'ValidationException',
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'InvalidMessageContents',
  'MissingParameter',
  'UnknownService',
  'ServiceUnavailable',
  'UnsupportedTarget',
]);
const TARGET_SERVICES = new Set(['lambda', 'states', 'sqs', 'sns', 'events']);

const validation = (message: string): AwsError => new AwsError('ValidationException', message);
const notFound = (message: string): AwsError => new AwsError('ResourceNotFoundException', message);

/** The ISO form EventBridge uses for event times: seconds precision, `Z`. */
const isoSeconds = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

/** EventBridge's JSON timestamps are epoch seconds. */
const epochSeconds = (ms: number): number => ms / 1000;

const toDate = (value: unknown): Date | undefined => {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value * 1000);
  const date = new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date;
};

const page = <T>(items: T[], limit: unknown, token: unknown): { items: T[]; next?: string } => {
  const start = typeof token === 'string' && token !== '' ? Number(Buffer.from(token, 'base64').toString()) : 0;
  const max = typeof limit === 'number' && limit > 0 ? limit : 100;
  const slice = items.slice(start, start + max);
  return start + max < items.length
    ? { items: slice, next: Buffer.from(String(start + max)).toString('base64') }
    : { items: slice };
};

/** The EventBridge model: buses, rules, routing and deliveries. */
export class EventsBackend {
  readonly buses = new Map<string, Bus>();
  readonly rules = new Map<string, Rule>();
  private readonly log = new Map<string, LoggedEvent[]>();
  private readonly queue: Delivery[] = [];
  private queueHead = 0;
  private active = 0;
  private pumpScheduled = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly metrics: MetricBuffer;
  private readonly state;
  private stopped = false;
  private readonly idle: (() => void)[] = [];
  private readonly visitedBuses = new WeakMap<BusEvent, Set<string>>();

  constructor(
    readonly ctx: LocalContext,
    private readonly cloud: Cloud,
  ) {
    this.metrics = new MetricBuffer(cloud, 'AWS/Events', 'events');
    this.state = jsonState<PersistedState>(ctx.dataDir ? join(ctx.dataDir, 'events') : undefined, () =>
      this.snapshot(),
    );
    this.putBus(DEFAULT_BUS, { fromTemplate: true });
    const stored = this.state.load();
    for (const bus of stored?.buses ?? []) this.buses.set(bus.name, { ...bus, fromTemplate: false });
    for (const rule of stored?.rules ?? []) {
      const restored: Rule = {
        ...rule,
        targets: new Map(rule.targets.map((t) => [t.Id, t])),
        fromTemplate: false,
      };
      if (restored.eventPattern) restored.compiled = compilePattern(restored.eventPattern);
      this.rules.set(this.ruleKey(rule.busName, rule.name), restored);
    }
  }

  private snapshot(): PersistedState {
    const buses = [...this.buses.values()].filter((b) => !b.fromTemplate).map(({ fromTemplate: _f, ...b }) => b);
    const rules = [...this.rules.values()]
      .filter((r) => !r.fromTemplate)
      .map(({ targets, compiled: _c, timer: _t, fromTemplate: _f, ...r }) => ({
        ...r,
        targets: [...targets.values()],
      }));
    return { buses, rules };
  }

  private ruleKey(busName: string, name: string): string {
    return `${busName}\u0000${name}`;
  }

  busArn(name: string): string {
    return `arn:aws:events:${this.ctx.region}:${this.ctx.accountId}:event-bus/${name}`;
  }

  ruleArn(busName: string, name: string): string {
    const path = busName === DEFAULT_BUS ? `rule/${name}` : `rule/${busName}/${name}`;
    return `arn:aws:events:${this.ctx.region}:${this.ctx.accountId}:${path}`;
  }

  /** A bus name from a name or an ARN (default when absent). */
  busNameOf(ref: unknown): string {
    if (ref === undefined || ref === null || ref === '') return DEFAULT_BUS;
    const text = String(ref);
    return text.startsWith('arn:') ? (text.split('event-bus/')[1] ?? arnName(text)) : text;
  }

  bus(ref: unknown): Bus {
    const name = this.busNameOf(ref);
    const bus = this.buses.get(name);
    if (!bus) throw notFound(`Event bus ${name} does not exist.`);
    return bus;
  }

  putBus(name: string, options: { fromTemplate: boolean; description?: string; tags?: Record<string, string> }): Bus {
    const now = Date.now();
    const bus: Bus = {
      name,
      arn: this.busArn(name),
      creationTime: this.buses.get(name)?.creationTime ?? now,
      lastModifiedTime: now,
      tags: options.tags ?? {},
      fromTemplate: options.fromTemplate,
      ...(options.description !== undefined ? { description: options.description } : {}),
    };
    this.buses.set(name, bus);
    this.state.changed();
    return bus;
  }

  rule(name: unknown, busRef: unknown): Rule {
    const busName = this.busNameOf(busRef);
    const rule = this.rules.get(this.ruleKey(busName, String(name)));
    if (!rule) throw notFound(`Rule ${String(name)} does not exist on EventBus ${busName}.`);
    return rule;
  }

  /** Creates or updates a rule (PutRule and template provisioning). */
  putRule(input: Json, fromTemplate: boolean): Rule {
    const name = input.Name;
    if (typeof name !== 'string' || !/^[.\-_A-Za-z0-9]{1,64}$/.test(name))
      throw validation(
        `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
      );
    const busName = this.bus(input.EventBusName).name;
    const pattern =
      input.EventPattern === undefined
        ? undefined
        : typeof input.EventPattern === 'string'
          ? input.EventPattern
          : JSON.stringify(input.EventPattern);
    if (pattern === undefined && !input.ScheduleExpression)
      throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    if (input.ScheduleExpression && busName !== DEFAULT_BUS)
      throw validation('ScheduleExpression is supported only on the default event bus.');
    const compiled = pattern === undefined ? undefined : compilePattern(pattern);
    if (input.ScheduleExpression) {
      try {
        parseSchedule(String(input.ScheduleExpression));
      } catch (e) {
        if (!(e instanceof UnsupportedScheduleError)) throw validation('Parameter ScheduleExpression is not valid.');
      }
    }
    const key = this.ruleKey(busName, name);
    const existing = this.rules.get(key);
    if (existing?.timer) clearTimeout(existing.timer);
    const rule: Rule = {
      name,
      busName,
      arn: this.ruleArn(busName, name),
      state: input.State ?? existing?.state ?? 'ENABLED',
      targets: existing?.targets ?? new Map(),
      fromTemplate,
      tags: existing?.tags ?? {},
      ...(pattern !== undefined ? { eventPattern: pattern, compiled } : {}),
      ...(input.ScheduleExpression ? { scheduleExpression: String(input.ScheduleExpression) } : {}),
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      ...(input.RoleArn !== undefined ? { roleArn: input.RoleArn } : {}),
    };
    this.rules.set(key, rule);
    this.schedule(rule);
    this.state.changed();
    return rule;
  }

  deleteRule(rule: Rule): void {
    if (rule.timer) clearTimeout(rule.timer);
    this.rules.delete(this.ruleKey(rule.busName, rule.name));
    this.state.changed();
  }

  /** Validates and adds targets to a rule. */
  putTargets(rule: Rule, targets: readonly Target[]): void {
    for (const target of targets) {
      if (!target.Id || !/^[.\-_A-Za-z0-9]{1,64}$/.test(target.Id)) throw validation(`Invalid target id: ${target.Id}`);
      if (!target.Arn) throw validation(`Target ${target.Id} has no Arn.`);
      validateTargetInput(target);
      if (
        target.Arn.startsWith('arn:aws:sqs:') &&
        target.Arn.endsWith('.fifo') &&
        !target.SqsParameters?.MessageGroupId
      )
        throw validation(`Parameter(s) SqsParameters must be specified for target: ${target.Id}.`);
      const retry = target.RetryPolicy;
      if (
        retry?.MaximumRetryAttempts !== undefined &&
        (retry.MaximumRetryAttempts < 0 || retry.MaximumRetryAttempts > 185)
      )
        throw validation('MaximumRetryAttempts must be between 0 and 185.');
      if (
        retry?.MaximumEventAgeInSeconds !== undefined &&
        (retry.MaximumEventAgeInSeconds < 60 || retry.MaximumEventAgeInSeconds > 86400)
      )
        throw validation('MaximumEventAgeInSeconds must be between 60 and 86400.');
    }
    const ids = new Set([...rule.targets.keys(), ...targets.map((t) => t.Id)]);
    if (ids.size > 5)
      throw new AwsError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
    for (const target of targets) rule.targets.set(target.Id, target);
    this.state.changed();
  }

  /** Puts one validated event on a bus: logs it, matches the rules and queues their deliveries. */
  route(busName: string, event: BusEvent): void {
    // An event forwarded between buses never enters the same bus twice (a rule loop would run forever).
    const visited = this.visitedBuses.get(event) ?? new Set<string>();
    if (visited.has(busName)) {
      this.ctx.log.warn('events: event forwarded back to a bus it already went through; dropped', {
        bus: busName,
        id: event.id,
      });
      return;
    }
    visited.add(busName);
    this.visitedBuses.set(event, visited);
    const ingestionTime = new Date().toISOString();
    const flat = flattenEvent(event);
    const matched: string[] = [];
    for (const rule of this.rules.values()) {
      if (rule.busName !== busName || !rule.compiled || rule.state === 'DISABLED') continue;
      if (!rule.compiled.matchesFlat(flat)) continue;
      matched.push(rule.name);
      this.count(rule, 'MatchedEvents');
      this.count(rule, 'TriggeredRules');
      for (const target of rule.targets.values())
        this.enqueue({ rule, target, event, ingestionTime, firstAttemptAt: Date.now(), attempts: 0 });
    }
    const log = this.log.get(busName) ?? [];
    log.push({ event, receivedAt: ingestionTime, matchedRules: matched });
    if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
    this.log.set(busName, log);
  }

  /** The most recent events of a bus (newest last), for the console. */
  recentEvents(busName = DEFAULT_BUS, limit = LOG_LIMIT): readonly LoggedEvent[] {
    return (this.log.get(this.busNameOf(busName)) ?? []).slice(-limit);
  }

  /** Resolves when no delivery is queued, running or waiting for a retry (tests and benchmarks). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private isIdle(): boolean {
    if (this.stopped) return this.active === 0;
    return this.active === 0 && this.queueHead >= this.queue.length && this.retryTimers.size === 0;
  }

  private enqueue(delivery: Delivery): void {
    this.queue.push(delivery);
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      setImmediate(() => this.pump());
    }
  }

  private pump(): void {
    this.pumpScheduled = false;
    while (!this.stopped && this.active < MAX_CONCURRENT_DELIVERIES && this.queueHead < this.queue.length) {
      const delivery = this.queue[this.queueHead++]!;
      this.active++;
      void this.attempt(delivery)
        .catch((e: unknown) =>
          this.ctx.log.error('events: delivery failed unexpectedly', { rule: delivery.rule.name, error: String(e) }),
        )
        .finally(() => {
          this.active--;
          if (this.queueHead < this.queue.length && !this.pumpScheduled) {
            this.pumpScheduled = true;
            setImmediate(() => this.pump());
          }
          this.settle();
        });
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    this.settle();
  }

  private settle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const { rule, target, event } = delivery;
    delivery.attempts++;
    this.count(rule, 'Invocations');
    let input: string;
    try {
      input = renderTargetInput(target, event, {
        ruleArn: rule.arn,
        ruleName: rule.name,
        ingestionTime: delivery.ingestionTime,
      });
    } catch (e) {
      if (!(e instanceof InputTransformError)) throw e;
      this.fail(delivery, 'ValidationException', e.message, 'MaximumRetryAttempts');
      return;
    }
    try {
      await this.invoke(target, input, event, rule);
    } catch (e) {
      const code = isAwsError(e) ? (e.queryCode ?? e.code) : (e as Error).name || 'InternalException';
      const message = (e as Error).message;
      const retry = { ...DEFAULT_RETRY, ...target.RetryPolicy };
      const ageMs = Date.now() - delivery.firstAttemptAt;
      const permanent = PERMANENT_ERRORS.has(code) || (isAwsError(e) && PERMANENT_ERRORS.has(e.code));
      // Stopping: the delivery is dropped rather than dead-lettered (the retry would have outlived the process).
      if (this.stopped) return;
      if (permanent) return this.fail(delivery, code, message, 'MaximumRetryAttempts');
      if (delivery.attempts > retry.MaximumRetryAttempts)
        return this.fail(delivery, code, message, 'MaximumRetryAttempts');
      const delayMs = this.backoffMs(delivery.attempts);
      if (ageMs + delayMs > (retry.MaximumEventAgeInSeconds * 1000) / this.scale())
        return this.fail(delivery, code, message, 'MaximumEventAgeInSeconds');
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.enqueue(delivery);
      }, delayMs);
      this.retryTimers.add(timer);
    }
  }

  private scale(): number {
    return this.ctx.timeScale > 0 ? this.ctx.timeScale : 1;
  }

  /** Exponential backoff with jitter (1 s, 2 s, 4 s ... capped at 60 s, AWS time), scaled. */
  private backoffMs(attempt: number): number {
    const seconds = Math.min(60, 2 ** (attempt - 1)) * (0.5 + Math.random() * 0.5);
    return (seconds * 1000) / this.scale();
  }

  private fail(delivery: Delivery, code: string, message: string, exhausted: string): void {
    const { rule, target, event } = delivery;
    this.count(rule, 'FailedInvocations');
    this.ctx.log.warn('events: target invocation failed', { rule: rule.name, target: target.Id, code, message });
    const dlq = target.DeadLetterConfig?.Arn;
    if (!dlq) return;
    this.count(rule, 'InvocationsSentToDlq');
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value || '-' });
    void this.cloud
      .call(
        'sqs',
        'SendMessage',
        {
          QueueUrl: dlq,
          MessageBody: JSON.stringify(event),
          MessageAttributes: {
            RULE_ARN: attribute(rule.arn),
            TARGET_ARN: attribute(target.Arn),
            ERROR_CODE: attribute(code),
            ERROR_MESSAGE: attribute(message.slice(0, 1000)),
            EXHAUSTED_RETRY_CONDITION: attribute(exhausted),
            RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(delivery.attempts - 1) },
          },
        },
        'events',
      )
      .catch((e: unknown) => this.ctx.log.warn('events: dead-letter queue send failed', { dlq, error: String(e) }));
  }

  /** Invokes one target with its rendered input. */
  private async invoke(target: Target, input: string, event: BusEvent, rule: Rule): Promise<void> {
    const service = target.Arn.split(':')[2] ?? '';
    switch (service) {
      case 'lambda':
        await this.cloud.call(
          'lambda',
          'Invoke',
          { FunctionName: target.Arn, InvocationType: 'Event', Payload: input },
          'events',
        );
        return;
      case 'states':
        await this.cloud.call('states', 'StartExecution', { stateMachineArn: target.Arn, input }, 'events');
        return;
      case 'sqs': {
        const fifo = target.Arn.endsWith('.fifo');
        await this.cloud.call(
          'sqs',
          'SendMessage',
          {
            QueueUrl: target.Arn,
            MessageBody: input,
            ...(target.SqsParameters?.MessageGroupId ? { MessageGroupId: target.SqsParameters.MessageGroupId } : {}),
            ...(fifo ? { MessageDeduplicationId: event.id } : {}),
          },
          'events',
        );
        return;
      }
      case 'sns':
        await this.cloud.call('sns', 'Publish', { TopicArn: target.Arn, Message: input }, 'events');
        return;
      case 'events': {
        const busName = this.busNameOf(target.Arn);
        if (busName === rule.busName) throw new AwsError('ValidationException', 'A rule cannot target its own bus.');
        this.bus(busName);
        this.route(busName, event);
        return;
      }
      default:
        throw new AwsError('UnsupportedTarget', `The local EventBridge does not deliver to ${target.Arn}`);
    }
  }

  /** AWS publishes each rule metric under RuleName and, for rules on custom buses, EventBusName + RuleName. */
  private count(rule: Rule, metric: string): void {
    const datum = (Dimensions: { Name: string; Value: string }[]) => ({
      MetricName: metric,
      Dimensions,
      Value: 1,
      Unit: 'Count',
    });
    this.metrics.add(datum([{ Name: 'RuleName', Value: rule.name }]));
    if (rule.busName !== 'default') {
      this.metrics.add(
        datum([
          { Name: 'EventBusName', Value: rule.busName },
          { Name: 'RuleName', Value: rule.name },
        ]),
      );
    }
  }

  /** Sends the per-rule counters to the local CloudWatch, when one runs. */
  flushMetrics(): Promise<void> {
    return this.metrics.flush();
  }

  /** Arms the timer of a scheduled rule for its next run (rates are divided by the time scale, cron is UTC). */
  private schedule(rule: Rule, after = new Date()): void {
    if (!rule.scheduleExpression || this.stopped) return;
    let schedule: Schedule;
    try {
      schedule = parseSchedule(rule.scheduleExpression, this.scale());
    } catch (e) {
      this.ctx.log.warn('events: this schedule does not run locally', {
        rule: rule.name,
        schedule: rule.scheduleExpression,
        reason: (e as Error).message,
      });
      return;
    }
    const next = schedule.nextRun(after);
    if (!next) return;
    // setTimeout holds at most ~24.8 days; a later run is re-armed when that wait ends.
    const wait = Math.min(next.getTime() - Date.now(), 2 ** 31 - 1);
    rule.timer = setTimeout(
      () => {
        rule.timer = undefined;
        if (Date.now() < next.getTime()) return this.schedule(rule, after);
        if (rule.state !== 'DISABLED') {
          const event = this.newEvent({
            source: 'aws.events',
            detailType: 'Scheduled Event',
            detail: {},
            resources: [rule.arn],
            time: next,
          });
          for (const target of rule.targets.values())
            this.enqueue({
              rule,
              target,
              event,
              ingestionTime: new Date().toISOString(),
              firstAttemptAt: Date.now(),
              attempts: 0,
            });
        }
        this.schedule(rule, next);
      },
      Math.max(0, wait),
    );
    rule.timer.unref();
  }

  newEvent(fields: {
    source: string;
    detailType: string;
    detail: unknown;
    resources?: string[];
    time?: Date;
  }): BusEvent {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': fields.detailType,
      source: fields.source,
      account: this.ctx.accountId,
      time: isoSeconds(fields.time ?? new Date()),
      region: this.ctx.region,
      resources: fields.resources ?? [],
      detail: fields.detail,
    };
  }

  startSchedules(): void {
    for (const rule of this.rules.values()) if (!rule.timer) this.schedule(rule);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const rule of this.rules.values()) if (rule.timer) clearTimeout(rule.timer);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await this.flushMetrics();
    this.state.flush();
    this.settle();
  }

  changed(): void {
    this.state.changed();
  }
}

type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

const describeBus = (bus: Bus) => ({
  Name: bus.name,
  Arn: bus.arn,
  ...(bus.description !== undefined ? { Description: bus.description } : {}),
  ...(bus.policy !== undefined ? { Policy: bus.policy } : {}),
  CreationTime: epochSeconds(bus.creationTime),
  LastModifiedTime: epochSeconds(bus.lastModifiedTime),
});

const describeRule = (rule: Rule, accountId: string) => ({
  Name: rule.name,
  Arn: rule.arn,
  ...(rule.eventPattern !== undefined ? { EventPattern: rule.eventPattern } : {}),
  ...(rule.scheduleExpression !== undefined ? { ScheduleExpression: rule.scheduleExpression } : {}),
  State: rule.state,
  ...(rule.description !== undefined ? { Description: rule.description } : {}),
  ...(rule.roleArn !== undefined ? { RoleArn: rule.roleArn } : {}),
  EventBusName: rule.busName,
  CreatedBy: accountId,
});

/** Template target (CloudFormation shape) → API target; fails loudly on a target the local cloud cannot reach. */
const templateTarget = (target: Json, ruleId: string): Target => {
  const service = String(target.Arn ?? '').split(':')[2] ?? '';
  if (!TARGET_SERVICES.has(service))
    throw new Error(
      `AWS::Events::Rule ${ruleId}: target ${target.Id} (${target.Arn}) is not supported locally (supported: Lambda, Step Functions, SQS, SNS, event buses)`,
    );
  for (const unsupported of [
    'EcsParameters',
    'BatchParameters',
    'KinesisParameters',
    'RunCommandParameters',
    'HttpParameters',
    'RedshiftDataParameters',
    'SageMakerPipelineParameters',
    'AppSyncParameters',
  ])
    if (target[unsupported] !== undefined)
      throw new Error(`AWS::Events::Rule ${ruleId}: target property ${unsupported} is not supported locally`);
  const retry = target.RetryPolicy;
  return {
    ...target,
    ...(retry
      ? {
          RetryPolicy: {
            ...(retry.MaximumRetryAttempts !== undefined
              ? { MaximumRetryAttempts: Number(retry.MaximumRetryAttempts) }
              : {}),
            ...(retry.MaximumEventAgeInSeconds !== undefined
              ? { MaximumEventAgeInSeconds: Number(retry.MaximumEventAgeInSeconds) }
              : {}),
          },
        }
      : {}),
  } as Target;
};

/** Patterns tested again and again (the CLI, benchmarks) are compiled once. */
const patternCache = new Map<string, CompiledPattern>();
const cachedPattern = (pattern: string): CompiledPattern => {
  let compiled = patternCache.get(pattern);
  if (!compiled) {
    compiled = compilePattern(pattern);
    if (patternCache.size >= 256) patternCache.delete(patternCache.keys().next().value as string);
    patternCache.set(pattern, compiled);
  }
  return compiled;
};

/** Creates the EventBridge service. */
export const createEventsService: ServiceFactory = (ctx: LocalContext, cloud: Cloud): Service => {
  const events = new EventsBackend(ctx, cloud);

  const operations: Record<string, Operation> = {
    PutEvents: async (input) => {
      const entries = input.Entries;
      if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10)
        throw validation(
          `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10`,
        );
      const results: PutEventsResultEntry[] = [];
      const accepted: [string, BusEvent][] = [];
      for (const entry of entries as Json[]) {
        const result = acceptEntry(events, entry);
        if ('event' in result) {
          accepted.push([result.bus, result.event]);
          results.push({ EventId: result.event.id });
        } else results.push(result);
      }
      for (const [bus, event] of accepted) events.route(bus, event);
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    },
    TestEventPattern: async (input) => {
      let event: unknown;
      try {
        event = JSON.parse(String(input.Event));
      } catch {
        throw validation('Parameter Event is not valid.');
      }
      // AWS requires the envelope fields of an event (recorded: an object without them is "not valid").
      if (
        event === null ||
        typeof event !== 'object' ||
        Array.isArray(event) ||
        !['id', 'account', 'source', 'time', 'region', 'detail-type'].every((field) => field in event)
      )
        throw validation('Parameter Event is not valid.');
      return { Result: cachedPattern(String(input.EventPattern)).matches(event) };
    },
    PutRule: async (input) => ({ RuleArn: events.putRule(input, false).arn }),
    DescribeRule: async (input) => describeRule(events.rule(input.Name, input.EventBusName), ctx.accountId),
    DeleteRule: async (input) => {
      const busName = events.bus(input.EventBusName).name;
      const rule = events.rules.get(`${busName}\u0000${input.Name}`);
      if (!rule) return {};
      if (rule.targets.size > 0 && !input.Force) throw validation("Rule can't be deleted since it has targets.");
      events.deleteRule(rule);
      return {};
    },
    EnableRule: async (input) => {
      events.rule(input.Name, input.EventBusName).state = 'ENABLED';
      events.changed();
      return {};
    },
    DisableRule: async (input) => {
      events.rule(input.Name, input.EventBusName).state = 'DISABLED';
      events.changed();
      return {};
    },
    ListRules: async (input) => {
      const busName = events.bus(input.EventBusName).name;
      const prefix = String(input.NamePrefix ?? '');
      const rules = [...events.rules.values()]
        .filter((r) => r.busName === busName && r.name.startsWith(prefix))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((r) => describeRule(r, ctx.accountId));
      const { items, next } = page(rules, input.Limit, input.NextToken);
      return { Rules: items, ...(next ? { NextToken: next } : {}) };
    },
    ListRuleNamesByTarget: async (input) => {
      const busName = events.bus(input.EventBusName).name;
      const names = [...events.rules.values()]
        .filter((r) => r.busName === busName && [...r.targets.values()].some((t) => t.Arn === input.TargetArn))
        .map((r) => r.name);
      const { items, next } = page(names, input.Limit, input.NextToken);
      return { RuleNames: items, ...(next ? { NextToken: next } : {}) };
    },
    PutTargets: async (input) => {
      const rule = events.rule(input.Rule, input.EventBusName);
      if (!Array.isArray(input.Targets) || input.Targets.length === 0) throw validation('Targets must not be empty.');
      events.putTargets(rule, input.Targets as Target[]);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    RemoveTargets: async (input) => {
      const rule = events.rule(input.Rule, input.EventBusName);
      const failed: { TargetId: string; ErrorCode: string; ErrorMessage: string }[] = [];
      for (const id of (input.Ids ?? []) as string[]) {
        if (!rule.targets.delete(id))
          failed.push({
            TargetId: id,
            ErrorCode: 'ResourceNotFoundException',
            ErrorMessage: `Target ${id} does not exist.`,
          });
      }
      events.changed();
      return { FailedEntryCount: failed.length, FailedEntries: failed };
    },
    ListTargetsByRule: async (input) => {
      const rule = events.rule(input.Rule, input.EventBusName);
      const { items, next } = page([...rule.targets.values()], input.Limit, input.NextToken);
      return { Targets: items, ...(next ? { NextToken: next } : {}) };
    },
    CreateEventBus: async (input) => {
      const name = String(input.Name ?? '');
      if (!/^[/.\-_A-Za-z0-9]{1,256}$/.test(name) || name === DEFAULT_BUS || name.includes('/'))
        throw validation(`Event bus name ${name} is not valid.`);
      if (events.buses.has(name))
        throw new AwsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
      const tags = Object.fromEntries(
        ((input.Tags ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]),
      );
      const bus = events.putBus(name, { fromTemplate: false, description: input.Description, tags });
      return { EventBusArn: bus.arn, ...(bus.description !== undefined ? { Description: bus.description } : {}) };
    },
    DescribeEventBus: async (input) => describeBus(events.bus(input.Name)),
    ListEventBuses: async (input) => {
      const prefix = String(input.NamePrefix ?? '');
      const buses = [...events.buses.values()]
        .filter((b) => b.name.startsWith(prefix))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(describeBus);
      const { items, next } = page(buses, input.Limit, input.NextToken);
      return { EventBuses: items, ...(next ? { NextToken: next } : {}) };
    },
    DeleteEventBus: async (input) => {
      const name = events.busNameOf(input.Name);
      if (name === DEFAULT_BUS) throw validation('Cannot delete event bus default.');
      for (const rule of [...events.rules.values()]) if (rule.busName === name) events.deleteRule(rule);
      events.buses.delete(name);
      events.changed();
      return {};
    },
    PutPermission: async (input) => {
      const bus = events.bus(input.EventBusName);
      bus.policy =
        input.Policy ??
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: input.StatementId,
              Effect: 'Allow',
              Principal: { AWS: input.Principal },
              Action: input.Action,
              Resource: bus.arn,
            },
          ],
        });
      events.changed();
      return {};
    },
    RemovePermission: async (input) => {
      const bus = events.bus(input.EventBusName);
      bus.policy = undefined;
      events.changed();
      return {};
    },
    TagResource: async (input) => {
      const tagged = taggable(events, input.ResourceARN);
      for (const tag of (input.Tags ?? []) as { Key: string; Value: string }[]) tagged.tags[tag.Key] = tag.Value;
      events.changed();
      return {};
    },
    UntagResource: async (input) => {
      const tagged = taggable(events, input.ResourceARN);
      for (const key of (input.TagKeys ?? []) as string[]) delete tagged.tags[key];
      events.changed();
      return {};
    },
    ListTagsForResource: async (input) => ({
      Tags: Object.entries(taggable(events, input.ResourceARN).tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  };

  return {
    name: 'events',
    protocol: 'json1.1',
    targetPrefix: 'AWSEvents',
    signingNames: ['events'],
    resourceTypes: ['AWS::Events::EventBus', 'AWS::Events::Rule', 'AWS::Events::EventBusPolicy'],
    unsupportedProperties: {
      'AWS::Events::EventBus': ['EventSourceName', 'DeadLetterConfig'],
    },
    operations,
    provision: async (resources: readonly ResolvedResource[]) => {
      for (const resource of resources) {
        const p = resource.properties;
        if (resource.type === 'AWS::Events::EventBus') {
          const tags = Object.fromEntries(
            ((p.Tags ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]),
          );
          const bus = events.putBus(String(p.Name ?? resource.physicalId), {
            fromTemplate: true,
            description: p.Description,
            tags,
          });
          if (p.Policy !== undefined) bus.policy = typeof p.Policy === 'string' ? p.Policy : JSON.stringify(p.Policy);
        } else if (resource.type === 'AWS::Events::EventBusPolicy') {
          // Kept for DescribeEventBus; policies are not enforced locally (no IAM).
          const bus = events.bus(p.EventBusName);
          const statement = p.Statement ?? {
            Sid: p.StatementId,
            Effect: 'Allow',
            Principal: { AWS: p.Principal },
            Action: p.Action,
            Resource: bus.arn,
            ...(p.Condition ? { Condition: p.Condition } : {}),
          };
          const policy: { Statement: unknown[] } = bus.policy
            ? JSON.parse(bus.policy)
            : { Version: '2012-10-17', Statement: [] };
          policy.Statement.push({ Sid: p.StatementId, ...statement });
          bus.policy = JSON.stringify(policy);
        } else if (resource.type === 'AWS::Events::Rule') {
          const targets = ((p.Targets ?? []) as Json[]).map((t) => templateTarget(t, resource.logicalId));
          const rule = events.putRule({ ...p, Name: p.Name ?? resource.physicalId }, true);
          rule.tags = Object.fromEntries(
            ((p.Tags ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]),
          );
          rule.targets.clear();
          if (targets.length > 0) events.putTargets(rule, targets);
        }
      }
    },
    start: async () => events.startSchedules(),
    stop: async () => events.stop(),
    info: () => ({ eventBuses: [...events.buses.keys()].join(',') }),
    backend: events,
  } as Service & { backend: EventsBackend };
};

/** Validates one PutEvents entry and builds its event, or answers the entry's error as AWS does. */
const acceptEntry = (
  events: EventsBackend,
  entry: Json,
): { bus: string; event: BusEvent } | { ErrorCode: string; ErrorMessage: string } => {
  for (const field of ['Source', 'DetailType', 'Detail'])
    if (entry[field] === undefined || entry[field] === null || entry[field] === '')
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
  let detail: unknown;
  try {
    detail = JSON.parse(String(entry.Detail));
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  if (String(entry.Source).startsWith('aws.'))
    return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  const size =
    Buffer.byteLength(String(entry.Detail)) +
    Buffer.byteLength(String(entry.Source)) +
    Buffer.byteLength(String(entry.DetailType));
  if (size > 256 * 1024)
    return {
      ErrorCode: 'ValidationException',
      ErrorMessage: 'Total size of the entries in the request is over the limit.',
    };
  let bus: string;
  try {
    bus = events.bus(entry.EventBusName).name;
  } catch (e) {
    if (!isAwsError(e)) throw e;
    return { ErrorCode: e.code, ErrorMessage: e.message };
  }
  const time = toDate(entry.Time);
  const event = events.newEvent({
    source: String(entry.Source),
    detailType: String(entry.DetailType),
    detail,
    resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
    ...(time ? { time } : {}),
  });
  return { bus, event };
};

const taggable = (events: EventsBackend, arn: unknown): { tags: Record<string, string> } => {
  const text = String(arn ?? '');
  for (const bus of events.buses.values()) if (bus.arn === text) return bus;
  for (const rule of events.rules.values()) if (rule.arn === text) return rule;
  throw notFound(`Resource ${text} does not exist.`);
};

/** The EventBridge model behind a service created by `createEventsService` (console, benchmarks, tests). */
export const eventsBackendOf = (service: Service): EventsBackend | undefined =>
  (service as Service & { backend?: EventsBackend }).backend;
