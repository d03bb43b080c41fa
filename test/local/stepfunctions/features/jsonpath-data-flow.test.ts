/**
 * JSONPath input and output processing, one documented rule per test. Sources: Developer Guide "Processing
 * input and output in Step Functions" (InputPath, Parameters, ResultSelector, ResultPath, OutputPath), "Pass
 * workflow state", "Accessing execution data from the Context object", and the States Language "Paths" section.
 */
import { fakeIntegrations, runDefinition, StatesError } from '../../../../local/stepfunctions';
import { evaluatePath, PathNotFound } from '../../../../local/stepfunctions/jsonpath';
import { machine, pass, runState } from './support';

const lambdaTask = (extra: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  End: true,
  ...extra,
});

describe('Developer Guide "Processing input and output": the order InputPath → Parameters → ResultSelector → ResultPath → OutputPath', () => {
  it('filters with InputPath, builds Parameters from that, reshapes the result with ResultSelector, merges it into the raw input at ResultPath, then applies OutputPath', async () => {
    // Prepare
    const seen: unknown[] = [];
    const integrations = fakeIntegrations({
      'lambda:invoke': (req) => {
        seen.push(req.parameters);
        return { Payload: { total: 42, noise: true }, StatusCode: 200 };
      },
    });
    const state = lambdaTask({
      InputPath: '$.order',
      Parameters: { 'id.$': '$.id', fixed: 'x' },
      ResultSelector: { 'total.$': '$.Payload.total' },
      ResultPath: '$.priced',
      OutputPath: '$.priced',
    });
    // Act
    const run = await runState(state, { order: { id: 'o1', other: 1 }, customer: 'c' }, { integrations });
    // Assess
    expect(seen).toEqual([{ id: 'o1', fixed: 'x' }]);
    expect(run.output).toEqual({ total: 42 });
  });

  it('merges the ResultPath into the raw state input, not the InputPath-filtered one ("ResultPath ... combine the result with the original state input")', async () => {
    const run = await runState(pass({ InputPath: '$.a', Result: 'r', ResultPath: '$.result' }), { a: { b: 1 }, c: 2 });
    expect(run.output).toEqual({ a: { b: 1 }, c: 2, result: 'r' });
  });

  it('uses the InputPath selection as the whole effective input of a Pass without Result or Parameters', async () => {
    const run = await runState(pass({ InputPath: '$.a' }), { a: { b: 1 }, c: 2 });
    expect(run.output).toEqual({ b: 1 });
  });

  it('gives {} as the effective input when InputPath is null ("the raw input is discarded")', async () => {
    const run = await runState(pass({ InputPath: null }), { a: 1 });
    expect(run.output).toEqual({});
  });

  it('gives {} as the output when OutputPath is null', async () => {
    const run = await runState(pass({ Result: { r: 1 }, ResultPath: '$.r', OutputPath: null }), { a: 1 });
    expect(run.output).toEqual({});
  });

  it('fails with States.Runtime when OutputPath selects nothing', async () => {
    const run = await runState(pass({ OutputPath: '$.missing' }), { a: 1 });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toContain("Invalid path '$.missing' : No results for path: $['missing']");
  });

  it('reports a missing segment before the last as "Missing property in path" (recorded: test_catch_states_runtime)', async () => {
    const run = await runState(pass({ OutputPath: '$.no.such.path' }), {});
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toContain("Invalid path '$.no.such.path' : Missing property in path $['no']");
  });
});

