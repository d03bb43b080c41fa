/**
 * Choice state, both query languages. Sources: Developer Guide "Choice workflow state" (Choice Rules,
 * comparison operators and their Path forms, And/Or/Not, Default, States.NoChoiceMatched) and the States
 * Language "Choice Rules" section.
 */
import { runDefinition } from '../../../../local/stepfunctions';
import { jsonataMachine, machine, pass } from './support';

/** A JSONPath Choice `C` whose one rule leads to `Yes`, default `No`; the output says which was taken. */
const decide = async (rule: Record<string, unknown>, input: unknown): Promise<string | undefined> => {
  const def = machine({
    C: { Type: 'Choice', Choices: [{ ...rule, Next: 'Yes' }], Default: 'No' },
    Yes: pass({ Result: 'yes' }),
    No: pass({ Result: 'no' }),
  });
  const run = await runDefinition(def, input);
  if (run.status !== 'SUCCEEDED') return `${run.status}:${run.error}`;
  return run.output as string;
};

const input = {
  s: 'banana',
  n: 10,
  f: 2.5,
  b: true,
  t: '2024-03-10T12:00:00Z',
  nul: null,
  obj: { a: 1 },
  other: { s: 'banana', n: 10, b: true, t: '2024-03-10T12:00:00Z', lower: 'apple', high: 20 },
};

describe('Developer Guide "Choice workflow state": data-test comparison operators (JSONPath)', () => {
  it.each([
    [{ Variable: '$.s', StringEquals: 'banana' }, 'yes'],
    [{ Variable: '$.s', StringEquals: 'Banana' }, 'no'],
    [{ Variable: '$.s', StringLessThan: 'cherry' }, 'yes'],
    [{ Variable: '$.s', StringGreaterThan: 'apple' }, 'yes'],
    [{ Variable: '$.s', StringLessThanEquals: 'banana' }, 'yes'],
    [{ Variable: '$.s', StringGreaterThanEquals: 'banana' }, 'yes'],
    [{ Variable: '$.s', StringGreaterThan: 'banana' }, 'no'],
    [{ Variable: '$.n', NumericEquals: 10 }, 'yes'],
    [{ Variable: '$.n', NumericEquals: 10.0 }, 'yes'],
    [{ Variable: '$.f', NumericLessThan: 3 }, 'yes'],
    [{ Variable: '$.f', NumericGreaterThan: 2.4 }, 'yes'],
    [{ Variable: '$.n', NumericLessThanEquals: 10 }, 'yes'],
    [{ Variable: '$.n', NumericGreaterThanEquals: 11 }, 'no'],
    [{ Variable: '$.b', BooleanEquals: true }, 'yes'],
    [{ Variable: '$.b', BooleanEquals: false }, 'no'],
    [{ Variable: '$.t', TimestampEquals: '2024-03-10T13:00:00+01:00' }, 'yes'],
    [{ Variable: '$.t', TimestampLessThan: '2024-03-10T12:00:01Z' }, 'yes'],
    [{ Variable: '$.t', TimestampGreaterThan: '2024-03-10T11:59:59Z' }, 'yes'],
    [{ Variable: '$.t', TimestampLessThanEquals: '2024-03-10T12:00:00Z' }, 'yes'],
    [{ Variable: '$.t', TimestampGreaterThanEquals: '2024-03-11T00:00:00Z' }, 'no'],
  ])('%j takes %s', async (rule, expected) => {
    expect(await decide(rule, input)).toBe(expected);
  });

  it.each([
    [{ Variable: '$.s', StringEqualsPath: '$.other.s' }, 'yes'],
    [{ Variable: '$.s', StringLessThanPath: '$.other.lower' }, 'no'],
    [{ Variable: '$.s', StringGreaterThanPath: '$.other.lower' }, 'yes'],
    [{ Variable: '$.s', StringLessThanEqualsPath: '$.other.s' }, 'yes'],
    [{ Variable: '$.s', StringGreaterThanEqualsPath: '$.other.s' }, 'yes'],
    [{ Variable: '$.n', NumericEqualsPath: '$.other.n' }, 'yes'],
    [{ Variable: '$.n', NumericLessThanPath: '$.other.high' }, 'yes'],
    [{ Variable: '$.n', NumericGreaterThanPath: '$.other.high' }, 'no'],
    [{ Variable: '$.n', NumericLessThanEqualsPath: '$.other.n' }, 'yes'],
    [{ Variable: '$.n', NumericGreaterThanEqualsPath: '$.other.n' }, 'yes'],
    [{ Variable: '$.b', BooleanEqualsPath: '$.other.b' }, 'yes'],
    [{ Variable: '$.t', TimestampEqualsPath: '$.other.t' }, 'yes'],
    [{ Variable: '$.t', TimestampLessThanPath: '$.other.t' }, 'no'],
    [{ Variable: '$.t', TimestampGreaterThanPath: '$.other.t' }, 'no'],
    [{ Variable: '$.t', TimestampLessThanEqualsPath: '$.other.t' }, 'yes'],
    [{ Variable: '$.t', TimestampGreaterThanEqualsPath: '$.other.t' }, 'yes'],
  ])('the Path form %j compares with the value at that path and takes %s', async (rule, expected) => {
    expect(await decide(rule, input)).toBe(expected);
  });

  it('does not match when the values have different types (a string is not NumericEquals to a number)', async () => {
    expect(await decide({ Variable: '$.s', NumericEquals: 10 }, input)).toBe('no');
    expect(await decide({ Variable: '$.n', StringEquals: '10' }, input)).toBe('no');
    expect(await decide({ Variable: '$.s', TimestampEquals: '2024-03-10T12:00:00Z' }, input)).toBe('no');
  });

  it('fails with States.Runtime when the Variable path is not in the input (test with IsPresent first)', async () => {
    const outcome = await decide({ Variable: '$.missing', StringEquals: 'x' }, input);
    expect(outcome).toBe('FAILED:States.Runtime');
  });

  it('reads the Variable from the context object and from variables too', async () => {
    expect(await decide({ Variable: '$$.State.Name', StringEquals: 'C' }, input)).toBe('yes');
    const def = machine({
      Set: { Type: 'Pass', Assign: { limit: 5 }, Next: 'C' },
      C: { Type: 'Choice', Choices: [{ Variable: '$limit', NumericEquals: 5, Next: 'Yes' }], Default: 'No' },
      Yes: pass({ Result: 'yes' }),
      No: pass({ Result: 'no' }),
    });
    expect((await runDefinition(def, {})).output).toBe('yes');
  });
});

