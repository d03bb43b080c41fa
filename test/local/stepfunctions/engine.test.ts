/**
 * Behaviour of the interpreter, one documented rule per test. Sources: the Amazon States Language
 * specification (states-language.net) and the AWS Step Functions Developer Guide sections named in each test.
 */

import type { Cloud } from '../../../local/core/types';
import { fakeIntegrations, runDefinition, StatesError, TokenRegistry } from '../../../local/stepfunctions';
import type { Definition, Execution } from '../../../local/stepfunctions/engine/execution';

const pass = (extra: Record<string, unknown> = {}) => ({ Type: 'Pass', End: true, ...extra });
const machine = (states: Record<string, unknown>, extra: Record<string, unknown> = {}): Definition =>
  ({ StartAt: Object.keys(states)[0], States: states, ...extra }) as Definition;
const types = (history: readonly { type: string }[]) => history.map((e) => e.type);

/** Polls until `check` holds or the deadline passes (no fixed sleeps). */
const eventually = async (check: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('JSONPath data flow (Developer Guide: "Processing input and output")', () => {
  it('keeps the state input unchanged when ResultPath is null', async () => {
    // Prepare
    const def = machine({ A: pass({ Result: { ignored: true }, ResultPath: null }) });
    // Act
    const run = await runDefinition(def, { keep: 1 });
    // Assess
    expect(run.output).toEqual({ keep: 1 });
  });

  it('merges the result at ResultPath and applies OutputPath after it', async () => {
    const def = machine({ A: pass({ Result: { v: 2 }, ResultPath: '$.r', OutputPath: '$.r' }) });
    const run = await runDefinition(def, { a: 1 });
    expect(run.output).toEqual({ v: 2 });
  });

  it('evaluates .$ parameters from input, context object and intrinsic functions', async () => {
    const def = machine({
      A: pass({
        Parameters: { 'who.$': '$.name', 'state.$': '$$.State.Name', 'msg.$': "States.Format('hi {}', $.name)" },
      }),
    });
    const run = await runDefinition(def, { name: 'ada' });
    expect(run.output).toEqual({ who: 'ada', state: 'A', msg: 'hi ada' });
  });

  it('fails with States.Runtime when InputPath selects nothing', async () => {
    const def = machine({ A: pass({ InputPath: '$.missing' }) });
    const run = await runDefinition(def, {});
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toContain("Invalid path '$.missing'");
  });
});

describe('JSONata states (Developer Guide: "Transforming data with JSONata")', () => {
  it('hides variables a state assigns from its own Output; the next state sees them', async () => {
    // NOTES.md and the guide's "Variable scope": assignments take effect after the state.
    const def = machine(
      {
        A: { Type: 'Pass', Assign: { x: 1 }, Output: { sawX: '{% $exists($x) %}' }, Next: 'B' },
        B: { Type: 'Pass', Output: { x: '{% $x %}', prev: '{% $states.input %}' }, End: true },
      },
      { QueryLanguage: 'JSONata' },
    );
    const run = await runDefinition(def, {});
    expect(run.output).toEqual({ x: 1, prev: { sawX: false } });
  });

  it('evaluates all Assign values against the variables from before the state', async () => {
    const def = machine(
      {
        A: { Type: 'Pass', Assign: { a: 1 }, Next: 'B' },
        B: { Type: 'Pass', Assign: { a: 2, b: '{% $a %}' }, Next: 'C' },
        C: { Type: 'Pass', Output: { a: '{% $a %}', b: '{% $b %}' }, End: true },
      },
      { QueryLanguage: 'JSONata' },
    );
    const run = await runDefinition(def, {});
    expect(run.output).toEqual({ a: 2, b: 1 });
  });

  it('lets Map iterations read outer variables but not leak their own assignments', async () => {
    const def = machine(
      {
        A: { Type: 'Pass', Assign: { outer: 10 }, Next: 'M' },
        M: {
          Type: 'Map',
          Items: '{% [1, 2] %}',
          ItemProcessor: {
            StartAt: 'I',
            States: {
              I: { Type: 'Pass', Assign: { inner: 1 }, Output: '{% $states.input + $outer %}', End: true },
            },
          },
          Next: 'B',
        },
        B: { Type: 'Pass', Output: { results: '{% $states.input %}', leaked: '{% $exists($inner) %}' }, End: true },
      },
      { QueryLanguage: 'JSONata' },
    );
    const run = await runDefinition(def, {});
    expect(run.output).toEqual({ results: [11, 12], leaked: false });
  });

  it('fails with States.QueryEvaluationError when an expression returns nothing', async () => {
    const def = machine({ A: { Type: 'Pass', Output: '{% $nothing %}', End: true } }, { QueryLanguage: 'JSONata' });
    const run = await runDefinition(def, {});
    expect(run.error).toBe('States.QueryEvaluationError');
    expect(types(run.history)).toEqual(['ExecutionStarted', 'PassStateEntered', 'EvaluationFailed', 'ExecutionFailed']);
  });
});

describe('errors (Developer Guide: "Handling errors in Step Functions workflows")', () => {
  it('retries with backoff and, once retries are exhausted, hands the error to the Catch', async () => {
    // Prepare
    let calls = 0;
    const integrations = fakeIntegrations({
      'lambda:invoke': () => {
        calls++;
        throw new StatesError('Flaky', 'still failing');
      },
    });
    const def = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Handled' }],
        End: true,
      },
      Handled: pass(),
    });
    // Act
    const run = await runDefinition(def, { id: 1 }, { integrations, timeScale: 1000 });
    // Assess
    expect(calls).toBe(3);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ id: 1, error: { Error: 'Flaky', Cause: 'still failing' } });
    expect(types(run.history).filter((t) => t === 'TaskFailed')).toHaveLength(3);
  });

  it('lets States.TaskFailed catch States.HeartbeatTimeout: it matches every error but States.Timeout', async () => {
    // Developer Guide, "Error names": States.TaskFailed "matches any known error name except for States.Timeout".
    const def = (errorEquals: string) =>
      machine({
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          HeartbeatSeconds: 1,
          TimeoutSeconds: 2,
          Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'R' }],
          End: true,
        },
        R: pass({ Result: errorEquals }),
      });
    const integrations = fakeIntegrations({ 'sqs:sendMessage': () => ({}) });
    const heartbeat = await runDefinition(def('caught'), {}, { integrations, timeScale: 100 });
    expect(heartbeat).toMatchObject({ status: 'SUCCEEDED', output: 'caught' });
    const timeout = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        TimeoutSeconds: 1,
        Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'R' }],
        End: true,
      },
      R: pass(),
    });
    expect(await runDefinition(timeout, {}, { integrations, timeScale: 100 })).toMatchObject({
      status: 'FAILED',
      error: 'States.Timeout',
    });
  });

  it('catches a task timeout as {Error: States.Timeout, Cause: ""} (as recorded on AWS)', async () => {
    const integrations = fakeIntegrations({ 'sqs:sendMessage': () => ({}) });
    const def = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        TimeoutSeconds: 1,
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'R' }],
        End: true,
      },
      R: pass(),
    });
    const run = await runDefinition(def, {}, { integrations, timeScale: 100 });
    expect(run.output).toEqual({ Error: 'States.Timeout', Cause: '' });
  });

  it.each([['States.ALL'], ['States.Runtime']])('does not let a %s catcher catch States.Runtime', async (name) => {
    // Developer Guide, "Error names": States.Runtime "will always cause the execution to fail".
    const def = machine({
      M: {
        Type: 'Map',
        ItemsPath: '$.notAnArray',
        ItemProcessor: { StartAt: 'P', States: { P: pass() } },
        Catch: [{ ErrorEquals: [name], Next: 'Caught' }],
        End: true,
      },
      Caught: pass(),
    });
    const run = await runDefinition(def, { notAnArray: 1 });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
  });

  it('lets States.ALL catch States.DataLimitExceeded from an oversized task result (as recorded on AWS)', async () => {
    const integrations = fakeIntegrations({ 'lambda:invoke': () => ({ Payload: 'é'.repeat(140_000) }) });
    const def = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'f' },
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        End: true,
      },
      Caught: pass(),
    });
    const run = await runDefinition(def, {}, { integrations });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ Error: 'States.DataLimitExceeded' });
  });

  it('maps a Lambda function error to errorType with the error payload as cause', async () => {
    const payload = JSON.stringify({ errorType: 'PaymentDeclined', errorMessage: 'no' });
    const cloud = {
      call: async () => ({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload }),
    } as unknown as Cloud;
    const { cloudIntegrations } = await import('../../../local/stepfunctions');
    const def = machine({
      T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, End: true },
    });
    const run = await runDefinition(def, {}, { integrations: cloudIntegrations(cloud) });
    expect(run.error).toBe('PaymentDeclined');
    expect(run.cause).toBe(payload);
  });
});

