import { randomUUID } from 'node:crypto';
import { arn as makeArn } from '../core/arn';
import { AwsError } from '../core/errors';
import { MetricBuffer } from '../core/metrics';
import type { Cloud, LocalContext, Operation, ResolvedResource, Service } from '../core/types';
import { ActivityBoard } from './activities';
import { checkpointTokens, type Definition, Execution } from './engine/execution';
import { TokenRegistry } from './engine/tokens';
import type { HistoryEvent } from './history';
import { cloudIntegrations, type TaskIntegrations } from './integrations';
import { type ExecutionRecord, type MachineRecord, StepFunctionsStore } from './store';
import { validateDefinition } from './validate';

/** The AWS/States metric counting executions that ended with a status. */
const END_METRICS: Partial<Record<string, string>> = {
  SUCCEEDED: 'ExecutionsSucceeded',
  FAILED: 'ExecutionsFailed',
  TIMED_OUT: 'ExecutionsTimedOut',
  ABORTED: 'ExecutionsAborted',
};

/** Options for tests and benchmarks; the factory uses `cloudIntegrations(cloud)`. */
export interface StepFunctionsOptions {
  readonly integrations?: TaskIntegrations;
}

const NAME_CHARS = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/;
/** Execution and machine names: 1-80 characters, no whitespace, brackets, wildcards or control characters. */
const validName = (name: string): boolean =>
  NAME_CHARS.test(name) &&
  ![...name].some((c) => c.charCodeAt(0) < 32 || (c.charCodeAt(0) >= 127 && c.charCodeAt(0) <= 159));

/** API Reference (StartExecution input, SendTaskSuccess output): at most 262144 characters, checked first. */
const checkLength = (text: string | undefined, member: string): void => {
  if (typeof text === 'string' && text.length > 262_144) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to 262144`,
    );
  }
};

/** ListExecutions' statusFilter values (API Reference). */
const EXECUTION_STATUSES = ['SUCCEEDED', 'TIMED_OUT', 'PENDING_REDRIVE', 'ABORTED', 'FAILED', 'RUNNING'];

/** How long GetActivityTask waits for a task (API Reference: up to 60 seconds). */
const ACTIVITY_POLL_MS = 60_000;

const parseInput = (text: string | undefined, code = 'InvalidExecutionInput'): unknown => {
  if (text === undefined || text === null) return {};
  checkLength(text, 'input');
  try {
    return JSON.parse(text);
  } catch {
    // An empty input is worded apart (recorded on AWS: start_res_empty).
    const why = text === '' ? 'Invalid execution input.' : `Unexpected input: ${String(text).slice(0, 100)}`;
    throw new AwsError(code, `Invalid State Machine Execution Input: '${why}'`);
  }
};

/** The API's validation layer: a constraint a request breaks, in AWS's words (ValidationException). */
const invalidParameter = (detail: string): AwsError =>
  new AwsError('ValidationException', `1 validation error detected: ${detail}`);

/**
 * One page of a list. `maxResults` at most 1000 and `nextToken` at most `tokenLimit` characters, checked as AWS's
 * validation layer does (recorded on AWS: list-*-invalid-param-*).
 */
const page = <T>(items: T[], maxResults: number | undefined, nextToken: string | undefined, tokenLimit = 1024) => {
  if (maxResults !== undefined && maxResults > 1000) {
    throw invalidParameter(
      `Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  }
  if (nextToken !== undefined && nextToken.length > tokenLimit) {
    throw invalidParameter(
      `Value '${nextToken}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to ${tokenLimit}`,
    );
  }
  const start = nextToken ? Number.parseInt(Buffer.from(nextToken, 'base64').toString('utf8'), 10) : 0;
  if (Number.isNaN(start)) throw new AwsError('InvalidToken', 'Invalid pagination token');
  const size = maxResults && maxResults > 0 ? maxResults : 100;
  const slice = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
  return { slice, next };
};

