/**
 * JSONata states and workflow variables. Sources: Developer Guide "Transforming data with JSONata in Step
 * Functions" ({% %} expressions, Arguments/Output, the reserved $states variable, the functions Step Functions
 * adds), "Passing data between states with variables" (Assign, evaluation order, variable scope in Parallel
 * and Map, Distributed Map isolation) and "Setting the query language" (QueryLanguage per state).
 */
import { fakeIntegrations, runDefinition, TokenRegistry } from '../../../../local/stepfunctions';
import { jsonataMachine, machine, pass, tokenCatcher, waitingToken } from './support';

describe('Developer Guide "Transforming data with JSONata": {% %} expressions, Arguments and Output', () => {
  it('evaluates only strings that start with {% and end with %}; others are literals', async () => {
    const def = jsonataMachine({
      A: pass({ Output: { expr: '{% 1 + 1 %}', padded: ' {% 1 + 1 %}', inside: 'a {% 1 %} b', n: 3 } }),
    });
    const run = await runDefinition(def, {});
    expect(run.output).toEqual({ expr: 2, padded: ' {% 1 + 1 %}', inside: 'a {% 1 %} b', n: 3 });
  });

  it('sends Arguments to the task and shapes the result with Output over $states.result and $states.input', async () => {
    const seen: unknown[] = [];
    const integrations = fakeIntegrations({
      'lambda:invoke': (req) => {
        seen.push(req.parameters);
        return { Payload: { total: 9 }, StatusCode: 200 };
      },
    });
    const def = jsonataMachine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'price', Payload: { id: '{% $states.input.order.id %}' } },
        Output: { id: '{% $states.input.order.id %}', total: '{% $states.result.Payload.total %}' },
        End: true,
      },
    });
    const run = await runDefinition(def, { order: { id: 'o-1' } }, { integrations });
    expect(seen).toEqual([{ FunctionName: 'price', Payload: { id: 'o-1' } }]);
    expect(run.output).toEqual({ id: 'o-1', total: 9 });
  });

  it('outputs the raw task result when Output is omitted, and the input for a Pass', async () => {
    const integrations = fakeIntegrations({ 'lambda:invoke': () => ({ Payload: 1, StatusCode: 200 }) });
    const def = jsonataMachine({
      P: { Type: 'Pass', Next: 'T' },
      T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: {}, End: true },
    });
    const run = await runDefinition(def, { in: 1 }, { integrations });
    expect(run.output).toEqual({ Payload: 1, StatusCode: 200 });
  });

  it('exposes the context object at $states.context', async () => {
    const def = jsonataMachine({
      A: pass({
        Output: {
          name: '{% $states.context.Execution.Name %}',
          input: '{% $states.context.Execution.Input %}',
          state: '{% $states.context.State.Name %}',
          machine: '{% $states.context.StateMachine.Name %}',
        },
      }),
    });
    const run = await runDefinition(def, { x: 1 }, { name: 'run-7' });
    expect(run.output).toEqual({ name: 'run-7', input: { x: 1 }, state: 'A', machine: 'test' });
  });

  it('gives a callback task its token at $states.context.Task.Token', async () => {
    const caught = tokenCatcher();
    const tokens = new TokenRegistry();
    const def = jsonataMachine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Arguments: { QueueUrl: 'q', MessageBody: { token: '{% $states.context.Task.Token %}' } },
        Output: { answer: '{% $states.result %}' },
        End: true,
      },
    });
    const pending = runDefinition(def, {}, { integrations: caught.integrations, tokens });
    const token = await waitingToken(caught, tokens);
    tokens.get(token)?.succeed('yes');
    expect((await pending).output).toEqual({ answer: 'yes' });
  });

  it('provides the Step Functions JSONata functions $partition, $range, $hash, $parse and $uuid', async () => {
    const def = jsonataMachine({
      A: pass({
        Output: {
          partition: '{% $partition([1, 2, 3], 2) %}',
          range: '{% $range(0, 4, 2) %}',
          hash: "{% $hash('input data', 'SHA-1') %}",
          parse: '{% $parse(\'{"a": [1]}\') %}',
          uuid: '{% $uuid() %}',
        },
      }),
    });
    const out = (await runDefinition(def, {})).output as Record<string, unknown>;
    expect(out).toMatchObject({
      partition: [[1, 2], [3]],
      range: [0, 2, 4],
      hash: 'aaff4a450a104cd177d28d18d74485e8cae074b7',
      parse: { a: [1] },
    });
    expect(out.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('provides $random(), a number in [0, 1), the same for the same seed', async () => {
    const def = jsonataMachine({
      A: pass({ Output: { r: '{% $random() %}', s1: '{% $random(7) %}', s2: '{% $random(7) %}' } }),
    });
    const out = (await runDefinition(def, {})).output as { r: number; s1: number; s2: number };
    expect(out.r).toBeGreaterThanOrEqual(0);
    expect(out.r).toBeLessThan(1);
    expect(out.s1).toBe(out.s2);
    expect(out.s1).toBeGreaterThanOrEqual(0);
    expect(out.s1).toBeLessThan(1);
  });

  it('fails with States.QueryEvaluationError when an expression throws', async () => {
    const def = jsonataMachine({ A: pass({ Output: "{% $number('abc') + $undefinedFn() %}" }) });
    const run = await runDefinition(def, {});
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.QueryEvaluationError');
    expect(run.cause).toContain("specified for the field 'Output' threw an error during evaluation");
  });
});

describe('Developer Guide "Passing data between states with variables": Assign', () => {
  it('evaluates every Assign value with the variables as they were on entering the state (a swap works)', async () => {
    const def = jsonataMachine({
      Init: { Type: 'Pass', Assign: { a: 1, b: 2 }, Next: 'Swap' },
      Swap: { Type: 'Pass', Assign: { a: '{% $b %}', b: '{% $a %}' }, Next: 'Read' },
      Read: pass({ Output: { a: '{% $a %}', b: '{% $b %}' } }),
    });
    expect((await runDefinition(def, {})).output).toEqual({ a: 2, b: 1 });
  });

  it('lets Assign read $states.result of a task', async () => {
    const integrations = fakeIntegrations({ 'lambda:invoke': () => ({ Payload: { id: 'p1' } }) });
    const def = jsonataMachine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: {},
        Assign: { paymentId: '{% $states.result.Payload.id %}' },
        Output: '{% $states.input %}',
        Next: 'Read',
      },
      Read: pass({ Output: { paymentId: '{% $paymentId %}', input: '{% $states.input %}' } }),
    });
    const run = await runDefinition(def, { order: 1 }, { integrations });
    expect(run.output).toEqual({ paymentId: 'p1', input: { order: 1 } });
  });

  it('keeps variables across many states until reassigned', async () => {
    const def = jsonataMachine({
      A: { Type: 'Pass', Assign: { kept: 'k', changed: 1 }, Next: 'B' },
      B: { Type: 'Pass', Assign: { changed: 2 }, Next: 'C' },
      C: { Type: 'Wait', Seconds: 0, Next: 'D' },
      D: pass({ Output: { kept: '{% $kept %}', changed: '{% $changed %}' } }),
    });
    expect((await runDefinition(def, {})).output).toEqual({ kept: 'k', changed: 2 });
  });

  it('assigns from JSONPath states too, where .$ paths read the state result ($ and $states.result)', async () => {
    const def = machine({
      A: {
        Type: 'Pass',
        Parameters: { 'n.$': '$.n', r: 5 },
        Assign: { 'fromResult.$': '$.n', 'viaStates.$': '$states.result.r', literal: 'L' },
        Next: 'B',
      },
      B: pass({ Parameters: { 'a.$': '$fromResult', 'b.$': '$viaStates', 'c.$': '$literal' } }),
    });
    const run = await runDefinition(def, { n: 1 });
    expect(run.output).toEqual({ a: 1, b: 5, c: 'L' });
  });
});

