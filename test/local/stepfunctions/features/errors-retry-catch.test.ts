/**
 * Retry and Catch. Sources: Developer Guide "Handling errors in Step Functions workflows" (error names,
 * Retrier fields IntervalSeconds/MaxAttempts/BackoffRate/MaxDelaySeconds/JitterStrategy, Catcher fields,
 * States.ALL and States.TaskFailed rules) and the States Language "Errors" section.
 */
import { fakeIntegrations, runDefinition, StatesError, type TaskRequest } from '../../../../local/stepfunctions';
import { jsonataMachine, machine, pass, types } from './support';

/** A fake Lambda that throws the given errors in turn, then returns `{ ok: attempt }`; it records call times. */
const scripted = (errors: string[]) => {
  const calls: number[] = [];
  const integrations = fakeIntegrations({
    'lambda:invoke': (_req: TaskRequest) => {
      calls.push(Date.now());
      const error = errors[calls.length - 1];
      if (error) throw new StatesError(error, `attempt ${calls.length}`);
      return { ok: calls.length };
    },
  });
  const gaps = () => calls.slice(1).map((t, i) => t - (calls[i] as number));
  return { integrations, calls, gaps };
};

const task = (extra: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  End: true,
  ...extra,
});

describe('Developer Guide "Handling errors": Retrier fields', () => {
  it('retries with the defaults (IntervalSeconds 1, BackoffRate 2, MaxAttempts 3) and succeeds on a later attempt', async () => {
    // 1 s then 2 s at time scale 50: 20 then 40 ms.
    const s = scripted(['Flaky', 'Flaky']);
    const def = machine({ T: task({ Retry: [{ ErrorEquals: ['Flaky'] }] }) });
    const run = await runDefinition(def, {}, { integrations: s.integrations, timeScale: 50 });
    expect(run.output).toEqual({ ok: 3 });
    expect(s.calls).toHaveLength(3);
    const [g1, g2] = s.gaps() as [number, number];
    expect(g1).toBeGreaterThanOrEqual(18);
    expect(g2).toBeGreaterThanOrEqual(38);
  });

  it('stops after the default MaxAttempts of 3 retries', async () => {
    const s = scripted(['E', 'E', 'E', 'E', 'E']);
    const def = machine({ T: task({ Retry: [{ ErrorEquals: ['E'] }] }) });
    const run = await runDefinition(def, {}, { integrations: s.integrations, timeScale: 1000 });
    expect(run.error).toBe('E');
    expect(s.calls).toHaveLength(4);
  });

  it('stops after MaxAttempts retries (3 attempts in all for MaxAttempts 2)', async () => {
    const s = scripted(['E', 'E', 'E', 'E']);
    const def = machine({ T: task({ Retry: [{ ErrorEquals: ['E'], MaxAttempts: 2, IntervalSeconds: 1 }] }) });
    const run = await runDefinition(def, {}, { integrations: s.integrations, timeScale: 1000 });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('E');
    expect(run.cause).toBe('attempt 3');
    expect(s.calls).toHaveLength(3);
  });

  it('never retries when MaxAttempts is 0', async () => {
    const s = scripted(['E', 'E']);
    const def = machine({ T: task({ Retry: [{ ErrorEquals: ['E'], MaxAttempts: 0 }] }) });
    const run = await runDefinition(def, {}, { integrations: s.integrations, timeScale: 1000 });
    expect(run.error).toBe('E');
    expect(s.calls).toHaveLength(1);
  });

  it('waits IntervalSeconds, multiplied by BackoffRate on each retry', async () => {
    // 2 s, 4 s, 8 s at time scale 50: 40, 80, 160 ms.
    const s = scripted(['E', 'E', 'E']);
    const def = machine({
      T: task({ Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 3 }] }),
    });
    await runDefinition(def, {}, { integrations: s.integrations, timeScale: 50 });
    const [g1, g2, g3] = s.gaps() as [number, number, number];
    expect(g1).toBeGreaterThanOrEqual(38);
    expect(g2).toBeGreaterThanOrEqual(78);
    expect(g3).toBeGreaterThanOrEqual(158);
  });

  it('caps each wait at MaxDelaySeconds', async () => {
    // 2 s, then 2*5 = 10 s capped at 3 s, at time scale 50: 40 then 60 ms.
    const s = scripted(['E', 'E']);
    const def = machine({
      T: task({ Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 2, BackoffRate: 5, MaxDelaySeconds: 3 }] }),
    });
    await runDefinition(def, {}, { integrations: s.integrations, timeScale: 50 });
    const [, g2] = s.gaps() as [number, number];
    expect(g2).toBeGreaterThanOrEqual(58);
    expect(g2).toBeLessThan(150);
  });

  it('with JitterStrategy FULL waits a random time between 0 and the computed backoff', async () => {
    // Math.random is the jitter source; 0 gives no wait at all, 0.5 half the backoff.
    const random = jest.spyOn(Math, 'random');
    try {
      const s = scripted(['E', 'E']);
      random.mockReturnValueOnce(0).mockReturnValueOnce(0.5);
      const def = machine({
        T: task({ Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 10, BackoffRate: 1, JitterStrategy: 'FULL' }] }),
      });
      // 10 s at time scale 50 is 200 ms without jitter.
      await runDefinition(def, {}, { integrations: s.integrations, timeScale: 50 });
      const [g1, g2] = s.gaps() as [number, number];
      expect(g1).toBeLessThan(100);
      expect(g2).toBeGreaterThanOrEqual(98);
      expect(g2).toBeLessThan(190);
    } finally {
      random.mockRestore();
    }
  });

  it('uses the first retrier that matches, each retrier counting its own attempts', async () => {
    // A, B, A: A's retrier (MaxAttempts 1) is used up by the first A, so the second A ends the retries.
    const s = scripted(['A', 'B', 'A', 'A']);
    const def = machine({
      T: task({
        Retry: [
          { ErrorEquals: ['A'], MaxAttempts: 1, IntervalSeconds: 1 },
          { ErrorEquals: ['B'], MaxAttempts: 1, IntervalSeconds: 1 },
          { ErrorEquals: ['States.ALL'], MaxAttempts: 5, IntervalSeconds: 1 },
        ],
      }),
    });
    const run = await runDefinition(def, {}, { integrations: s.integrations, timeScale: 1000 });
    expect(run.error).toBe('A');
    expect(s.calls).toHaveLength(3);
  });

  it('records a failed task event per attempt in the history', async () => {
    const s = scripted(['E']);
    const def = machine({ T: task({ Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 1 }] }) });
    const run = await runDefinition(def, {}, { integrations: s.integrations, timeScale: 1000 });
    expect(types(run.history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('retries a Parallel state as a whole, running every branch again', async () => {
    let branchRuns = 0;
    const s = scripted(['E']);
    const integrations = fakeIntegrations({
      'lambda:invoke': (req) => s.integrations.invoke(req),
      'sqs:sendMessage': () => {
        branchRuns++;
        return {};
      },
    });
    const def = machine({
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'L', States: { L: task({}) } },
          { StartAt: 'Q', States: { Q: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } } },
        ],
        Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 1 }],
        End: true,
      },
    });
    const run = await runDefinition(def, {}, { integrations, timeScale: 1000 });
    expect(run.status).toBe('SUCCEEDED');
    expect(s.calls).toHaveLength(2);
    expect(branchRuns).toBe(2);
  });
});

