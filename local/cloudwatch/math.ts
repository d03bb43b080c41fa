import { AwsError } from '../core/errors.ts';

/** A metric-math value: a constant, or a series (timestamp ms → value). */
export type MathValue = number | Map<number, number>;

type Token = { kind: 'num'; value: number } | { kind: 'id'; value: string } | { kind: 'op'; value: string };

const tokenize = (text: string): Token[] => {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/(),^]))/y;
  let index = 0;
  while (index < text.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) break;
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'num', value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: 'id', value: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'op', value: match[3] });
  }
  if (text.slice(index).trim())
    throw new AwsError('ValidationError', `Unsupported metric math near "${text.slice(index).trim()}"`);
  return tokens;
};

const combine = (a: MathValue, b: MathValue, f: (x: number, y: number) => number): MathValue => {
  if (typeof a === 'number' && typeof b === 'number') return f(a, b);
  const out = new Map<number, number>();
  if (typeof a === 'number') for (const [t, y] of b as Map<number, number>) out.set(t, f(a, y));
  else if (typeof b === 'number') for (const [t, x] of a) out.set(t, f(x, b));
  else for (const [t, x] of a) if (b.has(t)) out.set(t, f(x, b.get(t)!));
  return out;
};

/** Per-timestamp aggregation across series (SUM/AVG/MIN/MAX of a list), or over time for a single series. */
const aggregate = (name: string, args: MathValue[]): MathValue => {
  const reduce = (values: number[]): number => {
    if (name === 'SUM') return values.reduce((a, b) => a + b, 0);
    if (name === 'AVG') return values.reduce((a, b) => a + b, 0) / values.length;
    if (name === 'MIN') return Math.min(...values);
    return Math.max(...values);
  };
  const series = args.filter((a): a is Map<number, number> => typeof a !== 'number');
  if (args.length === 1 && series.length === 1) {
    const only = series[0]!;
    const value = only.size ? reduce([...only.values()]) : Number.NaN;
    return new Map([...only.keys()].map((t) => [t, value]));
  }
  const times = new Set(series.flatMap((s) => [...s.keys()]));
  const out = new Map<number, number>();
  for (const t of times) {
    const values = args.map((a) => (typeof a === 'number' ? a : a.get(t))).filter((v): v is number => v !== undefined);
    if (values.length) out.set(t, reduce(values));
  }
  return out;
};

/**
 * Evaluate a metric-math expression: numbers, query ids, `+ - * / ^`, parentheses, `SUM/AVG/MIN/MAX(...)`,
 * `FILL(series, value)` over the timestamps of the other series, `ABS(x)` and `METRICS()` (every MetricStat query).
 */
export const evaluateMath = (
  expression: string,
  lookup: (id: string) => MathValue | undefined,
  metrics: () => MathValue[],
): MathValue => {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const take = (value?: string): Token => {
    const token = tokens[position++];
    if (!token || (value !== undefined && token.value !== value)) {
      throw new AwsError('ValidationError', `Unsupported metric math: ${expression}`);
    }
    return token;
  };
  const allTimes = (): number[] => [...new Set(metrics().flatMap((m) => (typeof m === 'number' ? [] : [...m.keys()])))];

  const primary = (): MathValue[] | MathValue => {
    const token = take();
    if (token.kind === 'num') return token.value;
    if (token.kind === 'op' && token.value === '-') return combine(-1, single(primary()), (a, b) => a * b);
    if (token.kind === 'op' && token.value === '(') {
      const value = additive();
      take(')');
      return value;
    }
    if (token.kind !== 'id') throw new AwsError('ValidationError', `Unsupported metric math: ${expression}`);
    if (peek()?.value !== '(') {
      const value = lookup(token.value);
      if (value === undefined)
        throw new AwsError('ValidationError', `Unknown metric id ${token.value} in ${expression}`);
      return value;
    }
    take('(');
    const args: MathValue[] = [];
    while (peek()?.value !== ')') {
      const value = additive();
      args.push(...(Array.isArray(value) ? value : [value]));
      if (peek()?.value === ',') take(',');
    }
    take(')');
    const name = token.value.toUpperCase();
    if (name === 'METRICS') return metrics();
    if (['SUM', 'AVG', 'MIN', 'MAX'].includes(name)) return aggregate(name, args);
    if (name === 'ABS') return combine(single(args[0] ?? 0), 0, (a) => Math.abs(a));
    if (name === 'FILL') {
      const series = args[0];
      const fill = typeof args[1] === 'number' ? args[1] : 0;
      const out = new Map<number, number>();
      for (const t of allTimes()) out.set(t, typeof series === 'number' ? series : (series?.get(t) ?? fill));
      return out;
    }
    throw new AwsError('ValidationError', `The metric math function ${token.value} is not supported locally`);
  };
  const single = (value: MathValue[] | MathValue): MathValue => {
    if (!Array.isArray(value)) return value;
    if (value.length !== 1) throw new AwsError('ValidationError', `Expected one series in ${expression}`);
    return value[0]!;
  };
  const power = (): MathValue[] | MathValue => {
    const base = primary();
    if (peek()?.value !== '^') return base;
    take('^');
    return combine(single(base), single(power()), (a, b) => a ** b);
  };
  const multiplicative = (): MathValue[] | MathValue => {
    let left = power();
    while (peek()?.value === '*' || peek()?.value === '/') {
      const op = take().value;
      const right = single(power());
      left = combine(single(left), right, op === '*' ? (a, b) => a * b : (a, b) => a / b);
    }
    return left;
  };
  const additive = (): MathValue[] | MathValue => {
    let left = multiplicative();
    while (peek()?.value === '+' || peek()?.value === '-') {
      const op = take().value;
      const right = single(multiplicative());
      left = combine(single(left), right, op === '+' ? (a, b) => a + b : (a, b) => a - b);
    }
    return left;
  };
  const result = additive();
  if (position < tokens.length) throw new AwsError('ValidationError', `Unsupported metric math: ${expression}`);
  return single(result);
};
