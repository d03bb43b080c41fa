/**
 * Parallel and Map. Sources: Developer Guide "Parallel workflow state", "Map workflow state" (ItemsPath,
 * Items, ItemSelector, MaxConcurrency), "Using Map state in Distributed mode" (ToleratedFailureCount,
 * ToleratedFailurePercentage, States.ExceedToleratedFailureThreshold) and "Accessing execution data from the
 * Context object" ($$.Map.Item).
 */
import { fakeIntegrations, runDefinition, StatesError, TokenRegistry } from '../../../../local/stepfunctions';
import { callbackTask, eventually, jsonataMachine, machine, pass, tokenCatcher, types, waitingToken } from './support';

const callbackState = () => callbackTask({}, { 'item.$': '$' });

/** An item processor that fails items equal to `bad` with ItemFailed, and passes the others through. */
const failOn = (bad: unknown, mode?: 'DISTRIBUTED') => ({
  ...(mode ? { ProcessorConfig: { Mode: mode, ExecutionType: 'STANDARD' } } : {}),
  StartAt: 'C',
  States: {
    C: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: bad, Next: 'Bad' }], Default: 'Ok' },
    Bad: { Type: 'Fail', Error: 'ItemFailed', Cause: `item ${String(bad)}` },
    Ok: pass(),
  },
});

describe('Developer Guide "Parallel workflow state"', () => {
  it('gives every branch the same input and outputs the branch results as an array in Branches order', async () => {
    // Branch 0 waits for its token, branch 1 ends at once: the order still follows Branches.
    const caught = tokenCatcher();
    const tokens = new TokenRegistry();
    const def = machine({
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Slow', States: { Slow: callbackState() } },
          { StartAt: 'Fast', States: { Fast: pass({ Parameters: { 'fast.$': '$.n' } }) } },
        ],
        End: true,
      },
    });
    const pending = runDefinition(def, { n: 1 }, { integrations: caught.integrations, tokens });
    const token = await waitingToken(caught, tokens);
    tokens.get(token)?.succeed({ slow: 1 });
    const run = await pending;
    expect(run.output).toEqual([{ slow: 1 }, { fast: 1 }]);
  });

  it('applies InputPath and Parameters before the branches and ResultSelector/ResultPath to the array', async () => {
    const def = machine({
      P: {
        Type: 'Parallel',
        InputPath: '$.in',
        Parameters: { 'v.$': '$.v' },
        Branches: [
          { StartAt: 'A', States: { A: pass({ Parameters: { 'a.$': '$.v' } }) } },
          { StartAt: 'B', States: { B: pass({ Parameters: { 'b.$': '$.v' } }) } },
        ],
        ResultSelector: { 'first.$': '$[0].a', 'second.$': '$[1].b' },
        ResultPath: '$.out',
        End: true,
      },
    });
    const run = await runDefinition(def, { in: { v: 7, other: 0 } });
    expect(run.output).toEqual({ in: { v: 7, other: 0 }, out: { first: 7, second: 7 } });
  });

  it('fails as a whole when one branch fails, stopping the branches still running', async () => {
    const caught = tokenCatcher();
    const tokens = new TokenRegistry();
    const def = machine({
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Waiting', States: { Waiting: callbackState() } },
          {
            StartAt: 'Later',
            States: {
              Later: { Type: 'Wait', Seconds: 1, Next: 'Boom' },
              Boom: { Type: 'Fail', Error: 'BranchBroke', Cause: 'b' },
            },
          },
        ],
        End: true,
      },
    });
    const run = await runDefinition(def, {}, { integrations: caught.integrations, tokens, timeScale: 100 });
    expect(run).toMatchObject({ status: 'FAILED', error: 'BranchBroke', cause: 'b' });
    // The waiting branch was stopped: its token no longer answers.
    expect(caught.tokens).toHaveLength(1);
    expect(tokens.get(caught.tokens[0] as string)).toBeUndefined();
    expect(types(run.history)).toContain('ParallelStateFailed');
    expect(types(run.history)).not.toContain('ParallelStateSucceeded');
  });

  it('hands a failed branch error to a JSONata Catch as $states.errorOutput', async () => {
    const def = jsonataMachine({
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Ok', States: { Ok: pass() } },
          { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Broke', Cause: 'branch 2' } } },
        ],
        Catch: [{ ErrorEquals: ['Broke'], Output: { why: '{% $states.errorOutput.Cause %}' }, Next: 'R' }],
        End: true,
      },
      R: pass(),
    });
    expect((await runDefinition(def, {})).output).toEqual({ why: 'branch 2' });
  });

  it('passes JSONata Arguments to every branch', async () => {
    const def = jsonataMachine({
      P: {
        Type: 'Parallel',
        Arguments: { n: '{% $states.input.n * 10 %}' },
        Branches: [
          { StartAt: 'A', States: { A: pass({ Output: '{% $states.input.n + 1 %}' }) } },
          { StartAt: 'B', States: { B: pass({ Output: '{% $states.input.n + 2 %}' }) } },
        ],
        Output: '{% $sum($states.result) %}',
        End: true,
      },
    });
    const run = await runDefinition(def, { n: 1 });
    expect(run.output).toBe(23);
  });
});

