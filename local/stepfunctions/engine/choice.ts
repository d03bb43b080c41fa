import { StatesError, StatesErrors } from '../errors';
import { evaluatePath, type PathScope, tryPath } from '../jsonpath';

/** A JSONPath Choice rule (the States Language "Choice Rules" section). */
export type ChoiceRule = Record<string, any>;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** True when a string is an RFC 3339 timestamp that denotes a real instant (months 1-12, hours 0-23...). */
export const isTimestamp = (v: unknown): v is string => {
  if (typeof v !== 'string' || !ISO_TIMESTAMP.test(v)) return false;
  const [date, time] = v.split('T') as [string, string];
  const [, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second] = time.slice(0, 8).split(':').map(Number) as [number, number, number];
  // Day 0 of the next month is the last day of this one (leap years included).
  const daysInMonth = new Date(Date.UTC(Number(date.slice(0, 4)), month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    !Number.isNaN(Date.parse(v))
  );
};

/** StringMatches: `*` is any run of characters, `\*` a literal star, `\\` a backslash. */
const globRegExp = (pattern: string): RegExp => {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) re += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') re += '[\\s\\S]*';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
};

type Compare = (a: any, b: any) => boolean;
const typed =
  (check: (v: unknown) => boolean, compare: Compare, convert: (v: any) => any = (v) => v): Compare =>
  (a, b) =>
    check(a) && check(b) && compare(convert(a), convert(b));
const isString = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number';
const ts = (v: string) => Date.parse(v);

const COMPARISONS: Record<string, Compare> = {
  StringEquals: typed(isString, (a, b) => a === b),
  StringLessThan: typed(isString, (a, b) => a < b),
  StringGreaterThan: typed(isString, (a, b) => a > b),
  StringLessThanEquals: typed(isString, (a, b) => a <= b),
  StringGreaterThanEquals: typed(isString, (a, b) => a >= b),
  NumericEquals: typed(isNumber, (a, b) => a === b),
  NumericLessThan: typed(isNumber, (a, b) => a < b),
  NumericGreaterThan: typed(isNumber, (a, b) => a > b),
  NumericLessThanEquals: typed(isNumber, (a, b) => a <= b),
  NumericGreaterThanEquals: typed(isNumber, (a, b) => a >= b),
  BooleanEquals: typed(
    (v) => typeof v === 'boolean',
    (a, b) => a === b,
  ),
  TimestampEquals: typed(isTimestamp, (a, b) => a === b, ts),
  TimestampLessThan: typed(isTimestamp, (a, b) => a < b, ts),
  TimestampGreaterThan: typed(isTimestamp, (a, b) => a > b, ts),
  TimestampLessThanEquals: typed(isTimestamp, (a, b) => a <= b, ts),
  TimestampGreaterThanEquals: typed(isTimestamp, (a, b) => a >= b, ts),
};

const TYPE_TESTS: Record<string, (v: unknown, present: boolean) => boolean> = {
  IsNull: (v, present) => present && v === null,
  IsPresent: (_v, present) => present,
  IsNumeric: (v, present) => present && typeof v === 'number',
  IsString: (v, present) => present && typeof v === 'string',
  IsBoolean: (v, present) => present && typeof v === 'boolean',
  IsTimestamp: (v, present) => present && isTimestamp(v),
};

const TYPE_TEST_ENTRIES = Object.entries(TYPE_TESTS);
const NOT_OPERATORS = new Set(['Variable', 'Next', 'Assign', 'Comment', 'Output']);

type CompiledRule = (scope: PathScope) => boolean;

/** Rules are read once per rule object: which operator, which comparison, which glob, and in what order. */
const compiledRules = new WeakMap<ChoiceRule, CompiledRule>();

const all =
  (rules: ChoiceRule[]): CompiledRule =>
  (scope) => {
    for (const r of rules) if (!evaluateRule(r, scope)) return false;
    return true;
  };

const any =
  (rules: ChoiceRule[]): CompiledRule =>
  (scope) => {
    for (const r of rules) if (evaluateRule(r, scope)) return true;
    return false;
  };

const compileRule = (rule: ChoiceRule): CompiledRule => {
  if (Array.isArray(rule.And)) return all(rule.And);
  if (Array.isArray(rule.Or)) return any(rule.Or);
  if (rule.Not) {
    const inner = rule.Not as ChoiceRule;
    return (scope) => !evaluateRule(inner, scope);
  }
  const variable = rule.Variable as string;
  for (const [op, test] of TYPE_TEST_ENTRIES) {
    if (op in rule) {
      const wanted = Boolean(rule[op]);
      return (scope) => {
        const value = tryPath(variable, scope);
        return test(value, value !== undefined) === wanted;
      };
    }
  }
  const key = Object.keys(rule).find((k) => !NOT_OPERATORS.has(k));
  if (key === undefined) {
    return () => {
      throw new StatesError(StatesErrors.Runtime, 'Choice rule without a comparison');
    };
  }
  const expected = rule[key];
  const isPath = key.endsWith('Path');
  const op = isPath ? key.slice(0, -4) : key;
  if (op === 'StringMatches') {
    const pattern = globRegExp(String(expected));
    return (scope) => {
      const value = evaluatePath(variable, scope);
      return typeof value === 'string' && pattern.test(value);
    };
  }
  const compare = COMPARISONS[op];
  return (scope) => {
    const value = evaluatePath(variable, scope);
    if (!compare) throw new StatesError(StatesErrors.Runtime, `Unsupported choice operator ${key}`);
    const other = isPath ? evaluatePath(String(expected), scope) : expected;
    return compare(value, other);
  };
};

/** Evaluates one JSONPath Choice rule against the state input. */
export const evaluateRule = (rule: ChoiceRule, scope: PathScope): boolean => {
  let compiled = compiledRules.get(rule);
  if (compiled === undefined) {
    compiled = compileRule(rule);
    compiledRules.set(rule, compiled);
  }
  return compiled(scope);
};
