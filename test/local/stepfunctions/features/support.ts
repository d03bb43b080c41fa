/**
 * Shared setup of the per-feature Step Functions tests: definition builders for `runDefinition`, and the
 * real `@aws-sdk/client-sfn` against a local service behind the edge server for the API tests.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { localContext, quietLog } from '../../../../local/core/context';
import { type Edge, startEdge } from '../../../../local/edge';
import {
  fakeIntegrations,
  type RunOptions,
  type RunResult,
  runDefinition,
  StepFunctionsService,
  type TaskIntegrations,
} from '../../../../local/stepfunctions';
import type { Definition, State } from '../../../../local/stepfunctions/engine/execution';

/** A JSONPath machine whose first state is the first key of `states`. */
export const machine = (states: Record<string, unknown>, extra: Record<string, unknown> = {}): Definition =>
  ({ StartAt: Object.keys(states)[0], States: states, ...extra }) as Definition;

/** The same, with `QueryLanguage: JSONata` at the top. */
export const jsonataMachine = (states: Record<string, unknown>, extra: Record<string, unknown> = {}): Definition =>
  machine(states, { QueryLanguage: 'JSONata', ...extra });

/** A final Pass state with extra fields. */
export const pass = (extra: Record<string, unknown> = {}): State => ({ Type: 'Pass', End: true, ...extra });

/** The event types of a history, in order. */
export const types = (history: readonly { type: string }[]): string[] => history.map((e) => e.type);

/** Runs a one-state JSONPath machine (`A`) on `input` and returns the run. */
export const runState = (
  state: Record<string, unknown>,
  input: unknown = {},
  options?: RunOptions,
): Promise<RunResult> => runDefinition(machine({ A: state }), input, options);

/** Runs one Pass state whose Parameters hold a single `.$` field `v`, and returns that field or the failure. */
export const evalParameter = async (
  expression: string,
  input: unknown = {},
): Promise<{ value?: unknown; error?: string; cause?: string }> => {
  const run = await runState(pass({ Parameters: { 'v.$': expression } }), input);
  if (run.status !== 'SUCCEEDED') return { error: run.error, cause: run.cause };
  return { value: (run.output as { v: unknown }).v };
};

/** Polls until `check` holds or the deadline passes (no fixed sleeps). */
export const eventually = async <T>(probe: () => T | Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met before the deadline: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** Fake integrations that record every task token a callback task sends in its parameters (`token` key). */
export const tokenCatcher = (
  key = 'sqs:sendMessage',
): { integrations: TaskIntegrations; tokens: string[]; parameters: unknown[] } => {
  const tokens: string[] = [];
  const parameters: unknown[] = [];
  const find = (v: unknown): string | undefined => {
    if (!v || typeof v !== 'object') return undefined;
    const o = v as Record<string, unknown>;
    if (typeof o.token === 'string') return o.token;
    for (const x of Object.values(o)) {
      const t = find(x);
      if (t) return t;
    }
    return undefined;
  };
  return {
    tokens,
    parameters,
    integrations: fakeIntegrations({
      [key]: (req) => {
        parameters.push(req.parameters);
        const t = find(req.parameters);
        if (t) tokens.push(t);
        return { MessageId: String(parameters.length) };
      },
    }),
  };
};

/** A JSONPath `.waitForTaskToken` Task that sends `$$.Task.Token` (and `body`) to a fake queue. */
export const callbackTask = (extra: Record<string, unknown> = {}, body: Record<string, unknown> = {}): State => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
  Parameters: { QueueUrl: 'q', MessageBody: { 'token.$': '$$.Task.Token', ...body } },
  End: true,
  ...extra,
});

/** Waits until the `index`-th caught token belongs to a waiting task, and returns it. */
export const waitingToken = async (
  caught: { readonly tokens: readonly string[] },
  registry: { get(token: string): unknown },
  index = 0,
): Promise<string> =>
  (await eventually(
    () => caught.tokens[index],
    (t) => t !== undefined && registry.get(t) !== undefined,
  )) as string;

/** A local Step Functions service behind an edge server on a free port, and an SDK client for it. */
export interface SdkHarness {
  readonly client: SFNClient;
  readonly service: StepFunctionsService;
  close(): Promise<void>;
}

/** Starts the service (in memory, the given time scale) with `integrations`, and a real SFN client. */
export const startSdkHarness = async (integrations: TaskIntegrations, timeScale = 100): Promise<SdkHarness> => {
  const ctx = localContext({ endpoint: 'http://localhost:0', timeScale });
  const service = new StepFunctionsService(ctx, undefined, { integrations });
  const edge: Edge = await startEdge({ services: () => [service], log: quietLog, port: 0 });
  const client = new SFNClient({
    endpoint: edge.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // StartSyncExecution adds a `sync-` host prefix that a local address cannot resolve.
    disableHostPrefix: true,
  });
  return {
    client,
    service,
    async close() {
      client.destroy();
      await edge.close();
      await service.stop();
    },
  };
};

/** The role every test machine names. */
export const ROLE = 'arn:aws:iam::000000000000:role/test';