describe('Developer Guide "Choice workflow state": StringMatches', () => {
  it.each([
    ['log-*.txt', 'log-2024.txt', 'yes'],
    ['*.log', 'server.log', 'yes'],
    ['*.log', 'server.log.gz', 'no'],
    ['a*b*c', 'aXXbYYc', 'yes'],
    ['literal\\*star', 'literal*star', 'yes'],
    ['literal\\*star', 'literalXstar', 'no'],
    ['back\\\\slash', 'back\\slash', 'yes'],
  ])(
    'pattern %j against %j takes %s ("*" is any run of characters, "\\\\*" a literal star)',
    async (pattern, value, expected) => {
      expect(await decide({ Variable: '$.v', StringMatches: pattern }, { v: value })).toBe(expected);
    },
  );
});

describe('Developer Guide "Choice workflow state": type tests Is*', () => {
  it.each([
    [{ Variable: '$.nul', IsNull: true }, 'yes'],
    [{ Variable: '$.s', IsNull: true }, 'no'],
    [{ Variable: '$.missing', IsNull: true }, 'no'],
    [{ Variable: '$.missing', IsPresent: false }, 'yes'],
    [{ Variable: '$.nul', IsPresent: true }, 'yes'],
    [{ Variable: '$.n', IsNumeric: true }, 'yes'],
    [{ Variable: '$.s', IsNumeric: true }, 'no'],
    [{ Variable: '$.s', IsString: true }, 'yes'],
    [{ Variable: '$.n', IsString: false }, 'yes'],
    [{ Variable: '$.b', IsBoolean: true }, 'yes'],
    [{ Variable: '$.t', IsTimestamp: true }, 'yes'],
    [{ Variable: '$.s', IsTimestamp: true }, 'no'],
    [{ Variable: '$.obj', IsString: true }, 'no'],
  ])('%j takes %s', async (rule, expected) => {
    expect(await decide(rule, input)).toBe(expected);
  });

  it.each([
    ['2016-13-05T21:29:29Z', 'no'],
    ['2023-02-29T00:00:00Z', 'no'],
    ['2024-02-29T00:00:00Z', 'yes'],
    ['2024-04-31T00:00:00Z', 'no'],
    ['2024-03-10t12:00:00z', 'no'],
    ['2024-03-10T12:00:00.123456789Z', 'yes'],
  ])('IsTimestamp on %j (an RFC 3339 instant, real calendar date, uppercase T and Z) takes %s', async (v, expected) => {
    expect(await decide({ Variable: '$.v', IsTimestamp: true }, { v })).toBe(expected);
  });
});