describe('Developer Guide "Map workflow state": items and ItemSelector', () => {
  it('runs the processor once per item of ItemsPath and outputs the results in item order', async () => {
    const def = machine({
      M: {
        Type: 'Map',
        ItemsPath: '$.orders',
        ItemProcessor: { StartAt: 'P', States: { P: pass({ Parameters: { 'id.$': '$.id' } }) } },
        ResultPath: '$.processed',
        End: true,
      },
    });
    const run = await runDefinition(def, { orders: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    expect(run.output).toEqual({
      orders: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
      processed: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
    });
  });

  it('iterates over the whole input when ItemsPath is omitted, and outputs [] for an empty array', async () => {
    const def = machine({
      M: { Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: pass() } }, End: true },
    });
    expect((await runDefinition(def, [1, 2])).output).toEqual([1, 2]);
    expect((await runDefinition(def, [])).output).toEqual([]);
  });

  it('builds each item input with ItemSelector from $$.Map.Item.Index, $$.Map.Item.Value and the state input', async () => {
    const def = machine({
      M: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemSelector: { 'index.$': '$$.Map.Item.Index', 'value.$': '$$.Map.Item.Value', 'shared.$': '$.shared' },
        ItemProcessor: { StartAt: 'P', States: { P: pass() } },
        End: true,
      },
    });
    const run = await runDefinition(def, { items: ['x', 'y'], shared: 's' });
    expect(run.output).toEqual([
      { index: 0, value: 'x', shared: 's' },
      { index: 1, value: 'y', shared: 's' },
    ]);
  });

  it('accepts the older Parameters/Iterator names for ItemSelector/ItemProcessor', async () => {
    const def = machine({
      M: {
        Type: 'Map',
        Parameters: { 'i.$': '$$.Map.Item.Index' },
        Iterator: { StartAt: 'P', States: { P: pass() } },
        End: true,
      },
    });
    expect((await runDefinition(def, ['a', 'b'])).output).toEqual([{ i: 0 }, { i: 1 }]);
  });

  it('takes JSONata Items and ItemSelector with $states.context.Map.Item', async () => {
    const def = jsonataMachine({
      M: {
        Type: 'Map',
        Items: '{% $states.input.list[$ > 1] %}',
        ItemSelector: { v: '{% $states.context.Map.Item.Value %}', i: '{% $states.context.Map.Item.Index %}' },
        ItemProcessor: {
          StartAt: 'P',
          States: { P: pass({ Output: '{% $states.input.v * 10 + $states.input.i %}' }) },
        },
        End: true,
      },
    });
    const run = await runDefinition(def, { list: [1, 2, 3] });
    expect(run.output).toEqual([20, 31]);
  });

  it('fails with States.Runtime when ItemsPath does not select an array', async () => {
    const def = machine({
      M: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'P', States: { P: pass() } }, End: true },
    });
    const run = await runDefinition(def, { items: { not: 'an array' } });
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toContain('Map state input must be an array but was: {"not":"an array"}');
  });
});

describe('Developer Guide "Map workflow state": MaxConcurrency', () => {
  it('runs at most MaxConcurrency iterations at once', async () => {
    // Prepare: five items, each waiting on a token, two at a time.
    const caught = tokenCatcher();
    const tokens = new TokenRegistry();
    const def = machine({
      M: {
        Type: 'Map',
        MaxConcurrency: 2,
        ItemProcessor: { StartAt: 'T', States: { T: callbackState() } },
        End: true,
      },
    });
    const pending = runDefinition(def, [1, 2, 3, 4, 5], { integrations: caught.integrations, tokens });
    // Act and Assess: answer one token at a time; never more than two are waiting.
    let answered = 0;
    let mostWaiting = 0;
    while (answered < 5) {
      await eventually(
        () => caught.tokens.length,
        (n) => n >= Math.min(5, answered + 2),
      );
      const waiting = caught.tokens.filter((t) => tokens.get(t) !== undefined);
      mostWaiting = Math.max(mostWaiting, waiting.length);
      tokens.get(waiting[0] as string)?.succeed('done');
      answered++;
    }
    const run = await pending;
    expect(mostWaiting).toBe(2);
    expect(run.output).toEqual(['done', 'done', 'done', 'done', 'done']);
  });

  it('reads MaxConcurrencyPath from the input', async () => {
    const caught = tokenCatcher();
    const tokens = new TokenRegistry();
    const def = machine({
      M: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrencyPath: '$.limit',
        ItemProcessor: { StartAt: 'T', States: { T: callbackState() } },
        End: true,
      },
    });
    const pending = runDefinition(def, { items: [1, 2, 3], limit: 1 }, { integrations: caught.integrations, tokens });
    await eventually(
      () => caught.tokens.length,
      (n) => n === 1,
    );
    // One at a time: the second item starts only once the first is answered.
    await new Promise((r) => setImmediate(r));
    expect(caught.tokens).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      const t = await waitingToken(caught, tokens, i);
      tokens.get(t)?.succeed(i);
    }
    expect((await pending).output).toEqual([0, 1, 2]);
  });
});

