/**
 * Wait, Fail and Succeed. Sources: Developer Guide "Wait workflow state", "Fail workflow state", "Succeed
 * workflow state". Waits run under a time scale so no test sleeps for real.
 */
import { runDefinition } from '../../../../local/stepfunctions';
import { jsonataMachine, machine, pass, runState, types } from './support';

/** Runs a Wait state `W` then a final Pass, timing the run. */
const timedWait = async (wait: Record<string, unknown>, input: unknown, timeScale: number, jsonata = false) => {
  const states = { W: { Type: 'Wait', Next: 'Done', ...wait }, Done: pass() };
  const def = jsonata ? jsonataMachine(states) : machine(states);
  const started = Date.now();
  const run = await runDefinition(def, input, { timeScale });
  return { run, elapsed: Date.now() - started };
};

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe('Developer Guide "Wait workflow state": Seconds, Timestamp, SecondsPath, TimestampPath', () => {
  it('waits Seconds (scaled) and passes its input on', async () => {
    // 20 s at time scale 200 is 100 ms.
    const { run, elapsed } = await timedWait({ Seconds: 20 }, { a: 1 }, 200);
    expect(run.output).toEqual({ a: 1 });
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(types(run.history)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('waits until Timestamp', async () => {
    const { run, elapsed } = await timedWait({ Timestamp: inSeconds(30) }, {}, 300);
    expect(run.status).toBe('SUCCEEDED');
    expect(elapsed).toBeGreaterThanOrEqual(80);
  });

  it('goes on at once when the Timestamp is in the past', async () => {
    const { run, elapsed } = await timedWait({ Timestamp: '2016-03-14T01:59:00Z' }, {}, 1);
    expect(run.status).toBe('SUCCEEDED');
    expect(elapsed).toBeLessThan(500);
  });

  it('reads the seconds from the input at SecondsPath', async () => {
    const { run, elapsed } = await timedWait({ SecondsPath: '$.delay' }, { delay: 20 }, 200);
    expect(run.output).toEqual({ delay: 20 });
    expect(elapsed).toBeGreaterThanOrEqual(90);
  });

  it('reads the timestamp from the input at TimestampPath', async () => {
    const { run, elapsed } = await timedWait({ TimestampPath: '$.until' }, { until: inSeconds(30) }, 300);
    expect(run.status).toBe('SUCCEEDED');
    expect(elapsed).toBeGreaterThanOrEqual(80);
  });

  it('accepts a timestamp with an offset instead of Z', async () => {
    const { run } = await timedWait({ Timestamp: '2016-03-14T01:59:00+02:00' }, {}, 1);
    expect(run.status).toBe('SUCCEEDED');
  });

  it('applies InputPath and OutputPath to what it passes on', async () => {
    const { run } = await timedWait({ Seconds: 0, InputPath: '$.a', OutputPath: '$.b' }, { a: { b: 2 } }, 1);
    expect(run.output).toBe(2);
  });

  it.each([
    [{ SecondsPath: '$.v' }, { v: -1 }, 'The SecondsPath parameter references a negative value: $.v == -1'],
    [{ SecondsPath: '$.v' }, { v: 1.5 }, 'The SecondsPath parameter cannot be parsed as a long value: $.v == 1.5'],
    [{ SecondsPath: '$.v' }, { v: '10' }, 'The SecondsPath parameter cannot be parsed as a long value'],
    [{ SecondsPath: '$.v' }, {}, 'The SecondsPath parameter does not reference an input value: $.v'],
    [
      { TimestampPath: '$.v' },
      { v: '2016-12-05 21:29:29Z' },
      'The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.v == 2016-12-05 21:29:29Z',
    ],
    [
      { TimestampPath: '$.v' },
      { v: '2016-12-05T21:29:29' },
      'The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string',
    ],
  ])('fails with States.Runtime for %j on %j', async (wait, waitInput, cause) => {
    const { run } = await timedWait(wait, waitInput, 1);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toContain(cause);
  });
});

describe('Developer Guide "Wait workflow state": JSONata Seconds and Timestamp', () => {
  it('evaluates a JSONata Seconds expression', async () => {
    const { run, elapsed } = await timedWait({ Seconds: '{% $states.input.delay * 2 %}' }, { delay: 10 }, 200, true);
    expect(run.status).toBe('SUCCEEDED');
    expect(elapsed).toBeGreaterThanOrEqual(90);
  });

  it('evaluates a JSONata Timestamp expression', async () => {
    const { run, elapsed } = await timedWait(
      { Timestamp: '{% $states.input.until %}' },
      { until: inSeconds(30) },
      300,
      true,
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(elapsed).toBeGreaterThanOrEqual(80);
  });

  it('fails with States.QueryEvaluationError when Seconds is not a non-negative integer', async () => {
    for (const bad of [-1, 1.5, '"ten"']) {
      const { run } = await timedWait({ Seconds: `{% ${bad} %}` }, {}, 1, true);
      expect(run.error).toBe('States.QueryEvaluationError');
    }
  });

  it('fails with States.QueryEvaluationError when Timestamp is not an ISO-8601 timestamp', async () => {
    const { run } = await timedWait({ Timestamp: "{% '2016-13-05T21:29:29Z' %}" }, {}, 1, true);
    expect(run.error).toBe('States.QueryEvaluationError');
    expect(run.cause).toContain(
      'The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: 2016-13-05T21:29:29Z',
    );
  });
});

describe('Developer Guide "Fail workflow state": Error, Cause, ErrorPath, CausePath', () => {
  it('fails the execution with the literal Error and Cause', async () => {
    const run = await runState({ Type: 'Fail', Error: 'OrderRejected', Cause: 'out of stock' });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('OrderRejected');
    expect(run.cause).toBe('out of stock');
    expect(types(run.history)).toEqual(['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed']);
  });

  it('takes Error and Cause from the input at ErrorPath and CausePath', async () => {
    const run = await runState(
      { Type: 'Fail', ErrorPath: '$.err.name', CausePath: '$.err.why' },
      { err: { name: 'Declined', why: 'card expired' } },
    );
    expect(run.error).toBe('Declined');
    expect(run.cause).toBe('card expired');
  });

  it('takes them from intrinsic functions returning a string', async () => {
    const run = await runState(
      { Type: 'Fail', ErrorPath: "States.Format('{}Error', $.kind)", CausePath: 'States.JsonToString($.detail)' },
      { kind: 'Payment', detail: { code: 51 } },
    );
    expect(run.error).toBe('PaymentError');
    expect(run.cause).toBe('{"code":51}');
  });

  it('fails with States.Runtime when ErrorPath selects nothing', async () => {
    const run = await runState({ Type: 'Fail', ErrorPath: '$.missing', Cause: 'c' }, {});
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toContain("The JSONPath '$.missing' specified for the field 'ErrorPath' could not be found");
  });

  it('fails without an error name or cause when neither is given', async () => {
    const run = await runState({ Type: 'Fail' });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBeUndefined();
    expect(run.cause).toBeUndefined();
  });

  it('evaluates JSONata Error and Cause', async () => {
    const def = jsonataMachine({
      F: { Type: 'Fail', Error: "{% 'E' & $states.input.code %}", Cause: '{% $string($states.input) %}' },
    });
    const run = await runDefinition(def, { code: 42 });
    expect(run.error).toBe('E42');
    expect(run.cause).toBe('{"code":42}');
  });

  it('is caught by the enclosing Parallel Catch when it fails a branch', async () => {
    const def = machine({
      P: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'BranchError', Cause: 'b' } } }],
        Catch: [{ ErrorEquals: ['BranchError'], Next: 'Handled' }],
        End: true,
      },
      Handled: pass(),
    });
    const run = await runDefinition(def, {});
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ Error: 'BranchError', Cause: 'b' });
  });
});

describe('Developer Guide "Succeed workflow state"', () => {
  it('ends the execution successfully with its input, filtered by InputPath and OutputPath', async () => {
    const def = machine({
      S: { Type: 'Succeed', InputPath: '$.a', OutputPath: '$.b' },
      Never: pass({ Result: 'unreachable' }),
    });
    const run = await runDefinition(def, { a: { b: { done: true } } });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ done: true });
    expect(types(run.history)).toEqual([
      'ExecutionStarted',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('uses a JSONata Output', async () => {
    const def = jsonataMachine({ S: { Type: 'Succeed', Output: { n: '{% $states.input.n + 1 %}' } } });
    expect((await runDefinition(def, { n: 1 })).output).toEqual({ n: 2 });
  });

  it('ends only its branch inside a Parallel', async () => {
    const def = machine({
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'S', States: { S: { Type: 'Succeed' } } },
          { StartAt: 'Q', States: { Q: pass({ Result: 'other' }) } },
        ],
        Next: 'After',
      },
      After: pass({ Parameters: { 'results.$': '$' } }),
    });
    const run = await runDefinition(def, { x: 1 });
    expect(run.output).toEqual({ results: [{ x: 1 }, 'other'] });
  });
});