/** The wire shape of a history event (timestamps in epoch seconds; data left out on request). */
const wireEvent = (e: HistoryEvent, includeData: boolean): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...e, timestamp: e.timestamp / 1000 };
  if (!includeData) {
    for (const [k, v] of Object.entries(out)) {
      if (k.endsWith('EventDetails') && v && typeof v === 'object') {
        const { input, output, ...rest } = v as Record<string, unknown>;
        void input;
        void output;
        out[k] = rest;
      }
    }
  }
  return out;
};

/**
 * The Step Functions service: state machines from the template or CreateStateMachine, Standard executions
 * persisted and resumed, Express executions run in memory (sync and async), task tokens across both.
 */
export class StepFunctionsService implements Service {
  readonly name = 'states';
  readonly protocol = 'json1.0' as const;
  readonly targetPrefix = 'AWSStepFunctions';
  readonly signingNames = ['states'];
  readonly resourceTypes = ['AWS::StepFunctions::StateMachine', 'AWS::StepFunctions::Activity'];
  readonly operations: Record<string, Operation>;
  readonly store: StepFunctionsStore;
  readonly tokens = new TokenRegistry();
  private readonly running = new Map<string, Execution>();
  private readonly integrations: TaskIntegrations;

  private readonly metrics: MetricBuffer;

  constructor(
    private readonly ctx: LocalContext,
    cloud: Cloud | undefined,
    options: StepFunctionsOptions = {},
  ) {
    this.store = new StepFunctionsStore(ctx.dataDir);
    this.metrics = new MetricBuffer(cloud, 'AWS/States', 'states');
    const integrations = options.integrations ?? (cloud ? cloudIntegrations(cloud) : undefined);
    if (!integrations) throw new Error('StepFunctionsService needs a cloud or integrations');
    this.integrations = integrations;
    const op =
      <I, O>(fn: (input: I) => Promise<O> | O): Operation =>
      async (input: I) =>
        fn.call(this, input ?? ({} as I));
    this.operations = {
      CreateStateMachine: op(this.createStateMachine),
      UpdateStateMachine: op(this.updateStateMachine),
      DeleteStateMachine: op(this.deleteStateMachine),
      DescribeStateMachine: op(this.describeStateMachine),
      ListStateMachines: op(this.listStateMachines),
      StartExecution: op(this.startExecution),
      StartSyncExecution: op(this.startSyncExecution),
      DescribeExecution: op(this.describeExecution),
      ListExecutions: op(this.listExecutions),
      GetExecutionHistory: op(this.getExecutionHistory),
      StopExecution: op(this.stopExecution),
      SendTaskSuccess: op(this.sendTaskSuccess),
      SendTaskFailure: op(this.sendTaskFailure),
      SendTaskHeartbeat: op(this.sendTaskHeartbeat),
      DescribeStateMachineForExecution: op(this.describeStateMachineForExecution),
      CreateActivity: op(this.createActivity),
      DeleteActivity: op(this.deleteActivity),
      DescribeActivity: op(this.describeActivity),
      ListActivities: op(this.listActivities),
      GetActivityTask: op(this.getActivityTask),
    };
  }

  private readonly definitions = new Map<string, Definition>();
  /** Queued activity tasks and the workers polling for them. */
  private readonly activities = new ActivityBoard((arn) => this.store.activities.has(arn));
  /** Ends the workers' long polls when the service stops. */
  private readonly polls = new AbortController();

  /** Parsed definitions are shared by all executions of the same text (they are never mutated). */
  private parsed(text: string): Definition {
    let def = this.definitions.get(text);
    if (!def) {
      def = JSON.parse(text) as Definition;
      this.definitions.set(text, def);
    }
    return def;
  }

  private arn(resource: string): string {
    return makeArn('states', this.ctx.region, this.ctx.accountId, resource);
  }

  // ----- lifecycle