describe('Developer Guide "Passing data between states with variables": Assign in JSONPath Choice, Wait and Parallel', () => {
  const choice = () =>
    machine({
      C: {
        Type: 'Choice',
        Choices: [{ Variable: '$.n', NumericEquals: 1, Assign: { 'picked.$': '$.n', how: 'rule' }, Next: 'R' }],
        Default: 'R',
        Assign: { how: 'default' },
      },
      R: pass({ Parameters: { 'how.$': '$how' } }),
    });

  it("assigns the matched Choice rule's Assign", async () => {
    expect((await runDefinition(choice(), { n: 1 })).output).toEqual({ how: 'rule' });
  });

  it("assigns the Choice state's own Assign when the Default is taken", async () => {
    expect((await runDefinition(choice(), { n: 2 })).output).toEqual({ how: 'default' });
  });

  it('assigns from a Wait state input', async () => {
    const def = machine({
      W: { Type: 'Wait', Seconds: 0, Assign: { 'w.$': '$.x' }, Next: 'R' },
      R: pass({ Parameters: { 'w.$': '$w' } }),
    });
    expect((await runDefinition(def, { x: 3 })).output).toEqual({ w: 3 });
  });

  it('assigns from the ResultSelector output of a Parallel state', async () => {
    const def = machine({
      P: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'A', States: { A: pass() } }],
        ResultSelector: { 'first.$': '$[0]' },
        Assign: { 'got.$': '$.first' },
        ResultPath: '$.r',
        Next: 'R',
      },
      R: pass({ Parameters: { 'got.$': '$got' } }),
    });
    expect((await runDefinition(def, { v: 1 })).output).toEqual({ got: { v: 1 } });
  });

  it('lets InputPath read a variable', async () => {
    const def = machine({ A: { Type: 'Pass', Assign: { v: { k: 1 } }, Next: 'B' }, B: pass({ InputPath: '$v' }) });
    expect((await runDefinition(def, {})).output).toEqual({ k: 1 });
  });
});

