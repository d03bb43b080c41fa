import { randomUUID } from 'node:crypto';
import { type AwsError, isAwsError } from '../core/errors';
import type { Cloud } from '../core/types';
import { StatesError, StatesErrors } from './errors';

/** How the Task state waits for its result (resource suffix). */
export type IntegrationPattern = 'request' | 'token' | 'sync' | 'sync2';

/** One Task state invocation handed to an integration. */
export interface TaskRequest {
  /** The Task's `Resource` as written. */
  readonly resource: string;
  /**
   * `lambda`, `dynamodb`, `events`, `sqs`, `sns`, `states`, `aws-sdk:<service>`, or `function` for a bare
   * Lambda ARN (then `action` is the function ARN).
   */
  readonly service: string;
  /** The API action as written in the ARN (`invoke`, `putItem`, `sendMessage`), or the function ARN. */
  readonly action: string;
  readonly pattern: IntegrationPattern;
  /** Arguments (JSONata) or Parameters (JSONPath) after evaluation. */
  readonly parameters: unknown;
  readonly executionArn: string;
  readonly region: string;
  readonly accountId: string;
  /** Aborted when the task times out or the execution stops. */
  readonly signal: AbortSignal;
  /**
   * `.sync` tasks: called once the job is started (the history's `TaskSubmitted`, with the start call's
   * response), before the integration waits for the job to end.
   */
  readonly onSubmitted?: (output: unknown) => void;
}

/**
 * Runs Task states. The result is the task's raw result (before ResultSelector/Output); a failure is a
 * StatesError whose `error` is what Retry and Catch match.
 */
export interface TaskIntegrations {
  invoke(request: TaskRequest): Promise<unknown>;
}

/** Splits a Task resource ARN into service, action and pattern. */
export const parseResource = (
  resource: string,
): { service: string; action: string; pattern: IntegrationPattern; historyResource: string; historyType: string } => {
  const optimised = /^arn:[^:]+:states:[^:]*:[^:]*:(.+)$/.exec(resource);
  if (optimised?.[1]?.startsWith('activity:')) {
    // An activity: workers take the task with GetActivityTask and answer it with its token.
    return {
      service: 'activity',
      action: resource,
      pattern: 'token',
      historyResource: resource,
      historyType: 'activity',
    };
  }
  if (optimised?.[1]) {
    const parts = optimised[1].split(':');
    let pattern: IntegrationPattern = 'request';
    const sdk = parts[0] === 'aws-sdk';
    const service = sdk ? `aws-sdk:${parts[1]}` : (parts[0] as string);
    const rest = sdk ? parts.slice(2) : parts.slice(1);
    const historyResource = rest.join(':');
    let action = rest[0] ?? '';
    if (action.endsWith('.waitForTaskToken')) pattern = 'token';
    else if (action.endsWith('.sync') && rest[1] === '2') pattern = 'sync2';
    else if (action.endsWith('.sync')) pattern = 'sync';
    action = action.replace(/\.(waitForTaskToken|sync)$/, '');
    return { service, action, pattern, historyResource, historyType: service };
  }
  return {
    service: 'function',
    action: resource,
    pattern: 'request',
    historyResource: resource,
    historyType: 'lambda',
  };
};

const SERVICE_NAMES: Record<string, { service: string; errorPrefix: string; sdkName: string }> = {
  lambda: { service: 'lambda', errorPrefix: 'Lambda', sdkName: 'AWSLambda' },
  dynamodb: { service: 'dynamodb', errorPrefix: 'DynamoDB', sdkName: 'AmazonDynamoDBv2' },
  events: { service: 'events', errorPrefix: 'EventBridge', sdkName: 'AmazonEventBridge' },
  sqs: { service: 'sqs', errorPrefix: 'SQS', sdkName: 'AmazonSQS' },
  sns: { service: 'sns', errorPrefix: 'SNS', sdkName: 'AmazonSNS' },
  states: { service: 'states', errorPrefix: 'StepFunctions', sdkName: 'AWSStepFunctions' },
};