describe('Developer Guide "Specifying state output using ResultPath"', () => {
  it('replaces the whole input with the result when ResultPath is omitted (same as "$")', async () => {
    const omitted = await runState(pass({ Result: { r: 1 } }), { a: 1 });
    const dollar = await runState(pass({ Result: { r: 1 }, ResultPath: '$' }), { a: 1 });
    expect(omitted.output).toEqual({ r: 1 });
    expect(dollar.output).toEqual({ r: 1 });
  });

  it('discards the result and passes the original input when ResultPath is null, even for a Task', async () => {
    const integrations = fakeIntegrations({ 'lambda:invoke': () => ({ Payload: 'ignored' }) });
    const run = await runState(lambdaTask({ ResultPath: null }), { keep: [1, 2] }, { integrations });
    expect(run.output).toEqual({ keep: [1, 2] });
  });

  it('creates the missing objects on the way to a nested ResultPath', async () => {
    const run = await runState(pass({ Result: 'deep', ResultPath: '$.a.b.c' }), { x: 1, a: { y: 2 } });
    expect(run.output).toEqual({ x: 1, a: { y: 2, b: { c: 'deep' } } });
  });

  it('overwrites an existing node at ResultPath', async () => {
    const run = await runState(pass({ Result: { n: 2 }, ResultPath: '$.a' }), { a: { old: true }, b: 1 });
    expect(run.output).toEqual({ a: { n: 2 }, b: 1 });
  });

  it('fails when ResultPath goes through a node that is not an object', async () => {
    const run = await runState(pass({ Result: 1, ResultPath: '$.a.b' }), { a: 'text' });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toContain("Invalid path '$.a.b'");
  });

  it('fails rather than drop the result when ResultPath names a field of an array', async () => {
    const run = await runState(pass({ Result: 1, ResultPath: '$.x' }), [1, 2]);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toContain("Invalid path '$.x' : Missing property in path $['x']");
  });

  it('replaces an existing array element at an index ResultPath', async () => {
    const run = await runState(pass({ Result: 'new', ResultPath: '$.list[1]' }), { list: ['a', 'b', 'c'] });
    expect(run.output).toEqual({ list: ['a', 'new', 'c'] });
  });

  it('places the Catch error output at the Catcher ResultPath inside the raw input', async () => {
    const integrations = fakeIntegrations({
      'lambda:invoke': () => {
        throw new StatesError('Boom', 'went wrong');
      },
    });
    const def = machine({
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.err', Next: 'Done' }],
        Next: 'Done',
      },
      Done: pass(),
    });
    const run = await runDefinition(def, { a: 1 }, { integrations });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ a: 1, err: { Error: 'Boom', Cause: 'went wrong' } });
  });
});

describe('Developer Guide "Manipulate parameters": Parameters and ResultSelector payload templates', () => {
  it('evaluates keys ending in .$ as paths and keeps other keys (without the suffix) as literals, at any depth', async () => {
    const run = await runState(
      pass({
        Parameters: {
          literal: '$.not.a.path',
          'path.$': '$.a',
          nested: { 'deep.$': '$.b[1]', list: [{ 'inArray.$': '$.a' }] },
        },
      }),
      { a: 'A', b: [0, 'B1'] },
    );
    expect(run.output).toEqual({
      literal: '$.not.a.path',
      path: 'A',
      nested: { deep: 'B1', list: [{ inArray: 'A' }] },
    });
  });

  it('returns an array for an indefinite path (wildcard, filter, slice)', async () => {
    const input = {
      items: [
        { n: 1, ok: true },
        { n: 2, ok: false },
        { n: 3, ok: true },
      ],
    };
    const run = await runState(
      pass({
        Parameters: { 'all.$': '$.items[*].n', 'ok.$': '$.items[?(@.ok == true)].n', 'firstTwo.$': '$.items[0:2].n' },
      }),
      input,
    );
    expect(run.output).toEqual({ all: [1, 2, 3], ok: [1, 3], firstTwo: [1, 2] });
  });

  it('fails with States.Runtime naming the field when a .$ path selects nothing', async () => {
    const run = await runState(pass({ Parameters: { 'v.$': '$.nope' } }), { a: 1 });
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toContain(
      `The JSONPath '$.nope' specified for the field 'v.$' could not be found in the input '{"a":1}'`,
    );
  });

  it('applies ResultSelector to the raw task result, before ResultPath', async () => {
    const integrations = fakeIntegrations({ 'lambda:invoke': () => ({ Payload: { a: 1, b: 2 }, StatusCode: 200 }) });
    const run = await runState(
      lambdaTask({ ResultSelector: { 'onlyA.$': '$.Payload.a', 'status.$': '$.StatusCode' }, ResultPath: '$.r' }),
      { keep: true },
      { integrations },
    );
    expect(run.output).toEqual({ keep: true, r: { onlyA: 1, status: 200 } });
  });
});