describe('Map state (Developer Guide: "Map workflow state")', () => {
  it('fails the Map with the failing item error when no failure is tolerated', async () => {
    const def = machine({
      M: {
        Type: 'Map',
        ItemProcessor: {
          StartAt: 'C',
          States: {
            C: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 2, Next: 'Bad' }], Default: 'Ok' },
            Bad: { Type: 'Fail', Error: 'ItemFailed', Cause: 'two' },
            Ok: pass(),
          },
        },
        End: true,
      },
    });
    const run = await runDefinition(def, [1, 2, 3]);
    expect(run.error).toBe('ItemFailed');
    expect(types(run.history)).toContain('MapIterationFailed');
    expect(types(run.history).slice(-2)).toEqual(['MapStateFailed', 'ExecutionFailed']);
  });

  it('succeeds within ToleratedFailureCount and reports failed items as Error/Cause', async () => {
    const def = machine({
      M: {
        Type: 'Map',
        ToleratedFailureCount: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'C',
          States: {
            C: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 2, Next: 'Bad' }], Default: 'Ok' },
            Bad: { Type: 'Fail', Error: 'ItemFailed', Cause: 'two' },
            Ok: pass(),
          },
        },
        End: true,
      },
    });
    const run = await runDefinition(def, [1, 2, 3]);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual([1, { Error: 'ItemFailed', Cause: 'two' }, 3]);
  });

  const distributedFailingOn2 = {
    ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
    StartAt: 'C',
    States: {
      C: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 2, Next: 'Bad' }], Default: 'Ok' },
      Bad: { Type: 'Fail', Error: 'ItemFailed', Cause: 'two' },
      Ok: pass(),
    },
  };

  it('fails with States.ExceedToleratedFailureThreshold past a ToleratedFailureCount set alone', async () => {
    // Developer Guide, "Setting failure thresholds for Distributed Map states".
    const def = machine({
      M: { Type: 'Map', ToleratedFailureCount: 0, ItemProcessor: distributedFailingOn2, End: true },
    });
    const run = await runDefinition(def, [1, 2, 3]);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.ExceedToleratedFailureThreshold');
  });

  it('compares the failed share with a ToleratedFailurePercentage set alone (1 of 3 is 33.3 %)', async () => {
    const at = (pct: number) =>
      machine({ M: { Type: 'Map', ToleratedFailurePercentage: pct, ItemProcessor: distributedFailingOn2, End: true } });
    expect((await runDefinition(at(34), [1, 2, 3])).status).toBe('SUCCEEDED');
    expect((await runDefinition(at(33), [1, 2, 3])).error).toBe('States.ExceedToleratedFailureThreshold');
  });

  it('gives a Distributed Map iteration no outer variables; an inline one reads them', async () => {
    // Developer Guide, "Passing data between states with variables": variable scope.
    const def = (mode: string) =>
      machine(
        {
          Set: { Type: 'Pass', Assign: { x: 1 }, Next: 'M' },
          M: {
            Type: 'Map',
            Items: '{% [1] %}',
            ItemProcessor: {
              ProcessorConfig: { Mode: mode, ExecutionType: 'STANDARD' },
              StartAt: 'R',
              States: { R: { Type: 'Pass', Output: '{% $exists($x) %}', End: true } },
            },
            End: true,
          },
        },
        { QueryLanguage: 'JSONata' },
      );
    expect((await runDefinition(def('DISTRIBUTED'), {})).output).toEqual([false]);
    expect((await runDefinition(def('INLINE'), {})).output).toEqual([true]);
  });
});