describe('Developer Guide "Passing data between states with variables": variable scope', () => {
  it('lets every Parallel branch read the outer variables', async () => {
    const def = jsonataMachine({
      Set: { Type: 'Pass', Assign: { x: 42 }, Next: 'P' },
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'A', States: { A: pass({ Output: '{% $x + 1 %}' }) } },
          { StartAt: 'B', States: { B: pass({ Output: '{% $x + 2 %}' }) } },
        ],
        End: true,
      },
    });
    expect((await runDefinition(def, {})).output).toEqual([43, 44]);
  });

  it('keeps branch assignments inside the branch: siblings and the outer scope do not see them', async () => {
    const def = jsonataMachine({
      Set: { Type: 'Pass', Assign: { x: 'outer' }, Next: 'P' },
      P: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'A1',
            States: {
              A1: { Type: 'Pass', Assign: { onlyA: 'a', x: 'inner' }, Next: 'A2' },
              A2: pass({ Output: { x: '{% $x %}', onlyA: '{% $onlyA %}' } }),
            },
          },
          {
            StartAt: 'B1',
            States: {
              B1: { Type: 'Wait', Seconds: 0, Next: 'B2' },
              B2: pass({ Output: { sawA: '{% $exists($onlyA) %}', x: '{% $x %}' } }),
            },
          },
        ],
        Next: 'After',
      },
      After: pass({
        Output: { branches: '{% $states.input %}', x: '{% $x %}', leaked: '{% $exists($onlyA) %}' },
      }),
    });
    const run = await runDefinition(def, {}, { timeScale: 1000 });
    expect(run.output).toEqual({
      branches: [
        { x: 'inner', onlyA: 'a' },
        { sawA: false, x: 'outer' },
      ],
      x: 'outer',
      leaked: false,
    });
  });

  it("gives each Map iteration its own scope: one iteration does not see another one's assignments", async () => {
    // Items run one at a time (MaxConcurrency 1), so iteration 1 starts after iteration 0 assigned.
    const def = jsonataMachine({
      M: {
        Type: 'Map',
        Items: '{% [0, 1] %}',
        MaxConcurrency: 1,
        ItemProcessor: {
          StartAt: 'Check',
          States: {
            Check: { Type: 'Pass', Output: '{% $exists($mine) %}', Assign: { mine: '{% $states.input %}' }, End: true },
          },
        },
        End: true,
      },
    });
    expect((await runDefinition(def, {})).output).toEqual([false, false]);
  });

  it('lets a Map nested in a Parallel branch read the top-level variables', async () => {
    const def = jsonataMachine({
      Set: { Type: 'Pass', Assign: { top: 'T' }, Next: 'P' },
      P: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'M',
            States: {
              M: {
                Type: 'Map',
                Items: '{% [1, 2] %}',
                ItemProcessor: { StartAt: 'I', States: { I: pass({ Output: '{% $top & $string($states.input) %}' }) } },
                End: true,
              },
            },
          },
        ],
        End: true,
      },
    });
    expect((await runDefinition(def, {})).output).toEqual([['T1', 'T2']]);
  });

  it('returns data from a Map or Parallel through Output only (the outer scope reads the results, not the inner variables)', async () => {
    const def = jsonataMachine({
      M: {
        Type: 'Map',
        Items: '{% [1, 2, 3] %}',
        ItemProcessor: {
          StartAt: 'Square',
          States: {
            Square: pass({
              Assign: { sq: '{% $states.input * $states.input %}' },
              Output: '{% $states.input * $states.input %}',
            }),
          },
        },
        Assign: { total: '{% $sum($states.result) %}' },
        Next: 'Read',
      },
      Read: pass({ Output: { total: '{% $total %}', sqVisible: '{% $exists($sq) %}' } }),
    });
    expect((await runDefinition(def, {})).output).toEqual({ total: 14, sqVisible: false });
  });
});

