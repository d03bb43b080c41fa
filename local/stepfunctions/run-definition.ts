import { randomUUID } from 'node:crypto';
import type { ActivityDispatcher } from './activities';
import { type Definition, Execution, type ExecutionStatus } from './engine/execution';
import { TokenRegistry } from './engine/tokens';
import type { HistoryEvent } from './history';
import { fakeIntegrations, type TaskIntegrations } from './integrations';

/** Options of {@link runDefinition}. */
export interface RunOptions {
  /** @default - every Task fails with States.Runtime (no integration) */
  readonly integrations?: TaskIntegrations;
  /** @default 1 */
  readonly timeScale?: number;
  /** @default - a random name */
  readonly name?: string;
  /** Shared token registry, so a test can answer `.waitForTaskToken` tasks while the run is pending. */
  readonly tokens?: TokenRegistry;
  /** Runs activity tasks (Tasks whose Resource is an activity ARN). @default - no activity exists */
  readonly activities?: ActivityDispatcher;
  /** Called once the execution object exists (before it runs), e.g. to stop it. */
  readonly onStart?: (execution: Execution) => void;
}

/** What a finished run gives back; `output` is parsed JSON. */
export interface RunResult {
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly history: readonly HistoryEvent[];
  readonly executionArn: string;
}

/**
 * Runs a definition to its end with the given integrations, no HTTP and no service: the helper for tests of
 * state machines (for example the app's workflows with fake Lambda functions).
 */
export const runDefinition = async (
  definition: Definition | string,
  input: unknown = {},
  options: RunOptions = {},
): Promise<RunResult> => {
  const def = typeof definition === 'string' ? (JSON.parse(definition) as Definition) : definition;
  const name = options.name ?? randomUUID();
  const machineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:test';
  const execution = new Execution(
    {
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:test:${name}`,
      stateMachineArn: machineArn,
      name,
      roleArn: 'arn:aws:iam::000000000000:role/test',
      definition: def,
      input,
      startDate: Date.now(),
      recordHistory: true,
    },
    {
      integrations: options.integrations ?? fakeIntegrations({}),
      tokens: options.tokens ?? new TokenRegistry(),
      timeScale: options.timeScale ?? 1,
      region: 'us-east-1',
      accountId: '000000000000',
      activities: options.activities,
    },
  );
  options.onStart?.(execution);
  await execution.run();
  return {
    status: execution.status,
    output: execution.output === undefined ? undefined : JSON.parse(execution.output),
    error: execution.error,
    cause: execution.cause,
    history: execution.history.events,
    executionArn: execution.executionArn,
  };
};