/** The aws-sdk integration error prefixes AWS uses (`DynamoDb.ResourceNotFoundException`). */
const SDK_PREFIX: Record<string, string> = {
  dynamodb: 'DynamoDb',
  sfn: 'Sfn',
  states: 'Sfn',
  sqs: 'Sqs',
  sns: 'Sns',
  lambda: 'Lambda',
  eventbridge: 'EventBridge',
};
const SDK_SERVICE: Record<string, string> = { sfn: 'states', eventbridge: 'events' };

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v ?? null));
const parseJson = (text: string | undefined): unknown => {
  if (text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const httpMetadata = (requestId: string) => ({
  SdkHttpMetadata: {
    AllHttpHeaders: { 'x-amzn-RequestId': [requestId], 'Content-Type': ['application/json'] },
    HttpHeaders: { 'x-amzn-RequestId': requestId, 'Content-Type': 'application/json' },
    HttpStatusCode: 200,
  },
  SdkResponseMetadata: { RequestId: requestId },
});

/**
 * The default integrations: each Task calls the local service through `cloud.call`, with the request and
 * result shapes of the AWS optimised integrations (developer guide, "Integrating services").
 */
export const cloudIntegrations = (cloud: Cloud): TaskIntegrations => {
  const optimisedError = (service: string, e: AwsError): StatesError => {
    const names = SERVICE_NAMES[service] ?? { errorPrefix: pascal(service), sdkName: pascal(service) };
    return new StatesError(
      `${names.errorPrefix}.${e.code}`,
      `${e.message} (Service: ${names.sdkName}; Status Code: ${e.status}; Error Code: ${e.code}; Request ID: ${randomUUID()}; Proxy: null)`,
    );
  };
  const callService = async (service: string, operation: string, input: unknown): Promise<any> => {
    try {
      return await cloud.call(SERVICE_NAMES[service]?.service ?? service, operation, input, 'states');
    } catch (e) {
      if (isAwsError(e)) throw optimisedError(service, e);
      throw e;
    }
  };

  const invokeLambda = async (params: Record<string, unknown>): Promise<{ payload: unknown; raw: any }> => {
    const raw = await callService('lambda', 'Invoke', {
      ...params,
      Payload: params.Payload === undefined ? undefined : asText(params.Payload),
    });
    const payloadText = typeof raw.Payload === 'string' ? raw.Payload : Buffer.from(raw.Payload ?? '').toString('utf8');
    if (raw.FunctionError) {
      const body = parseJson(payloadText) as { errorType?: string } | null;
      throw new StatesError(body?.errorType ?? 'Lambda.Unknown', payloadText);
    }
    return { payload: parseJson(payloadText), raw };
  };

  const startExecution = async (
    params: Record<string, any>,
    pattern: IntegrationPattern,
    signal: AbortSignal,
    onSubmitted: TaskRequest['onSubmitted'],
  ) => {
    // The optimized integration takes the API's fields capitalised (StateMachineArn, Input, Name).
    const input = params.Input ?? params.input;
    const started = await callService('states', 'StartExecution', {
      stateMachineArn: params.StateMachineArn ?? params.stateMachineArn,
      name: params.Name ?? params.name,
      input: input === undefined ? undefined : asText(input),
      traceHeader: params.TraceHeader ?? params.traceHeader,
    });
    if (pattern === 'request' || pattern === 'token') return started;
    onSubmitted?.(startResponse(started));
    for (;;) {
      const d = await callService('states', 'DescribeExecution', { executionArn: started.executionArn });
      if (d.status !== 'RUNNING') {
        if (d.status !== 'SUCCEEDED') {
          const error =
            d.status === 'FAILED'
              ? 'States.TaskFailed'
              : d.status === 'TIMED_OUT'
                ? StatesErrors.Timeout
                : 'States.TaskFailed';
          throw new StatesError(error, JSON.stringify(d));
        }
        return pattern === 'sync2' ? { ...d, output: parseJson(d.output) } : d;
      }
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, 50);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(signal.reason);
        });
      });
    }
  };

  return {
    async invoke(req) {
      const p = (req.parameters ?? {}) as Record<string, any>;
      if (req.service === 'function') {
        const { payload } = await invokeLambda({ FunctionName: req.action, Payload: req.parameters });
        return payload;
      }
      if (req.service.startsWith('aws-sdk:')) {
        const sdkService = req.service.slice('aws-sdk:'.length);
        try {
          return await cloud.call(SDK_SERVICE[sdkService] ?? sdkService, pascal(req.action), p, 'states');
        } catch (e) {
          if (!isAwsError(e)) throw e;
          const prefix = SDK_PREFIX[sdkService] ?? pascal(sdkService);
          throw new StatesError(
            `${prefix}.${e.code.endsWith('Exception') ? e.code : `${e.code}Exception`}`,
            `${e.message} (Service: ${prefix}, Status Code: ${e.status}, Request ID: ${randomUUID()})`,
          );
        }
      }
      switch (`${req.service}:${req.action}`) {
        case 'lambda:invoke': {
          const { payload, raw } = await invokeLambda(p);
          return {
            ExecutedVersion: raw.ExecutedVersion ?? '$LATEST',
            Payload: payload,
            ...httpMetadata(randomUUID()),
            StatusCode: raw.StatusCode ?? 200,
          };
        }
        case 'dynamodb:getItem':
        case 'dynamodb:putItem':
        case 'dynamodb:updateItem':
        case 'dynamodb:deleteItem':
          return callService('dynamodb', pascal(req.action), p);
        case 'events:putEvents': {
          const entries = (p.Entries ?? []) as Record<string, unknown>[];
          const out = await callService('events', 'PutEvents', {
            ...p,
            Entries: entries.map((e) => ({ ...e, Detail: e.Detail === undefined ? undefined : asText(e.Detail) })),
          });
          if ((out.FailedEntryCount ?? 0) > 0) throw new StatesError('EventBridge.FailedEntry', JSON.stringify(out));
          return { ...out, ...httpMetadata(randomUUID()) };
        }
        case 'sqs:sendMessage': {
          const out = await callService('sqs', 'SendMessage', { ...p, MessageBody: asText(p.MessageBody) });
          return { ...out, ...httpMetadata(randomUUID()) };
        }
        case 'sns:publish': {
          const out = await callService('sns', 'Publish', { ...p, Message: asText(p.Message) });
          return { ...out, ...httpMetadata(randomUUID()) };
        }
        case 'states:startExecution': {
          const out = await startExecution(p, req.pattern, req.signal, req.onSubmitted);
          return req.pattern === 'request' || req.pattern === 'token' ? startResponse(out) : capitalise(out);
        }
        default:
          throw new StatesError(StatesErrors.Runtime, `Unsupported resource: ${req.resource}`);
      }
    },
  };
};

/**
 * `.sync` answers use the capitalised DescribeExecution field names, nested ones too (recorded on AWS:
 * `InputDetails: {Included: true}`).
 */
const capitalise = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [
      pascal(k),
      k.endsWith('Details') && v && typeof v === 'object' ? capitalise(v as Record<string, unknown>) : v,
    ]),
  );

/** What the optimised StartExecution integration answers (and `.sync` tasks submit). */
const startResponse = (started: { executionArn: string; startDate: unknown }): Record<string, unknown> => ({
  ExecutionArn: started.executionArn,
  StartDate: started.startDate,
  ...httpMetadata(randomUUID()),
});

/**
 * Integrations for tests: a map from `service:action` (e.g. `lambda:invoke`, `dynamodb:putItem`,
 * `function` for bare Lambda ARNs) to a handler returning the raw result or throwing a StatesError.
 */
export const fakeIntegrations = (handlers: Record<string, (req: TaskRequest) => unknown>): TaskIntegrations => ({
  async invoke(req) {
    const handler = handlers[`${req.service}:${req.action}`] ?? handlers[req.service] ?? handlers['*'];
    if (!handler) throw new StatesError(StatesErrors.Runtime, `No fake integration for ${req.service}:${req.action}`);
    return handler(req);
  },
});
