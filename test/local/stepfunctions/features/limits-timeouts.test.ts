/**
 * Timeouts and size limits. Sources: Developer Guide "Task workflow state" (TimeoutSeconds, HeartbeatSeconds
 * and their Path forms), "Wait for a Callback with Task Token", "State machine structure" (top-level
 * TimeoutSeconds), "Step Functions service quotas" (256 KiB input/output) and "Handling errors"
 * (States.Timeout, States.HeartbeatTimeout, States.DataLimitExceeded).
 */
import { fakeIntegrations, runDefinition, TokenRegistry } from '../../../../local/stepfunctions';
import { callbackTask, jsonataMachine, machine, pass, tokenCatcher, types, waitingToken } from './support';

describe('Developer Guide "Task workflow state": TimeoutSeconds and HeartbeatSeconds', () => {
  it('fails with States.Timeout when the task outlives TimeoutSeconds', async () => {
    const caught = tokenCatcher();
    const def = machine({ T: callbackTask({ TimeoutSeconds: 5 }) });
    const run = await runDefinition(def, {}, { integrations: caught.integrations, timeScale: 100 });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Timeout');
    expect(types(run.history).slice(-2)).toEqual(['TaskTimedOut', 'ExecutionFailed']);
  });

  it('fails with States.HeartbeatTimeout when no heartbeat comes within HeartbeatSeconds', async () => {
    const caught = tokenCatcher();
    const def = machine({ T: callbackTask({ TimeoutSeconds: 600, HeartbeatSeconds: 2 }) });
    const run = await runDefinition(def, {}, { integrations: caught.integrations, timeScale: 100 });
    expect(run.error).toBe('States.HeartbeatTimeout');
  });

  it('keeps the task alive while heartbeats arrive in time, each one restarting the heartbeat clock', async () => {
    // Prepare: HeartbeatSeconds 5 at time scale 100 is 50 ms; the test beats every ~5 ms for ~150 ms.
    const caught = tokenCatcher();
    const tokens = new TokenRegistry();
    const def = machine({ T: callbackTask({ TimeoutSeconds: 600, HeartbeatSeconds: 5 }) });
    const pending = runDefinition(def, {}, { integrations: caught.integrations, timeScale: 100, tokens });
    const token = await waitingToken(caught, tokens);
    // Act
    const until = Date.now() + 150;
    while (Date.now() < until) {
      tokens.get(token)?.heartbeat();
      await new Promise((r) => setTimeout(r, 5));
    }
    tokens.get(token)?.succeed({ done: true });
    const run = await pending;
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ done: true });
  });

  it('reads the timeouts from the input at TimeoutSecondsPath and HeartbeatSecondsPath', async () => {
    const caught = tokenCatcher();
    const def = machine({ T: callbackTask({ TimeoutSecondsPath: '$.timeout', HeartbeatSecondsPath: '$.beat' }) });
    const run = await runDefinition(
      def,
      { timeout: 600, beat: 1 },
      { integrations: caught.integrations, timeScale: 100 },
    );
    expect(run.error).toBe('States.HeartbeatTimeout');
    const scheduled = run.history.find((e) => e.type === 'TaskScheduled');
    expect(scheduled?.taskScheduledEventDetails).toMatchObject({ timeoutInSeconds: 600, heartbeatInSeconds: 1 });
  });

  it('fails with States.Runtime when TimeoutSecondsPath selects nothing', async () => {
    const caught = tokenCatcher();
    const def = machine({ T: callbackTask({ TimeoutSecondsPath: '$.nope' }) });
    const run = await runDefinition(def, {}, { integrations: caught.integrations, timeScale: 100 });
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toContain("Invalid path '$.nope' : No results for path: $['nope']");
  });

  it('evaluates JSONata TimeoutSeconds', async () => {
    const caught = tokenCatcher();
    const def = jsonataMachine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Arguments: { QueueUrl: 'q', MessageBody: { token: '{% $states.context.Task.Token %}' } },
        TimeoutSeconds: '{% $states.input.limit %}',
        End: true,
      },
    });
    const run = await runDefinition(def, { limit: 3 }, { integrations: caught.integrations, timeScale: 100 });
    expect(run.error).toBe('States.Timeout');
  });

  it('lets a Retry catch a States.Timeout like any other error', async () => {
    const caught = tokenCatcher();
    const def = machine({
      T: callbackTask({
        TimeoutSeconds: 1,
        Retry: [{ ErrorEquals: ['States.Timeout'], MaxAttempts: 1, IntervalSeconds: 1 }],
        Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Late' }],
        End: undefined,
        Next: 'Late',
      }),
      Late: pass({ Result: 'late' }),
    });
    const run = await runDefinition(def, {}, { integrations: caught.integrations, timeScale: 100 });
    expect(caught.tokens).toHaveLength(2);
    expect(run.output).toBe('late');
  });
});

