import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parseEmfLine } from '../cloudwatch/emf.ts';
import { AwsError, isAwsError } from '../core/errors.ts';
import { type JsonState, jsonState } from '../core/json-state.ts';
import type {
  Cloud,
  LocalContext,
  RawResponse,
  ResolvedResource,
  Route,
  Service,
  ServiceFactory,
} from '../core/types.ts';
import {
  defaultEventInvokeConfig,
  type EventInvokeConfig,
  eventInvokeConfigFromResource,
  type InvocationRecord,
  invocationRecord,
  sendToDeadLetter,
  sendToDestination,
} from './async-invoke.ts';
import { type FunctionLogLine, FunctionLogs, logTail } from './logs.ts';
import { functionConfiguration, functionFromResource, type LambdaFunction, parseFunctionRef } from './model.ts';
import { type Admission, FunctionPool } from './pool.ts';
import { type EventSourceMapping, mappingFromResource, SqsPoller } from './sqs-poller.ts';
import type { WorkerResult } from './worker.ts';

/** The internal `Invoke` answer (see local/core/types.ts). */
export interface InvokeOutput {
  StatusCode: number;
  FunctionError?: 'Unhandled';
  Payload: string;
  LogResult?: string;
  ExecutedVersion?: string;
}

/** The Lambda service plus what a console reads. */
export interface LambdaService extends Service {
  /** The newest log lines of a function (by name), oldest first. */
  logs(functionName: string, options?: { limit?: number; requestId?: string; since?: number }): FunctionLogLine[];
  /** Discard a function's idle environments so that its next invocation is a cold start (benchmarks, tests). */
  discardEnvironments(functionName: string): void;
}

/** An asynchronous invocation waiting for its next attempt. */
interface PendingEvent {
  readonly id: string;
  readonly functionName: string;
  readonly payload: string;
  /** Number of the next attempt (1 = first). */
  attempt: number;
  readonly queuedAt: number;
  /** Epoch ms before which the next attempt does not run. */
  notBefore: number;
}

/**
 * Live environments per function without reserved concurrency (each is a node process on this machine);
 * `DISHPATCH_LAMBDA_MAX_ENVIRONMENTS` overrides it.
 */
const unreservedCap = Number(process.env.DISHPATCH_LAMBDA_MAX_ENVIRONMENTS) || 8;
/** Idle environments are discarded after this long, as Lambda recycles idle sandboxes. */
const idleMs = 10 * 60 * 1000;
/** Lambda waits one minute before the first retry of an event and two before the second. */
const retryDelaysMs = [60_000, 120_000];

const projectNodeModules = path.resolve(__dirname, '..', '..', 'node_modules');

const payloadText = (payload: unknown): string => {
  if (payload === undefined || payload === null) return '';
  if (typeof payload === 'string') return payload;
  if (payload instanceof Uint8Array) return Buffer.from(payload).toString('utf8');
  return JSON.stringify(payload);
};

/** Rest-json errors: the type in `x-amzn-errortype`, `{Type, message}` in the body (as Lambda answers). */
const errorResponse = (error: unknown): RawResponse => {
  const aws = isAwsError(error) ? error : new AwsError('ServiceException', (error as Error).message, 500, false);
  return {
    status: aws.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': aws.code },
    body: JSON.stringify({ Type: aws.senderFault ? 'User' : 'Service', message: aws.message, ...aws.fields }),
  };
};

const jsonResponse = (body: unknown, status = 200): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const mappingView = (m: EventSourceMapping): Record<string, unknown> => ({
  UUID: m.uuid,
  BatchSize: m.batchSize,
  MaximumBatchingWindowInSeconds: m.batchingWindowSeconds,
  EventSourceArn: m.eventSourceArn,
  FunctionArn: m.functionArn,
  LastModified: m.lastModified.getTime() / 1000,
  State: m.enabled ? 'Enabled' : 'Disabled',
  StateTransitionReason: 'USER_INITIATED',
  FunctionResponseTypes: m.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
  ...(m.filters.length ? { FilterCriteria: { Filters: m.filters.map((Pattern) => ({ Pattern })) } } : {}),
  ScalingConfig: { MaximumConcurrency: m.maximumConcurrency },
});