describe('Developer Guide "Map workflow state": failing items and tolerated failures', () => {
  it('fails an inline Map with the error of its failing item', async () => {
    const def = machine({ M: { Type: 'Map', ItemProcessor: failOn(2), End: true } });
    const run = await runDefinition(def, [1, 2, 3]);
    expect(run).toMatchObject({ status: 'FAILED', error: 'ItemFailed', cause: 'item 2' });
    expect(types(run.history)).toContain('MapIterationFailed');
  });

  it("lets the Map's Catch handle a failing item", async () => {
    const def = machine({
      M: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: failOn(2),
        Catch: [{ ErrorEquals: ['ItemFailed'], ResultPath: '$.error', Next: 'R' }],
        End: true,
      },
      R: pass(),
    });
    const run = await runDefinition(def, { items: [1, 2, 3] });
    expect(run.output).toEqual({ items: [1, 2, 3], error: { Error: 'ItemFailed', Cause: 'item 2' } });
  });

  it('retries a failed inline Map as a whole, running every item again', async () => {
    // Item 2 fails on its first run only; the Map's Retry starts all three items over.
    const seen: number[] = [];
    const integrations = fakeIntegrations({
      'lambda:invoke': (req) => {
        const item = req.parameters as number;
        seen.push(item);
        if (item === 2 && seen.filter((x) => x === 2).length === 1) throw new StatesError('Flaky', 'first try');
        return item * 10;
      },
    });
    const def = machine({
      M: {
        Type: 'Map',
        MaxConcurrency: 1,
        ItemProcessor: {
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } },
        },
        Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1 }],
        End: true,
      },
    });
    const run = await runDefinition(def, [1, 2, 3], { integrations, timeScale: 1000 });
    expect(run.output).toEqual([10, 20, 30]);
    expect(seen).toEqual([1, 2, 1, 2, 3]);
  });

  it('succeeds while failures stay within ToleratedFailureCount (Distributed mode)', async () => {
    const def = machine({
      M: { Type: 'Map', ToleratedFailureCount: 1, ItemProcessor: failOn(2, 'DISTRIBUTED'), End: true },
    });
    const run = await runDefinition(def, [1, 2, 3]);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual([1, { Error: 'ItemFailed', Cause: 'item 2' }, 3]);
  });

  it('fails with States.Runtime on a ToleratedFailurePercentage outside 0..100', async () => {
    const def = machine({
      M: {
        Type: 'Map',
        ToleratedFailurePercentagePath: '$.pct',
        ItemsPath: '$.items',
        ItemProcessor: failOn(2, 'DISTRIBUTED'),
        End: true,
      },
    });
    const run = await runDefinition(def, { items: [1], pct: 101 });
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toContain('ToleratedFailurePercentage must be between 0 and 100.');
  });
});

describe('API Reference "HistoryEvent" for Map and Parallel (ids, previousEventId, iteration details; as recorded on AWS)', () => {
  const idsAndLinks = (history: readonly { id: number; previousEventId: number; type: string }[]) =>
    history.map((e) => [e.id, e.previousEventId, e.type]);

  it('starts every Parallel branch from ParallelStateStarted and exits after the last branch event', async () => {
    const def = machine({
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'A', States: { A: pass() } },
          { StartAt: 'B', States: { B: pass() } },
        ],
        End: true,
      },
    });
    const run = await runDefinition(def, {});
    expect(idsAndLinks(run.history)).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 0, 'ParallelStateEntered'],
      [3, 2, 'ParallelStateStarted'],
      [4, 3, 'PassStateEntered'],
      [5, 4, 'PassStateExited'],
      [6, 3, 'PassStateEntered'],
      [7, 6, 'PassStateExited'],
      [8, 7, 'ParallelStateSucceeded'],
      [9, 7, 'ParallelStateExited'],
      [10, 9, 'ExecutionSucceeded'],
    ]);
  });

  it('numbers Map iterations with their index and chains each iteration after the previous one', async () => {
    const def = machine({ M: { Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: pass() } }, End: true } });
    const run = await runDefinition(def, ['a', 'b']);
    expect(idsAndLinks(run.history)).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 0, 'MapStateEntered'],
      [3, 2, 'MapStateStarted'],
      [4, 3, 'MapIterationStarted'],
      [5, 4, 'PassStateEntered'],
      [6, 5, 'PassStateExited'],
      [7, 6, 'MapIterationSucceeded'],
      [8, 6, 'MapIterationStarted'],
      [9, 8, 'PassStateEntered'],
      [10, 9, 'PassStateExited'],
      [11, 10, 'MapIterationSucceeded'],
      [12, 11, 'MapStateSucceeded'],
      [13, 11, 'MapStateExited'],
      [14, 13, 'ExecutionSucceeded'],
    ]);
    const details = run.history
      .filter((e) => e.type === 'MapIterationStarted' || e.type === 'MapStateStarted')
      .map((e) => e.mapIterationStartedEventDetails ?? e.mapStateStartedEventDetails);
    expect(details).toEqual([{ length: 2 }, { index: 0, name: 'M' }, { index: 1, name: 'M' }]);
  });
});