describe('Developer Guide "State machine structure": top-level TimeoutSeconds', () => {
  it('ends the execution TIMED_OUT with States.Timeout when it runs longer than TimeoutSeconds', async () => {
    const def = machine({ W: { Type: 'Wait', Seconds: 100, End: true } }, { TimeoutSeconds: 2 });
    const run = await runDefinition(def, {}, { timeScale: 100 });
    expect(run.status).toBe('TIMED_OUT');
    expect(run.error).toBe('States.Timeout');
    expect(types(run.history)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionTimedOut']);
  });

  it('times out the whole execution while Map iterations wait on their tasks', async () => {
    const caught = tokenCatcher();
    const def = machine(
      { M: { Type: 'Map', ItemProcessor: { StartAt: 'T', States: { T: callbackTask() } }, End: true } },
      { TimeoutSeconds: 1 },
    );
    const run = await runDefinition(def, [1, 2], { integrations: caught.integrations, timeScale: 100 });
    expect(run).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(caught.tokens).toHaveLength(2);
    expect(types(run.history).at(-1)).toBe('ExecutionTimedOut');
  });

  it('does not time out an execution that ends in time', async () => {
    const def = machine({ W: { Type: 'Wait', Seconds: 1, End: true } }, { TimeoutSeconds: 100 });
    const run = await runDefinition(def, {}, { timeScale: 100 });
    expect(run.status).toBe('SUCCEEDED');
  });
});

describe('Developer Guide "Service quotas": 256 KiB input/output, States.DataLimitExceeded', () => {
  it('fails a state whose output exceeds 256 KiB', async () => {
    const def = machine({ A: pass({ Parameters: { 'a.$': '$.s', 'b.$': '$.s' } }) });
    const run = await runDefinition(def, { s: 'x'.repeat(140 * 1024) });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.DataLimitExceeded');
  });

  it('fails a task whose result exceeds 256 KiB', async () => {
    const integrations = fakeIntegrations({ 'lambda:invoke': () => ({ Payload: 'x'.repeat(257 * 1024) }) });
    const def = machine({
      T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', ResultPath: null, End: true },
    });
    const run = await runDefinition(def, {}, { integrations });
    expect(run.error).toBe('States.DataLimitExceeded');
  });

  it('counts the limit in UTF-8 bytes ("256 KiB of data as a UTF-8 encoded string")', async () => {
    // 100,000 euro signs are 100,000 UTF-16 units but 300,000 UTF-8 bytes.
    const run = await runDefinition(machine({ A: pass() }), '€'.repeat(100_000));
    expect(run.error).toBe('States.DataLimitExceeded');
  });

  it('accepts an output just under 256 KiB', async () => {
    const def = machine({ A: pass() });
    const run = await runDefinition(def, 'x'.repeat(256 * 1024 - 100));
    expect(run.status).toBe('SUCCEEDED');
  });
});