describe('Developer Guide "Pass workflow state"', () => {
  it('takes Result literally: keys ending in .$ inside Result are not evaluated', async () => {
    const run = await runState(pass({ Result: { 'x.$': '$.a', y: '$.a' } }), { a: 1 });
    expect(run.output).toEqual({ 'x.$': '$.a', y: '$.a' });
  });

  it('passes its input through when it has neither Result nor Parameters', async () => {
    const run = await runState(pass(), { a: [1, { b: null }] });
    expect(run.output).toEqual({ a: [1, { b: null }] });
  });

  it('builds its result from Parameters when there is no Result', async () => {
    const run = await runState(pass({ Parameters: { 'copy.$': '$.a' }, ResultPath: '$.p' }), { a: 5 });
    expect(run.output).toEqual({ a: 5, p: { copy: 5 } });
  });
});

describe('Developer Guide "Accessing execution data from the Context object" ($$)', () => {
  it('exposes Execution, StateMachine and State fields to .$ paths', async () => {
    // Prepare
    const def = machine({
      First: { Type: 'Pass', Next: 'Second' },
      Second: pass({
        Parameters: {
          'id.$': '$$.Execution.Id',
          'name.$': '$$.Execution.Name',
          'input.$': '$$.Execution.Input',
          'role.$': '$$.Execution.RoleArn',
          'start.$': '$$.Execution.StartTime',
          'machineId.$': '$$.StateMachine.Id',
          'machineName.$': '$$.StateMachine.Name',
          'state.$': '$$.State.Name',
          'entered.$': '$$.State.EnteredTime',
        },
      }),
    });
    // Act
    const before = Date.now();
    const run = await runDefinition(def, { original: true }, { name: 'exec-1' });
    // Assess
    const out = run.output as Record<string, unknown>;
    expect(out).toMatchObject({
      id: run.executionArn,
      name: 'exec-1',
      input: { original: true },
      role: 'arn:aws:iam::000000000000:role/test',
      machineId: 'arn:aws:states:us-east-1:000000000000:stateMachine:test',
      machineName: 'test',
      state: 'Second',
    });
    // Timestamps are ISO 8601 strings of this run.
    for (const key of ['start', 'entered']) {
      expect(Date.parse(String(out[key]))).toBeGreaterThanOrEqual(before - 1000);
      expect(String(out[key])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    }
  });

  it('gives the execution input, not the state input, at $$.Execution.Input', async () => {
    const def = machine({
      A: { Type: 'Pass', Result: { changed: true }, Next: 'B' },
      B: pass({ Parameters: { 'state.$': '$', 'execution.$': '$$.Execution.Input' } }),
    });
    const run = await runDefinition(def, { original: 1 });
    expect(run.output).toEqual({ state: { changed: true }, execution: { original: 1 } });
  });

  it('counts retries in $$.State.RetryCount of a state that can retry', async () => {
    // Prepare: a task that fails twice, then echoes the retry count it was given.
    let calls = 0;
    const integrations = fakeIntegrations({
      'lambda:invoke': (req) => {
        calls++;
        if (calls < 3) throw new Error('flaky');
        return req.parameters;
      },
    });
    const def = machine({
      T: lambdaTask({
        Parameters: { 'retry.$': '$$.State.RetryCount' },
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 3 }],
      }),
    });
    // Act
    const run = await runDefinition(def, {}, { integrations, timeScale: 1000 });
    // Assess
    expect(run.output).toEqual({ retry: 2 });
  });
});

describe('States Language "Paths": what a path that selects nothing reports', () => {
  const scope = { data: { a: { b: 1 } }, context: {}, variables: {} };
  const failure = (path: string): PathNotFound | undefined => {
    try {
      evaluatePath(path, scope);
    } catch (e) {
      if (e instanceof PathNotFound) return e;
      throw e;
    }
    return undefined;
  };

  it("names the missing last segment as 'No results for path' (as recorded on AWS)", () => {
    expect(failure('$.a.c')?.message).toBe("No results for path: $['a']['c']");
  });

  it("names an earlier missing segment as 'Missing property in path' (recorded: test_catch_states_runtime)", () => {
    expect(failure('$.no.such.path')?.message).toBe("Missing property in path $['no']");
  });

  it('selects a definite path without failing', () => {
    expect(failure('$.a.b')).toBeUndefined();
    expect(evaluatePath('$.a.b', scope)).toBe(1);
  });
});