describe('Developer Guide "Setting the query language": JSONPath and JSONata states in one machine', () => {
  it('runs a JSONata state inside a JSONPath machine and the reverse, sharing variables', async () => {
    const def = machine({
      Path: { Type: 'Pass', Parameters: { 'n.$': '$.n' }, Assign: { 'seen.$': '$.n' }, Next: 'Ata' },
      Ata: {
        Type: 'Pass',
        QueryLanguage: 'JSONata',
        Output: { doubled: '{% $states.input.n * 2 %}', seen: '{% $seen %}' },
        Next: 'Back',
      },
      Back: pass({ Parameters: { 'doubled.$': '$.doubled', 'seen.$': '$seen' } }),
    });
    const run = await runDefinition(def, { n: 4 });
    expect(run.output).toEqual({ doubled: 8, seen: 4 });
  });

  it('lets a state of a JSONata machine use JSONPath fields', async () => {
    const def = jsonataMachine({
      Ata: { Type: 'Pass', Output: { v: '{% $states.input.v + 1 %}' }, Next: 'Path' },
      Path: pass({ QueryLanguage: 'JSONPath', Parameters: { 'w.$': '$.v' } }),
    });
    expect((await runDefinition(def, { v: 1 })).output).toEqual({ w: 2 });
  });

  it('gives a Parallel branch the query language of the machine unless the branch state sets its own', async () => {
    const def = jsonataMachine({
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'A', States: { A: pass({ Output: '{% $states.input.v %}' }) } },
          { StartAt: 'B', States: { B: pass({ QueryLanguage: 'JSONPath', InputPath: '$.v' }) } },
        ],
        End: true,
      },
    });
    expect((await runDefinition(def, { v: 'x' })).output).toEqual(['x', 'x']);
  });
});
