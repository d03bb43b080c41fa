/**
 * JSONPath Choice rules (Amazon States Language, "Choice Rules") and payload templates ("Parameters"). The
 * engine reads rules and templates once per definition object, so these tests also reuse one definition.
 */

import { runDefinition, StatesError } from '../../../local/stepfunctions';
import { type ChoiceRule, evaluateRule } from '../../../local/stepfunctions/engine/choice';
import type { Definition } from '../../../local/stepfunctions/engine/execution';
import { PathNotFound } from '../../../local/stepfunctions/jsonpath';

const scope = (data: unknown) => ({ data, context: {}, variables: {} });

describe('JSONPath Choice rules', () => {
  it('gives each input its own answer when one rule object is evaluated repeatedly', () => {
    // Prepare
    const rule: ChoiceRule = { Variable: '$.n', NumericGreaterThan: 2, Next: 'X' };
    // Act
    const answers = [3, 1, 5].map((n) => evaluateRule(rule, scope({ n })));
    // Assess
    expect(answers).toEqual([true, false, true]);
  });

  it('combines And, Or and Not with their usual meaning', () => {
    const rule: ChoiceRule = {
      And: [
        {
          Or: [
            { Variable: '$.a', StringEquals: 'x' },
            { Variable: '$.a', StringEquals: 'y' },
          ],
        },
        { Not: { Variable: '$.b', BooleanEquals: true } },
      ],
      Next: 'X',
    };
    expect(evaluateRule(rule, scope({ a: 'y', b: false }))).toBe(true);
    expect(evaluateRule(rule, scope({ a: 'z', b: false }))).toBe(false);
    expect(evaluateRule(rule, scope({ a: 'x', b: true }))).toBe(false);
  });

  it('answers type tests for absent values instead of failing', () => {
    const present: ChoiceRule = { Variable: '$.gone', IsPresent: false, Next: 'X' };
    const isNull: ChoiceRule = { Variable: '$.v', IsNull: true, Next: 'X' };
    expect(evaluateRule(present, scope({}))).toBe(true);
    expect(evaluateRule(present, scope({ gone: 1 }))).toBe(false);
    expect(evaluateRule(isNull, scope({ v: null }))).toBe(true);
    expect(evaluateRule(isNull, scope({}))).toBe(false);
  });

  it('matches StringMatches globs with escaped stars and backslashes literally', () => {
    const rule: ChoiceRule = { Variable: '$.s', StringMatches: 'log-*\\*.txt', Next: 'X' };
    expect(evaluateRule(rule, scope({ s: 'log-2024*.txt' }))).toBe(true);
    expect(evaluateRule(rule, scope({ s: 'log-2024.txt' }))).toBe(false);
    expect(evaluateRule(rule, scope({ s: 7 }))).toBe(false);
  });

  it('compares against another path with the ...Path operators', () => {
    const rule: ChoiceRule = { Variable: '$.a', NumericLessThanPath: '$.b', Next: 'X' };
    expect(evaluateRule(rule, scope({ a: 1, b: 2 }))).toBe(true);
    expect(evaluateRule(rule, scope({ a: 3, b: 2 }))).toBe(false);
  });

  it('is false, not an error, when the compared value has another type', () => {
    const rule: ChoiceRule = { Variable: '$.a', StringEquals: '1', Next: 'X' };
    expect(evaluateRule(rule, scope({ a: 1 }))).toBe(false);
  });

  it('fails when the variable of a comparison is missing', () => {
    const rule: ChoiceRule = { Variable: '$.missing', NumericEquals: 1, Next: 'X' };
    expect(() => evaluateRule(rule, scope({}))).toThrow(PathNotFound);
  });

  it('fails with States.Runtime on an unknown operator or a rule without a comparison', () => {
    const unknown: ChoiceRule = { Variable: '$.a', NumericAbout: 1, Next: 'X' };
    const empty: ChoiceRule = { Variable: '$.a', Next: 'X' };
    expect(() => evaluateRule(unknown, scope({ a: 1 }))).toThrow(StatesError);
    expect(() => evaluateRule(empty, scope({ a: 1 }))).toThrow('Choice rule without a comparison');
  });
});

describe('JSONPath payload templates', () => {
  const definition = {
    StartAt: 'Shape',
    States: {
      Shape: {
        Type: 'Pass',
        Parameters: {
          'id.$': '$.id',
          fixed: 'literal',
          'notAPath.$': 7,
          nested: { 'first.$': '$.items[0]', list: [{ 'n.$': '$.n' }, 2], none: null },
          'label.$': "States.Format('item {}', $.id)",
        },
        End: true,
      },
    },
  } as Definition;

  it("builds each execution's payload from its own input when the definition is reused", async () => {
    // Act
    const first = await runDefinition(definition, { id: 'a', items: [1], n: 10 });
    const second = await runDefinition(definition, { id: 'b', items: [2], n: 20 });
    // Assess
    const expected = (id: string, first: number, n: number) => ({
      id,
      fixed: 'literal',
      'notAPath.$': 7,
      nested: { first, list: [{ n }, 2], none: null },
      label: `item ${id}`,
    });
    expect(first.output).toEqual(expected('a', 1, 10));
    expect(second.output).toEqual(expected('b', 2, 20));
  });

  it('fails with the field named when a template path finds nothing', async () => {
    const run = await runDefinition(definition, { id: 'a', n: 1 });
    expect(run.status).toBe('FAILED');
    expect(run.cause).toContain("The JSONPath '$.items[0]' specified for the field 'first.$' could not be found");
  });
});