class LocalLambda {
  readonly functions = new Map<string, LambdaFunction>();
  readonly pools = new Map<string, FunctionPool>();
  readonly invokeConfigs = new Map<string, EventInvokeConfig>();
  readonly mappings = new Map<string, EventSourceMapping>();
  readonly logStore = new FunctionLogs();
  private pollers: SqsPoller[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Asynchronous events not yet settled; persisted so that a restart resumes them. */
  private readonly pending = new Map<string, PendingEvent>();
  private readonly state: JsonState<{ events: PendingEvent[] }>;

  constructor(
    private readonly ctx: LocalContext,
    private readonly cloud: Cloud,
  ) {
    this.state = jsonState(ctx.dataDir ? path.join(ctx.dataDir, 'lambda') : undefined, () => ({
      events: [...this.pending.values()],
    }));
    for (const event of this.state.load()?.events ?? []) this.pending.set(event.id, event);
  }

  /** Function name → published version or alias name → the version it runs (all run the template's code). */
  readonly qualifiers = new Map<string, Map<string, string>>();

  /** The version an invocation with this qualifier runs ('$LATEST', a version number, or an alias's version). */
  executedVersion(ref: string, qualifier?: string): string {
    const parsed = parseFunctionRef(ref);
    const version = qualifier ?? parsed.qualifier;
    return version === undefined || version === '$LATEST'
      ? '$LATEST'
      : (this.qualifiers.get(parsed.name)?.get(version) ?? '$LATEST');
  }

  find(ref: string, qualifier?: string): LambdaFunction {
    const parsed = parseFunctionRef(ref);
    const fn = this.functions.get(parsed.name);
    const version = qualifier ?? parsed.qualifier;
    const known = version === undefined || version === '$LATEST' || this.qualifiers.get(parsed.name)?.has(version);
    if (!fn || !known) {
      const suffix = version ? `:${version}` : '';
      throw new AwsError(
        'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:${this.ctx.region}:${this.ctx.accountId}:function:${parsed.name}${suffix}`,
        404,
      );
    }
    return fn;
  }

  private pool(fn: LambdaFunction): FunctionPool {
    let pool = this.pools.get(fn.name);
    if (!pool) {
      pool = new FunctionPool({
        env: this.environment(fn),
        cwd: fn.codeDir,
        memoryMb: fn.memoryMb,
        reserved: fn.reservedConcurrency,
        unreservedCap,
        idleMs,
      });
      this.pools.set(fn.name, pool);
    }
    return pool;
  }

  /** The process environment of a function: the template's variables plus what Lambda's runtime sets. */
  private environment(fn: LambdaFunction): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: 'UTC',
      // CommonJS bundles that keep the SDK external find it here, as Lambda's runtime provides it.
      NODE_PATH: projectNodeModules,
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      ...fn.variables,
      AWS_ENDPOINT_URL: this.ctx.endpoint,
      AWS_REGION: this.ctx.region,
      AWS_DEFAULT_REGION: this.ctx.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID().replace(/-/g, '')}`,
      ...(fn.logFormat === 'JSON' ? { AWS_LAMBDA_LOG_FORMAT: 'JSON' } : {}),
      ...(fn.applicationLogLevel ? { AWS_LAMBDA_LOG_LEVEL: fn.applicationLogLevel } : {}),
      _HANDLER: fn.handler,
      LAMBDA_TASK_ROOT: fn.codeDir,
    };
  }

  provision(resources: readonly ResolvedResource[]): void {
    for (const resource of resources.filter((r) => r.type === 'AWS::Lambda::Function')) {
      const fn = functionFromResource(this.ctx, resource);
      this.functions.set(fn.name, fn);
    }
    const byRef = (ref: string) => this.find(ref);
    for (const resource of resources) {
      if (resource.type === 'AWS::Lambda::EventInvokeConfig') {
        const fn = byRef(String(resource.properties.FunctionName));
        this.invokeConfigs.set(fn.name, eventInvokeConfigFromResource(resource));
      } else if (resource.type === 'AWS::Lambda::EventSourceMapping') {
        const mapping = mappingFromResource(resource, byRef);
        this.mappings.set(mapping.uuid, mapping);
      } else if (resource.type === 'AWS::Lambda::Version' || resource.type === 'AWS::Lambda::Alias') {
        const fn = byRef(String(resource.properties.FunctionName));
        let versions = this.qualifiers.get(fn.name);
        if (!versions) {
          versions = new Map();
          this.qualifiers.set(fn.name, versions);
        }
        if (resource.type === 'AWS::Lambda::Version') {
          const number = resource.attributes.Version ?? resource.physicalId.split(':').pop() ?? '1';
          versions.set(number, number);
        } else {
          versions.set(String(resource.properties.Name), String(resource.properties.FunctionVersion ?? '$LATEST'));
        }
      } else if (resource.type === 'AWS::Lambda::Url') {
        throw new Error(`${resource.logicalId} (AWS::Lambda::Url): function URLs are not supported locally`);
      }
    }
  }

  start(): void {
    for (const event of this.pending.values()) this.schedule(event, Math.max(0, event.notBefore - Date.now()));
    for (const mapping of this.mappings.values()) {
      const poller = new SqsPoller(this.cloud, mapping, async (name, payload) => {
        const outcome = await this.run(this.find(name), payload, 'wait');
        return outcome.result;
      });
      poller.start();
      this.pollers.push(poller);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.all(this.pollers.map((p) => p.stop()));
    this.pollers = [];
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
    this.state.flush();
  }

  /** Run one invocation: logs (START/END/REPORT like Lambda), EMF metrics, AWS/Lambda metrics. */
  async run(
    fn: LambdaFunction,
    payload: string,
    admission: Admission,
    clientContext?: unknown,
  ): Promise<{ requestId: string; result: WorkerResult }> {
    const requestId = randomUUID();
    const pool = this.pool(fn);
    let result: WorkerResult;
    try {
      result = await pool.invoke(
        { requestId, payload, invokedFunctionArn: fn.arn, timeoutMs: fn.timeoutSeconds * 1000, clientContext },
        admission,
      );
    } catch (error) {
      if (isAwsError(error) && error.code === 'TooManyRequestsException') this.metrics(fn, { Throttles: 1 });
      throw error;
    }
    const duration = result.durationMs.toFixed(2);
    const report = [
      `REPORT RequestId: ${requestId}`,
      `Duration: ${duration} ms`,
      `Billed Duration: ${Math.max(1, Math.ceil(result.durationMs))} ms`,
      `Memory Size: ${fn.memoryMb} MB`,
      `Max Memory Used: ${result.maxMemoryMb ?? 0} MB`,
      ...(result.initMs !== undefined ? [`Init Duration: ${result.initMs.toFixed(2)} ms`] : []),
    ].join('\t');
    const lines = [
      `START RequestId: ${requestId} Version: $LATEST`,
      ...result.logs,
      `END RequestId: ${requestId}`,
      `${report}\t`,
    ];
    this.logStore.append(fn.name, requestId, lines);
    for (const line of result.logs) this.ctx.log.debug(`[${fn.name}] ${line}`);
    for (const line of result.logs) {
      for (const input of parseEmfLine(line) ?? []) void this.putMetrics(input);
    }
    this.metrics(fn, {
      Invocations: 1,
      Errors: result.error ? 1 : 0,
      Duration: result.durationMs,
      ConcurrentExecutions: pool.concurrent + 1,
    });
    return { requestId, result: { ...result, logs: lines } };
  }

  private metrics(fn: LambdaFunction, values: Record<string, number>): void {
    const units: Record<string, string> = { Duration: 'Milliseconds' };
    void this.putMetrics({
      Namespace: 'AWS/Lambda',
      MetricData: Object.entries(values).map(([name, value]) => ({
        MetricName: name,
        Dimensions: [{ Name: 'FunctionName', Value: fn.name }],
        Timestamp: new Date(),
        Value: value,
        Unit: units[name] ?? 'Count',
      })),
    });
  }

  private async putMetrics(input: unknown): Promise<void> {
    try {
      // A cloud without CloudWatch still runs functions.
      this.cloud.service('monitoring');
    } catch {
      return;
    }
    try {
      await this.cloud.call('monitoring', 'PutMetricData', input, 'lambda');
    } catch (error) {
      this.ctx.log.debug('Lambda metrics not recorded', { error: (error as Error).message });
    }
  }

  async invoke(input: Record<string, unknown>): Promise<InvokeOutput> {
    const fn = this.find(String(input.FunctionName ?? ''), input.Qualifier as string | undefined);
    const type = String(input.InvocationType ?? 'RequestResponse');
    const payload = payloadText(input.Payload);
    if (payload !== '') {
      try {
        JSON.parse(payload);
      } catch {
        throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json', 400);
      }
    }
    if (type === 'DryRun') return { StatusCode: 204, Payload: '' };
    if (type === 'Event') {
      if (Buffer.byteLength(payload) > 1024 * 1024) {
        throw new AwsError(
          'RequestTooLargeException',
          'Request must be smaller than 1048576 bytes for the InvokeAsync operation',
          413,
        );
      }
      this.enqueue(fn, payload);
      return { StatusCode: 202, Payload: '' };
    }
    if (type !== 'RequestResponse') {
      throw new AwsError('InvalidParameterValueException', `Unsupported invocation type ${type}`, 400);
    }
    const { result } = await this.run(fn, payload, 'throttle', input.ClientContext);
    return {
      StatusCode: 200,
      ...(result.error ? { FunctionError: 'Unhandled' as const } : {}),
      Payload: result.error ? JSON.stringify(result.error) : (result.payload ?? 'null'),
      ...(input.LogType === 'Tail' ? { LogResult: logTail(result.logs) } : {}),
      ExecutedVersion: this.executedVersion(String(input.FunctionName ?? ''), input.Qualifier as string | undefined),
    };
  }

  /** Lambda's internal event queue: the event is kept (and persisted) until it succeeds or is given up. */
  private enqueue(fn: LambdaFunction, payload: string): void {
    const event: PendingEvent = {
      id: randomUUID(),
      functionName: fn.name,
      payload,
      attempt: 1,
      queuedAt: Date.now(),
      notBefore: 0,
    };
    this.pending.set(event.id, event);
    this.state.changed();
    this.schedule(event, 0);
  }

  private schedule(event: PendingEvent, delayMs: number): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.attempt(event).catch((error) =>
        this.ctx.log.error(`Asynchronous invocation of ${event.functionName} failed`, { error: String(error) }),
      );
    }, delayMs);
    this.retryTimers.add(timer);
  }

  private settle(event: PendingEvent): void {
    this.pending.delete(event.id);
    this.state.changed();
  }

  /** One attempt: retries with Lambda's delays (scaled), then destinations / DLQ. */
  private async attempt(event: PendingEvent): Promise<void> {
    if (this.stopped) return;
    const fn = this.functions.get(event.functionName);
    if (!fn) {
      this.ctx.log.warn(`Dropping a queued event for ${event.functionName}: the function no longer exists`);
      this.settle(event);
      return;
    }
    const config = this.invokeConfigs.get(fn.name) ?? defaultEventInvokeConfig;
    const scale = Math.max(1, this.ctx.timeScale);
    const count = event.attempt;
    const { requestId, result } = await this.run(fn, event.payload, 'wait');
    if (this.stopped) return;
    const record = (condition: InvocationRecord['requestContext']['condition']) =>
      invocationRecord({
        requestId,
        functionArn: fn.arn,
        condition,
        approximateInvokeCount: count,
        payload: event.payload,
        response: result,
      });
    if (!result.error) {
      this.settle(event);
      const onSuccess = config.onSuccess;
      if (onSuccess) await this.deliver(() => sendToDestination(this.cloud, onSuccess, record('Success'), fn.arn), fn);
      return;
    }
    const delay = (retryDelaysMs[count - 1] ?? 120_000) / scale;
    const ageExceeded = Date.now() + delay - event.queuedAt > (config.maximumEventAgeSeconds * 1000) / scale;
    if (count <= config.maximumRetryAttempts && !ageExceeded) {
      event.attempt = count + 1;
      event.notBefore = Date.now() + delay;
      this.state.changed();
      this.schedule(event, delay);
      return;
    }
    this.settle(event);
    const condition = count <= config.maximumRetryAttempts ? 'EventAgeExceeded' : 'RetriesExhausted';
    const onFailure = config.onFailure;
    if (onFailure) await this.deliver(() => sendToDestination(this.cloud, onFailure, record(condition), fn.arn), fn);
    const target = fn.deadLetterTargetArn;
    if (target) {
      const message = result.error?.errorMessage ?? 'error';
      await this.deliver(() => sendToDeadLetter(this.cloud, target, event.payload, requestId, message), fn);
    }
    if (!onFailure && !target) {
      this.ctx.log.warn(`Asynchronous invocation of ${fn.name} dropped after ${count} attempts`, {
        requestId,
        error: result.error?.errorMessage,
      });
    }
  }

  private async deliver(send: () => Promise<void>, fn: LambdaFunction): Promise<void> {
    try {
      await send();
    } catch (error) {
      this.ctx.log.error(`Could not deliver the result of an asynchronous invocation of ${fn.name}`, {
        error: (error as Error).message,
      });
    }
  }
}

const paginate = <T>(items: T[], marker: unknown, maxItems: unknown): { page: T[]; next?: string } => {
  const start = typeof marker === 'string' && marker ? Number(marker) : 0;
  const size = Math.min(Number(maxItems ?? 50) || 50, 10000);
  const page = items.slice(start, start + size);
  return start + size < items.length ? { page, next: String(start + size) } : { page };
};

/** The local Lambda service: runs each `AWS::Lambda::Function` of the template in its own node processes. */
export const createLambdaService: ServiceFactory = (ctx, cloud) => {
  const lambda = new LocalLambda(ctx, cloud);

  const operations = {
    Invoke: (input: Record<string, unknown>) => lambda.invoke(input),
    ListFunctions: async (input: { Marker?: string; MaxItems?: number }) => {
      const all = [...lambda.functions.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(functionConfiguration);
      const { page, next } = paginate(all, input?.Marker, input?.MaxItems);
      return { Functions: page, ...(next ? { NextMarker: next } : {}) };
    },
    GetFunction: async (input: { FunctionName: string; Qualifier?: string }) => {
      const fn = lambda.find(input.FunctionName, input.Qualifier);
      return {
        Configuration: functionConfiguration(fn),
        Code: { RepositoryType: 'S3', Location: `file://${fn.codeDir}` },
        Tags: {},
        ...(fn.reservedConcurrency !== undefined
          ? { Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency } }
          : {}),
      };
    },
    GetFunctionConfiguration: async (input: { FunctionName: string; Qualifier?: string }) =>
      functionConfiguration(lambda.find(input.FunctionName, input.Qualifier)),
    GetFunctionConcurrency: async (input: { FunctionName: string }) => {
      const fn = lambda.find(input.FunctionName);
      return fn.reservedConcurrency === undefined ? {} : { ReservedConcurrentExecutions: fn.reservedConcurrency };
    },
    GetFunctionEventInvokeConfig: async (input: { FunctionName: string; Qualifier?: string }) => {
      const fn = lambda.find(input.FunctionName, input.Qualifier);
      const config = lambda.invokeConfigs.get(fn.name);
      if (!config) {
        throw new AwsError(
          'ResourceNotFoundException',
          `The function ${fn.arn} doesn't have an EventInvokeConfig`,
          404,
        );
      }
      const destination = (arn: string | undefined) => (arn ? { Destination: arn } : undefined);
      return {
        FunctionArn: `${fn.arn}:$LATEST`,
        LastModified: config.lastModified.getTime() / 1000,
        MaximumRetryAttempts: config.maximumRetryAttempts,
        MaximumEventAgeInSeconds: config.maximumEventAgeSeconds,
        DestinationConfig: {
          OnSuccess: destination(config.onSuccess) ?? {},
          OnFailure: destination(config.onFailure) ?? {},
        },
      };
    },
    ListEventSourceMappings: async (input: {
      FunctionName?: string;
      EventSourceArn?: string;
      Marker?: string;
      MaxItems?: number;
    }) => {
      const fnName = input?.FunctionName ? lambda.find(input.FunctionName).name : undefined;
      const all = [...lambda.mappings.values()]
        .filter(
          (m) =>
            (!fnName || m.functionName === fnName) &&
            (!input?.EventSourceArn || m.eventSourceArn === input.EventSourceArn),
        )
        .map(mappingView);
      const { page, next } = paginate(all, input?.Marker, input?.MaxItems);
      return { EventSourceMappings: page, ...(next ? { NextMarker: next } : {}) };
    },
    GetEventSourceMapping: async (input: { UUID: string }) => {
      const mapping = lambda.mappings.get(input.UUID);
      if (!mapping)
        throw new AwsError(
          'ResourceNotFoundException',
          `The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: ${randomUUID()})`,
          404,
        );
      return mappingView(mapping);
    },
  };

  const call = (op: (input: any) => Promise<unknown>, input: unknown, status = 200) =>
    op(input).then((answer) => jsonResponse(answer, status), errorResponse);

  const routes: Route[] = [
    {
      method: 'POST',
      path: '/2015-03-31/functions/{name}/invocations',
      handle: async (req, params) => {
        try {
          const clientContext = req.headers['x-amz-client-context'];
          const answer = await lambda.invoke({
            FunctionName: decodeURIComponent(params.name ?? ''),
            Qualifier: req.query.Qualifier,
            InvocationType: req.headers['x-amz-invocation-type'] ?? 'RequestResponse',
            LogType: req.headers['x-amz-log-type'],
            Payload: req.body.toString('utf8'),
            ClientContext: clientContext
              ? JSON.parse(Buffer.from(clientContext, 'base64').toString('utf8'))
              : undefined,
          });
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (answer.FunctionError) headers['x-amz-function-error'] = answer.FunctionError;
          if (answer.LogResult) headers['x-amz-log-result'] = answer.LogResult;
          if (answer.ExecutedVersion) headers['x-amz-executed-version'] = answer.ExecutedVersion;
          return { status: answer.StatusCode, headers, body: answer.Payload };
        } catch (error) {
          return errorResponse(error);
        }
      },
    },
    ...['/2015-03-31/functions', '/2015-03-31/functions/'].map(
      (p): Route => ({
        method: 'GET',
        path: p,
        handle: (req) => call(operations.ListFunctions, { Marker: req.query.Marker, MaxItems: req.query.MaxItems }),
      }),
    ),
    {
      method: 'GET',
      path: '/2015-03-31/functions/{name}',
      handle: (req, params) =>
        call(operations.GetFunction, {
          FunctionName: decodeURIComponent(params.name ?? ''),
          Qualifier: req.query.Qualifier,
        }),
    },
    {
      method: 'GET',
      path: '/2015-03-31/functions/{name}/configuration',
      handle: (req, params) =>
        call(operations.GetFunctionConfiguration, {
          FunctionName: decodeURIComponent(params.name ?? ''),
          Qualifier: req.query.Qualifier,
        }),
    },
    {
      method: 'GET',
      path: '/2019-09-30/functions/{name}/concurrency',
      handle: (_req, params) =>
        call(operations.GetFunctionConcurrency, { FunctionName: decodeURIComponent(params.name ?? '') }),
    },
    {
      method: 'GET',
      path: '/2019-09-25/functions/{name}/event-invoke-config',
      handle: (req, params) =>
        call(operations.GetFunctionEventInvokeConfig, {
          FunctionName: decodeURIComponent(params.name ?? ''),
          Qualifier: req.query.Qualifier,
        }),
    },
    ...['/2015-03-31/event-source-mappings', '/2015-03-31/event-source-mappings/'].map(
      (p): Route => ({
        method: 'GET',
        path: p,
        handle: (req) => call(operations.ListEventSourceMappings, req.query),
      }),
    ),
    {
      method: 'GET',
      path: '/2015-03-31/event-source-mappings/{uuid}',
      handle: (_req, params) => call(operations.GetEventSourceMapping, { UUID: params.uuid }),
    },
  ];

  const service: LambdaService = {
    name: 'lambda',
    protocol: 'rest-json',
    operations,
    routes,
    resourceTypes: [
      'AWS::Lambda::Function',
      'AWS::Lambda::EventSourceMapping',
      'AWS::Lambda::EventInvokeConfig',
      'AWS::Lambda::Permission',
      'AWS::Lambda::Version',
      'AWS::Lambda::Alias',
    ],
    unsupportedProperties: {
      'AWS::Lambda::Function': ['ImageConfig', 'FileSystemConfigs', 'CodeSigningConfigArn'],
      // Stream and Kafka settings, which the local SQS poller has no use for.
      'AWS::Lambda::EventSourceMapping': [
        'DestinationConfig',
        'StartingPosition',
        'StartingPositionTimestamp',
        'Topics',
        'Queues',
        'SourceAccessConfigurations',
        'SelfManagedEventSource',
        'SelfManagedKafkaEventSourceConfig',
        'AmazonManagedKafkaEventSourceConfig',
        'DocumentDBEventSourceConfig',
        'ParallelizationFactor',
        'TumblingWindowInSeconds',
        'BisectBatchOnFunctionError',
        'MaximumRecordAgeInSeconds',
        'MaximumRetryAttempts',
        'ProvisionedPollerConfig',
      ],
    },
    provision: async (resources) => lambda.provision(resources),
    start: async () => lambda.start(),
    stop: () => lambda.stop(),
    info: () => ({ lambdaFunctions: String(lambda.functions.size) }),
    logs: (name, options) => lambda.logStore.read(name, options),
    discardEnvironments: (name) => {
      lambda.pools.get(lambda.find(name).name)?.close();
      lambda.pools.delete(lambda.find(name).name);
    },
  };
  return service;
};

/** The newest log lines of a function of a running local cloud (for a console). */
export const readFunctionLogs = (
  cloud: Cloud,
  functionName: string,
  options?: { limit?: number; requestId?: string; since?: number },
): FunctionLogLine[] => (cloud.service('lambda') as LambdaService).logs(functionName, options);