describe('task tokens and timeouts (Developer Guide: "Wait for a Callback with Task Token")', () => {
  it('waits for SendTaskSuccess and uses its output as the task result', async () => {
    const tokens = new TokenRegistry();
    let token: string | undefined;
    const integrations = fakeIntegrations({
      'sqs:sendMessage': (req) => {
        token = (req.parameters as { MessageBody: { token: string } }).MessageBody.token;
        return { MessageId: 'm1' };
      },
    });
    const def = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: { QueueUrl: 'q', MessageBody: { 'token.$': '$$.Task.Token' } },
        End: true,
      },
    });
    const pending = runDefinition(def, {}, { integrations, tokens });
    await eventually(() => token !== undefined && tokens.get(token) !== undefined);
    tokens.get(token as string)?.succeed({ accepted: true });
    const run = await pending;
    expect(run.output).toEqual({ accepted: true });
    expect(types(run.history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('fails with States.HeartbeatTimeout when no heartbeat arrives in time', async () => {
    const def = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        HeartbeatSeconds: 1,
        TimeoutSeconds: 100,
        End: true,
      },
    });
    const integrations = fakeIntegrations({ 'sqs:sendMessage': () => ({ MessageId: 'm' }) });
    const run = await runDefinition(def, {}, { integrations, timeScale: 100 });
    expect(run.error).toBe('States.HeartbeatTimeout');
    expect(types(run.history)).toContain('TaskTimedOut');
  });
});