describe('Developer Guide "Choice workflow state": Boolean combinations and rule order', () => {
  it('And matches when every rule matches, Or when one does, Not inverts', async () => {
    const and = {
      And: [
        { Variable: '$.n', NumericGreaterThan: 5 },
        { Variable: '$.s', StringEquals: 'banana' },
      ],
    };
    const andFalse = {
      And: [
        { Variable: '$.n', NumericGreaterThan: 5 },
        { Variable: '$.b', BooleanEquals: false },
      ],
    };
    const or = {
      Or: [
        { Variable: '$.n', NumericLessThan: 5 },
        { Variable: '$.b', BooleanEquals: true },
      ],
    };
    const not = { Not: { Variable: '$.s', StringEquals: 'apple' } };
    expect(await decide(and, input)).toBe('yes');
    expect(await decide(andFalse, input)).toBe('no');
    expect(await decide(or, input)).toBe('yes');
    expect(await decide(not, input)).toBe('yes');
  });

  it('nests combinations', async () => {
    const rule = {
      Not: { Or: [{ Variable: '$.missing', IsPresent: true }, { And: [{ Variable: '$.n', NumericEquals: 1 }] }] },
    };
    expect(await decide(rule, input)).toBe('yes');
  });

  it('takes the first matching rule in order', async () => {
    const def = machine({
      C: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.n', NumericGreaterThan: 1, Next: 'First' },
          { Variable: '$.n', NumericGreaterThan: 0, Next: 'Second' },
        ],
      },
      First: pass({ Result: 'first' }),
      Second: pass({ Result: 'second' }),
    });
    expect((await runDefinition(def, { n: 5 })).output).toBe('first');
  });

  it('fails with States.NoChoiceMatched when no rule matches and there is no Default', async () => {
    const def = machine({
      C: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'X' }] },
      X: pass(),
    });
    const run = await runDefinition(def, { n: 2 });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.NoChoiceMatched');
  });

  it('passes its (InputPath/OutputPath-filtered) input on unchanged to the next state', async () => {
    const def = machine({
      C: {
        Type: 'Choice',
        InputPath: '$.inner',
        OutputPath: '$.keep',
        Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'X' }],
      },
      X: pass(),
    });
    const run = await runDefinition(def, { inner: { n: 1, keep: { k: true } }, outer: 1 });
    expect(run.output).toEqual({ k: true });
  });
});

describe('Developer Guide "Choice workflow state": JSONata Condition', () => {
  const jsonataChoice = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    jsonataMachine({
      C: { Type: 'Choice', Choices: choices, Default: 'No', ...extra },
      Yes: pass({ Output: 'yes' }),
      No: pass({ Output: 'no' }),
    });

  it('takes the first rule whose Condition is true', async () => {
    const def = jsonataChoice([
      { Condition: '{% $states.input.n > 100 %}', Next: 'No' },
      { Condition: "{% $states.input.n > 5 and $states.input.s = 'banana' %}", Next: 'Yes' },
    ]);
    expect((await runDefinition(def, input)).output).toBe('yes');
  });

  it('goes to Default when no Condition holds', async () => {
    const def = jsonataChoice([{ Condition: '{% $states.input.n < 0 %}', Next: 'Yes' }]);
    expect((await runDefinition(def, input)).output).toBe('no');
  });

  it('fails with States.NoChoiceMatched without a Default', async () => {
    const def = jsonataMachine({
      C: { Type: 'Choice', Choices: [{ Condition: '{% false %}', Next: 'X' }] },
      X: pass(),
    });
    const run = await runDefinition(def, {});
    expect(run.error).toBe('States.NoChoiceMatched');
  });

  it('fails with States.QueryEvaluationError when a Condition is not a boolean', async () => {
    const def = jsonataChoice([{ Condition: '{% $states.input.s %}', Next: 'Yes' }]);
    const run = await runDefinition(def, input);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.QueryEvaluationError');
  });

  it("uses the matched rule's Output and Assign (the choice's own Output otherwise passes the input on)", async () => {
    const def = jsonataMachine({
      C: {
        Type: 'Choice',
        Choices: [
          {
            Condition: '{% $states.input.n = 10 %}',
            Output: { picked: '{% $states.input.s %}' },
            Assign: { via: 'rule' },
            Next: 'After',
          },
        ],
        Default: 'After',
      },
      After: pass({ Output: { input: '{% $states.input %}', via: '{% $via %}' } }),
    });
    const run = await runDefinition(def, input);
    expect(run.output).toEqual({ input: { picked: 'banana' }, via: 'rule' });
  });

  it("uses the Choice state's own Output and Assign when it goes to Default", async () => {
    const def = jsonataMachine({
      C: {
        Type: 'Choice',
        Choices: [{ Condition: '{% false %}', Assign: { via: 'rule' }, Next: 'After' }],
        Default: 'After',
        Output: { fallback: true },
        Assign: { via: 'default' },
      },
      After: pass({ Output: { input: '{% $states.input %}', via: '{% $via %}' } }),
    });
    expect((await runDefinition(def, {})).output).toEqual({ input: { fallback: true }, via: 'default' });
  });

  it('lets a JSONPath machine use a JSONata Choice (QueryLanguage per state)', async () => {
    const def = machine({
      C: {
        Type: 'Choice',
        QueryLanguage: 'JSONata',
        Choices: [{ Condition: '{% $states.input.n = 10 %}', Next: 'Yes' }],
        Default: 'No',
      },
      Yes: pass({ Result: 'yes' }),
      No: pass({ Result: 'no' }),
    });
    expect((await runDefinition(def, input)).output).toBe('yes');
  });
});