  async provision(resources: readonly ResolvedResource[]): Promise<void> {
    for (const r of resources) {
      if (r.type === 'AWS::StepFunctions::Activity') {
        this.createActivity({ name: r.physicalId.split(':').pop() ?? r.logicalId });
        continue;
      }
      if (r.type !== 'AWS::StepFunctions::StateMachine') continue;
      const p = r.properties;
      const name = (p.StateMachineName as string | undefined) ?? r.physicalId.split(':').pop() ?? r.logicalId;
      const definition =
        typeof p.DefinitionString === 'string' ? p.DefinitionString : JSON.stringify(p.Definition ?? {});
      const stateMachineArn = r.physicalId.startsWith('arn:') ? r.physicalId : this.arn(`stateMachine:${name}`);
      const existing = this.store.machines.get(stateMachineArn);
      const record: MachineRecord = {
        stateMachineArn,
        name,
        definition,
        roleArn: (p.RoleArn as string | undefined) ?? this.arn('role/local'),
        type: p.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
        creationDate: existing?.creationDate ?? Date.now(),
        updateDate: existing ? Date.now() : undefined,
        loggingConfiguration: (p.LoggingConfiguration as Record<string, unknown>) ?? {
          level: 'OFF',
          includeExecutionData: false,
        },
        tracingConfiguration: (p.TracingConfiguration as Record<string, unknown>) ?? { enabled: false },
      };
      validateDefinition(definition, record.type);
      this.store.putMachine(record);
    }
  }

  /** Resumes the Standard executions that were running when the process stopped. */
  async start(): Promise<void> {
    this.store.compact();
    for (const record of this.store.executions.values()) {
      if (record.status !== 'RUNNING') continue;
      if (!record.checkpoint) {
        // Stopped before its first state was recorded: start it over with a fresh history.
        record.history.length = 0;
      }
      for (const token of checkpointTokens(record.checkpoint)) this.tokens.reserve(token, record.executionArn);
      this.launch(record, record.checkpoint);
    }
  }

  async stop(): Promise<void> {
    this.polls.abort();
    await this.metrics.flush();
    this.store.close();
    for (const execution of this.running.values()) execution.abandon();
    this.running.clear();
  }

  info(): Record<string, string> {
    return { stateMachines: String(this.store.machines.size) };
  }

  // ----- state machines

  private machine(arn: string | undefined): MachineRecord {
    const m = arn ? this.store.machines.get(arn) : undefined;
    if (!m) {
      if (!arn?.startsWith('arn:'))
        throw new AwsError('InvalidArn', `Invalid Arn: 'Invalid ARN prefix: ${String(arn)}'`);
      throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    }
    return m;
  }