describe('Wait state limits (as recorded on AWS: test_timestamp_too_far_in_future_boundary)', () => {
  it('waits for a timestamp 24,855 days ahead but fails one 24,856 days ahead with "Wait state delay is too long."', async () => {
    const day = 86_400_000;
    const def = machine({ W: { Type: 'Wait', TimestampPath: '$.at', End: true } });
    const tooFar = await runDefinition(def, { at: new Date(Date.now() + 24_856 * day).toISOString() });
    expect(tooFar).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(tooFar.cause).toMatch(/Wait state delay is too long\.$/);
    let started: Execution | undefined;
    const farButFine = runDefinition(
      def,
      { at: new Date(Date.now() + 24_855 * day).toISOString() },
      { onStart: (execution) => (started = execution) },
    );
    await eventually(() => types(started?.history.events ?? []).includes('WaitStateEntered'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started?.status).toBe('RUNNING');
    started?.stop();
    expect((await farButFine).status).toBe('ABORTED');
  });
});

describe('activity tasks (Developer Guide: "Learn about Activities in Step Functions")', () => {
  it('fails with States.Runtime before scheduling anything when the activity does not exist (as recorded on AWS)', async () => {
    const arn = 'arn:aws:states:us-east-1:000000000000:activity:gone';
    const run = await runDefinition(machine({ T: { Type: 'Task', Resource: arn, End: true } }));
    expect(run).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(run.cause).toMatch(new RegExp(`The activity ${arn} does not exist\\.$`));
    expect(types(run.history)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed']);
  });
});

describe('.sync tasks (Developer Guide: "Run a Job (.sync)")', () => {
  it('records TaskSubmitted when the job starts and gives the task a token in its context', async () => {
    // Prepare: a fake StartExecution that reports its start, then its end.
    let sentToken: unknown;
    const integrations = fakeIntegrations({
      'states:startExecution': (req) => {
        sentToken = (req.parameters as { Input: { token: unknown } }).Input.token;
        req.onSubmitted?.({ ExecutionArn: 'arn:child' });
        return { Status: 'SUCCEEDED', Output: '{}' };
      },
    });
    const def = machine({
      Run: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync',
        Parameters: { StateMachineArn: 'arn:m', Input: { 'token.$': '$$.Task.Token' } },
        End: true,
      },
    });
    // Act
    const run = await runDefinition(def, {}, { integrations });
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(typeof sentToken).toBe('string');
    expect(types(run.history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });
});

describe('history event ids (API Reference: GetExecutionHistory, HistoryEvent)', () => {
  it('numbers events from 1 and chains previousEventId, with the first state entry pointing at 0', async () => {
    const def = machine({ A: { Type: 'Pass', Next: 'B' }, B: pass() });
    const run = await runDefinition(def, {});
    expect(run.history.map((e) => [e.id, e.previousEventId, e.type])).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 0, 'PassStateEntered'],
      [3, 2, 'PassStateExited'],
      [4, 3, 'PassStateEntered'],
      [5, 4, 'PassStateExited'],
      [6, 5, 'ExecutionSucceeded'],
    ]);
  });
});