describe('Developer Guide "Handling errors": Catchers', () => {
  it('hands the error to the Catch once the retries are exhausted ("Retry exhaustion into Catch")', async () => {
    const s = scripted(['E', 'E', 'E']);
    const def = machine({
      T: task({
        Retry: [{ ErrorEquals: ['E'], MaxAttempts: 2, IntervalSeconds: 1 }],
        Catch: [{ ErrorEquals: ['E'], Next: 'Recover' }],
        End: undefined,
        Next: 'Recover',
      }),
      Recover: pass(),
    });
    const run = await runDefinition(def, { input: 1 }, { integrations: s.integrations, timeScale: 1000 });
    expect(s.calls).toHaveLength(3);
    expect(run.status).toBe('SUCCEEDED');
    // Without ResultPath the error output replaces the input.
    expect(run.output).toEqual({ Error: 'E', Cause: 'attempt 3' });
  });

  it('uses the first Catcher that matches, in order', async () => {
    const s = scripted(['Specific']);
    const def = machine({
      T: task({
        Catch: [
          { ErrorEquals: ['Other'], Next: 'Wrong' },
          { ErrorEquals: ['Specific'], Next: 'Right' },
          { ErrorEquals: ['States.ALL'], Next: 'Wrong' },
        ],
      }),
      Wrong: pass({ Result: 'wrong' }),
      Right: pass({ Result: 'right' }),
    });
    const run = await runDefinition(def, {}, { integrations: s.integrations });
    expect(run.output).toBe('right');
  });

  it('keeps the input and adds the error at the Catcher ResultPath', async () => {
    const s = scripted(['E']);
    const def = machine({
      T: task({ Catch: [{ ErrorEquals: ['E'], ResultPath: '$.error', Next: 'R' }] }),
      R: pass(),
    });
    const run = await runDefinition(def, { order: 7 }, { integrations: s.integrations });
    expect(run.output).toEqual({ order: 7, error: { Error: 'E', Cause: 'attempt 1' } });
  });

  it('records the caught failure and moves on (TaskFailed, then the next state is entered)', async () => {
    const s = scripted(['E']);
    const def = machine({ T: task({ Catch: [{ ErrorEquals: ['E'], Next: 'R' }] }), R: pass() });
    const run = await runDefinition(def, {}, { integrations: s.integrations });
    expect(types(run.history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('in JSONata shapes the caught error with Output over $states.errorOutput and can Assign', async () => {
    const s = scripted(['E']);
    const def = jsonataMachine({
      T: task({
        Catch: [
          {
            ErrorEquals: ['E'],
            Output: { failed: '{% $states.errorOutput.Error %}', was: '{% $states.input.n %}' },
            Assign: { why: '{% $states.errorOutput.Cause %}' },
            Next: 'R',
          },
        ],
      }),
      R: pass({ Output: { got: '{% $states.input %}', why: '{% $why %}' } }),
    });
    const run = await runDefinition(def, { n: 3 }, { integrations: s.integrations });
    expect(run.output).toEqual({ got: { failed: 'E', was: 3 }, why: 'attempt 1' });
  });
});

describe('Developer Guide "Handling errors": States.ALL and States.TaskFailed', () => {
  it('States.ALL matches any error name', async () => {
    const s = scripted(['Whatever.Custom']);
    const def = machine({ T: task({ Catch: [{ ErrorEquals: ['States.ALL'], Next: 'R' }] }), R: pass() });
    const run = await runDefinition(def, {}, { integrations: s.integrations });
    expect(run.status).toBe('SUCCEEDED');
  });

  it('States.ALL does not catch States.Runtime ("can\'t catch runtime error types")', async () => {
    const def = machine({
      A: { Type: 'Pass', InputPath: '$.missing', Catch: [], Next: 'B' },
      B: pass(),
    });
    const wrapped = machine({
      P: {
        Type: 'Parallel',
        Branches: [def],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'R' }],
        End: true,
      },
      R: pass(),
    });
    const run = await runDefinition(wrapped, {});
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
  });

  it('never retries or catches States.Runtime, even when named ("isn\'t retriable, and will always cause the execution to fail")', async () => {
    const def = machine({
      A: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'Bad', States: { Bad: pass({ OutputPath: '$.missing' }) } }],
        Retry: [{ ErrorEquals: ['States.Runtime'], IntervalSeconds: 1 }],
        Catch: [{ ErrorEquals: ['States.Runtime'], Next: 'R' }],
        End: true,
      },
      R: pass(),
    });
    const run = await runDefinition(def, {}, { timeScale: 1000 });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
    expect(types(run.history).filter((t) => t === 'ParallelStateStarted')).toHaveLength(1);
  });

  it('States.TaskFailed matches any error but States.Timeout', async () => {
    const s = scripted(['Custom']);
    const def = machine({ T: task({ Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'R' }] }), R: pass() });
    expect((await runDefinition(def, {}, { integrations: s.integrations })).status).toBe('SUCCEEDED');
    const timeout = scripted(['States.Timeout']);
    const run = await runDefinition(def, {}, { integrations: timeout.integrations });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Timeout');
  });

  it('fails the execution with the task error when nothing matches', async () => {
    const s = scripted(['Unhandled']);
    const def = machine({
      T: task({ Retry: [{ ErrorEquals: ['Other'] }], Catch: [{ ErrorEquals: ['Other'], Next: 'R' }] }),
      R: pass(),
    });
    const run = await runDefinition(def, {}, { integrations: s.integrations });
    expect(run).toMatchObject({ status: 'FAILED', error: 'Unhandled', cause: 'attempt 1' });
    expect(s.calls).toHaveLength(1);
  });
});