  private createStateMachine(input: {
    name: string;
    definition: string;
    roleArn: string;
    type?: 'STANDARD' | 'EXPRESS';
    loggingConfiguration?: Record<string, unknown>;
    tracingConfiguration?: Record<string, unknown>;
  }) {
    if (!input.name || !validName(input.name)) throw new AwsError('InvalidName', `Invalid Name: '${input.name}'`);
    const type = input.type ?? 'STANDARD';
    validateDefinition(input.definition, type);
    const stateMachineArn = this.arn(`stateMachine:${input.name}`);
    const existing = this.store.machines.get(stateMachineArn);
    if (existing) {
      if (existing.definition === input.definition && existing.roleArn === input.roleArn && existing.type === type) {
        return { stateMachineArn, creationDate: existing.creationDate / 1000 };
      }
      throw new AwsError('StateMachineAlreadyExists', `State Machine Already Exists: '${stateMachineArn}'`);
    }
    const record: MachineRecord = {
      stateMachineArn,
      name: input.name,
      definition: input.definition,
      roleArn: input.roleArn,
      type,
      creationDate: Date.now(),
      loggingConfiguration: input.loggingConfiguration ?? { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: input.tracingConfiguration ?? { enabled: false },
    };
    this.store.putMachine(record);
    return { stateMachineArn, creationDate: record.creationDate / 1000 };
  }

  private updateStateMachine(input: {
    stateMachineArn: string;
    definition?: string;
    roleArn?: string;
    loggingConfiguration?: Record<string, unknown>;
    tracingConfiguration?: Record<string, unknown>;
  }) {
    const m = this.machine(input.stateMachineArn);
    const changes = [input.definition, input.roleArn, input.loggingConfiguration, input.tracingConfiguration];
    if (changes.every((c) => c === undefined)) {
      throw new AwsError(
        'MissingRequiredParameter',
        'Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified',
      );
    }
    if (input.definition !== undefined) {
      validateDefinition(input.definition, m.type);
      m.definition = input.definition;
    }
    if (input.roleArn) m.roleArn = input.roleArn;
    if (input.loggingConfiguration) m.loggingConfiguration = input.loggingConfiguration;
    if (input.tracingConfiguration) m.tracingConfiguration = input.tracingConfiguration;
    m.updateDate = Date.now();
    this.store.putMachine(m);
    return { updateDate: m.updateDate / 1000, revisionId: randomUUID() };
  }

  private deleteStateMachine(input: { stateMachineArn: string }) {
    if (this.store.machines.has(input.stateMachineArn)) this.store.deleteMachine(input.stateMachineArn);
    return {};
  }

  private describeMachineRecord(m: MachineRecord, definition = m.definition) {
    return {
      stateMachineArn: m.stateMachineArn,
      name: m.name,
      status: 'ACTIVE',
      definition,
      roleArn: m.roleArn,
      type: m.type,
      creationDate: m.creationDate / 1000,
      loggingConfiguration: m.loggingConfiguration,
      tracingConfiguration: m.tracingConfiguration,
    };
  }

  private describeStateMachine(input: { stateMachineArn: string }) {
    return this.describeMachineRecord(this.machine(input.stateMachineArn));
  }

  private listStateMachines(input: { maxResults?: number; nextToken?: string }) {
    const all = [...this.store.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
    const { slice, next } = page(all, input.maxResults, input.nextToken);
    return {
      stateMachines: slice.map((m) => ({
        stateMachineArn: m.stateMachineArn,
        name: m.name,
        type: m.type,
        creationDate: m.creationDate / 1000,
      })),
      ...(next ? { nextToken: next } : {}),
    };
  }

  // ----- executions

  /**
   * AWS/States metrics of an execution (dimension StateMachineArn): ExecutionsStarted when it starts (not again
   * when a restart resumes it), then ExecutionsSucceeded/Failed/TimedOut/Aborted and ExecutionTime at its end.
   */
  private track(stateMachineArn: string, execution: Execution, startDate: number, started: boolean): void {
    if (started) this.metric('ExecutionsStarted', stateMachineArn, 1, 'Count');
    void execution.done.then(() => {
      const end = END_METRICS[execution.status];
      if (!end) return;
      this.metric(end, stateMachineArn, 1, 'Count');
      this.metric('ExecutionTime', stateMachineArn, (execution.stopDate ?? Date.now()) - startDate, 'Milliseconds');
    });
  }

  private metric(MetricName: string, StateMachineArn: string, Value: number, Unit: string): void {
    this.metrics.add({ MetricName, Dimensions: [{ Name: 'StateMachineArn', Value: StateMachineArn }], Value, Unit });
  }

  /** Sends the buffered AWS/States metrics to the local CloudWatch, when one runs. */
  flushMetrics(): Promise<void> {
    return this.metrics.flush();
  }

  private newExecution(
    m: MachineRecord,
    name: string,
    input: unknown,
    executionArn: string,
    history: HistoryEvent[],
    record?: ExecutionRecord,
  ): Execution {
    return new Execution(
      {
        executionArn,
        stateMachineArn: m.stateMachineArn,
        name,
        roleArn: record?.roleArn ?? m.roleArn,
        definition: this.parsed(record?.definition ?? m.definition),
        input,
        startDate: record?.startDate ?? Date.now(),
        recordHistory: m.type === 'STANDARD',
        history,
        checkpoint: record?.checkpoint,
        sink: record ? (event) => this.store.journalEvent(record, event) : undefined,
        onCheckpoint: record ? (cp) => this.store.setCheckpoint(record, cp) : undefined,
      },
      {
        integrations: this.integrations,
        tokens: this.tokens,
        timeScale: this.ctx.timeScale,
        region: this.ctx.region,
        accountId: this.ctx.accountId,
        activities: this.activities,
      },
    );
  }

  /** Runs a Standard execution in the background and records its end. */
  private launch(record: ExecutionRecord, _checkpoint: unknown): Execution {
    const m = this.store.machines.get(record.stateMachineArn) ?? {
      stateMachineArn: record.stateMachineArn,
      name: record.stateMachineArn.split(':').pop() ?? '',
      definition: record.definition,
      roleArn: record.roleArn,
      type: 'STANDARD' as const,
      creationDate: record.startDate,
      loggingConfiguration: {},
      tracingConfiguration: {},
    };
    const execution = this.newExecution(
      m,
      record.name,
      JSON.parse(record.input),
      record.executionArn,
      record.history,
      record,
    );
    this.running.set(record.executionArn, execution);
    this.track(m.stateMachineArn, execution, record.startDate, !record.checkpoint);
    void execution.run().then(() => {
      this.running.delete(record.executionArn);
      if (execution.status === 'RUNNING') return;
      record.status = execution.status;
      record.stopDate = execution.stopDate;
      record.output = execution.output;
      record.error = execution.error;
      record.cause = execution.cause;
      record.checkpoint = undefined;
      this.store.saveExecution(record);
    });
    return execution;
  }

  private executionName(name: string | undefined): string {
    if (name === undefined) return randomUUID();
    if (!validName(name)) throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
    return name;
  }

  private startExecution(input: { stateMachineArn: string; name?: string; input?: string }) {
    const m = this.machine(input.stateMachineArn);
    const name = this.executionName(input.name);
    const inputText = input.input ?? '{}';
    const parsed = parseInput(inputText);
    if (m.type === 'EXPRESS') {
      // Express executions are neither listed nor described (their ARNs use the `express` resource type).
      const executionArn = this.arn(`express:${m.name}:${name}:${randomUUID()}`);
      const execution = this.newExecution(m, name, parsed, executionArn, []);
      this.track(m.stateMachineArn, execution, Date.now(), true);
      void execution.run();
      return { executionArn, startDate: Date.now() / 1000 };
    }
    const executionArn = this.arn(`execution:${m.name}:${name}`);
    const existing = this.store.executions.get(executionArn);
    if (existing) {
      // Same name and input while running: the same execution (idempotent); otherwise the name is taken.
      if (existing.status === 'RUNNING' && existing.input === inputText) {
        return { executionArn, startDate: existing.startDate / 1000 };
      }
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: m.stateMachineArn,
      name,
      input: inputText,
      startDate: Date.now(),
      definition: m.definition,
      roleArn: m.roleArn,
      status: 'RUNNING',
      history: [],
    };
    this.store.putExecution(record);
    this.launch(record, undefined);
    return { executionArn, startDate: record.startDate / 1000 };
  }

  private async startSyncExecution(input: { stateMachineArn: string; name?: string; input?: string }) {
    const m = this.machine(input.stateMachineArn);
    if (m.type !== 'EXPRESS') {
      throw new AwsError(
        'StateMachineTypeNotSupported',
        'This operation is not supported by this type of state machine',
      );
    }
    const name = this.executionName(input.name);
    const inputText = input.input ?? '{}';
    const parsed = parseInput(inputText);
    const executionArn = this.arn(`express:${m.name}:${name}:${randomUUID()}`);
    const execution = this.newExecution(m, name, parsed, executionArn, []);
    const started = Date.now();
    this.track(m.stateMachineArn, execution, started, true);
    await execution.run();
    const stopDate = execution.stopDate ?? Date.now();
    return {
      executionArn,
      stateMachineArn: m.stateMachineArn,
      name,
      startDate: started / 1000,
      stopDate: stopDate / 1000,
      status: execution.status,
      input: inputText,
      inputDetails: { included: true },
      ...(execution.output !== undefined ? { output: execution.output } : {}),
      outputDetails: { included: true },
      ...(execution.error !== undefined ? { error: execution.error } : {}),
      ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
      billingDetails: {
        billedMemoryUsedInMB: 64,
        billedDurationInMilliseconds: Math.max(100, Math.ceil((stopDate - started) / 100) * 100),
      },
    };
  }

  private execution(arn: string | undefined): ExecutionRecord {
    if (typeof arn === 'string' && /^arn:[^:]+:states:[^:]*:[^:]*:express:/.test(arn)) {
      throw new AwsError('InvalidArn', "Invalid Arn: 'Resource type not valid in this context: express'");
    }
    const x = arn ? this.store.executions.get(arn) : undefined;
    if (!x) {
      if (!arn?.startsWith('arn:'))
        throw new AwsError('InvalidArn', `Invalid Arn: 'Invalid ARN prefix: ${String(arn)}'`);
      throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    }
    return x;
  }

  private describeExecution(input: { executionArn: string }) {
    const x = this.execution(input.executionArn);
    return {
      executionArn: x.executionArn,
      stateMachineArn: x.stateMachineArn,
      name: x.name,
      status: x.status,
      startDate: x.startDate / 1000,
      ...(x.stopDate !== undefined ? { stopDate: x.stopDate / 1000 } : {}),
      input: x.input,
      inputDetails: { included: true },
      ...(x.output !== undefined ? { output: x.output, outputDetails: { included: true } } : {}),
      ...(x.error !== undefined ? { error: x.error } : {}),
      ...(x.cause !== undefined ? { cause: x.cause } : {}),
      redriveCount: 0,
      // As AWS describes them (recorded: test_describe_execution); RedriveExecution itself is not implemented.
      ...(x.status === 'RUNNING' || x.status === 'SUCCEEDED'
        ? {
            redriveStatus: 'NOT_REDRIVABLE',
            redriveStatusReason: `Execution is ${x.status} and cannot be redriven`,
          }
        : { redriveStatus: 'REDRIVABLE' }),
    };
  }

  // ----- activities (API Reference: CreateActivity, DescribeActivity, ListActivities, DeleteActivity, GetActivityTask)

  private createActivity(input: { name: string }) {
    if (!input.name || !validName(input.name)) throw new AwsError('InvalidName', `Invalid Name: '${input.name}'`);
    const activityArn = this.arn(`activity:${input.name}`);
    // Creating an activity that exists is idempotent (it answers the existing one).
    const existing = this.store.activities.get(activityArn);
    const activity = existing ?? { activityArn, name: input.name, creationDate: Date.now() };
    if (!existing) this.store.putActivity(activity);
    return { activityArn, creationDate: activity.creationDate / 1000 };
  }

  private activity(activityArn: string) {
    const activity = this.store.activities.get(activityArn);
    if (!activity) throw new AwsError('ActivityDoesNotExist', `Activity Does Not Exist: '${activityArn}'`);
    return activity;
  }

  private describeActivity(input: { activityArn: string }) {
    const { activityArn, name, creationDate } = this.activity(input.activityArn);
    return { activityArn, name, creationDate: creationDate / 1000 };
  }

  private listActivities(input: { maxResults?: number; nextToken?: string }) {
    const all = [...this.store.activities.values()].sort((a, b) => a.name.localeCompare(b.name));
    const { slice, next } = page(all, input.maxResults, input.nextToken);
    return {
      activities: slice.map((a) => ({ activityArn: a.activityArn, name: a.name, creationDate: a.creationDate / 1000 })),
      ...(next ? { nextToken: next } : {}),
    };
  }

  private deleteActivity(input: { activityArn: string }) {
    if (this.store.activities.has(input.activityArn)) {
      this.store.deleteActivity(input.activityArn);
      this.activities.forget(input.activityArn);
    }
    return {};
  }

  /** Long-polls for a task of the activity: up to 60 seconds, as on AWS, then an answer without a token. */
  private getActivityTask(input: { activityArn: string; workerName?: string }) {
    this.activity(input.activityArn);
    return this.activities.poll(input.activityArn, input.workerName, ACTIVITY_POLL_MS, this.polls.signal);
  }

  private describeStateMachineForExecution(input: { executionArn: string }) {
    const x = this.execution(input.executionArn);
    const m = this.store.machines.get(x.stateMachineArn);
    const base = m
      ? this.describeMachineRecord(m, x.definition)
      : { stateMachineArn: x.stateMachineArn, definition: x.definition };
    const { status, type, creationDate, ...rest } = base as Record<string, unknown>;
    void status;
    void type;
    return { ...rest, updateDate: ((m?.updateDate ?? m?.creationDate ?? x.startDate) as number) / 1000 };
  }

  private listExecutions(input: {
    stateMachineArn: string;
    statusFilter?: string;
    maxResults?: number;
    nextToken?: string;
  }) {
    if (input.statusFilter !== undefined && !EXECUTION_STATUSES.includes(input.statusFilter)) {
      throw invalidParameter(
        `Value '${input.statusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${EXECUTION_STATUSES.join(', ')}]`,
      );
    }
    const m = this.machine(input.stateMachineArn);
    if (m.type === 'EXPRESS') {
      throw new AwsError(
        'StateMachineTypeNotSupported',
        'This operation is not supported by this type of state machine',
      );
    }
    const all = [...this.store.executions.values()]
      .filter(
        (x) => x.stateMachineArn === m.stateMachineArn && (!input.statusFilter || x.status === input.statusFilter),
      )
      .sort((a, b) => b.startDate - a.startDate);
    const { slice, next } = page(all, input.maxResults, input.nextToken, 3096);
    return {
      executions: slice.map((x) => ({
        executionArn: x.executionArn,
        stateMachineArn: x.stateMachineArn,
        name: x.name,
        status: x.status,
        startDate: x.startDate / 1000,
        ...(x.stopDate !== undefined ? { stopDate: x.stopDate / 1000 } : {}),
        redriveCount: 0,
      })),
      ...(next ? { nextToken: next } : {}),
    };
  }

  private getExecutionHistory(input: {
    executionArn: string;
    maxResults?: number;
    nextToken?: string;
    reverseOrder?: boolean;
    includeExecutionData?: boolean;
  }) {
    const x = this.execution(input.executionArn);
    const events = input.reverseOrder ? [...x.history].reverse() : x.history;
    const { slice, next } = page(events, input.maxResults, input.nextToken, 3096);
    const includeData = input.includeExecutionData !== false;
    return { events: slice.map((e) => wireEvent(e, includeData)), ...(next ? { nextToken: next } : {}) };
  }

  private stopExecution(input: { executionArn: string; error?: string; cause?: string }) {
    const x = this.execution(input.executionArn);
    if (x.status !== 'RUNNING') {
      throw new AwsError('ExecutionNotRedrivable', `Execution is not running: '${x.executionArn}'`);
    }
    this.running.get(x.executionArn)?.stop(input.error, input.cause);
    return { stopDate: Date.now() / 1000 };
  }

  // ----- task tokens

  private waiter(token: string | undefined) {
    if (!token || typeof token !== 'string') throw new AwsError('InvalidToken', 'Invalid Token: missing');
    const waiter = this.tokens.get(token);
    if (waiter) return waiter;
    if (TokenRegistry.executionOf(token) === undefined) throw new AwsError('InvalidToken', `Invalid Token: '${token}'`);
    if (this.tokens.closedReason(token) === 'timedOut') throw new AwsError('TaskTimedOut', 'Task Timed Out');
    throw new AwsError('TaskDoesNotExist', 'Task Does Not Exist');
  }

  private sendTaskSuccess(input: { taskToken: string; output: string }) {
    checkLength(input.output, 'output');
    const waiter = this.waiter(input.taskToken);
    let output: unknown;
    try {
      output = JSON.parse(input.output);
    } catch {
      throw new AwsError('InvalidOutput', `Invalid Output: '${String(input.output).slice(0, 100)}'`);
    }
    waiter.succeed(output);
    return {};
  }

  private sendTaskFailure(input: { taskToken: string; error?: string; cause?: string }) {
    this.waiter(input.taskToken).fail(input.error, input.cause);
    return {};
  }

  private sendTaskHeartbeat(input: { taskToken: string }) {
    this.waiter(input.taskToken).heartbeat();
    return {};
  }
}
