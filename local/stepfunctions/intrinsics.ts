import { createHash, randomUUID } from 'node:crypto';
import { StatesError, StatesErrors } from './errors';
import { evaluatePath, type PathScope } from './jsonpath';

/** A parsed intrinsic argument: a literal, a path into the state data, context or variables, or a call. */
type Arg =
  | { kind: 'literal'; value: unknown }
  | { kind: 'path'; path: string }
  | { kind: 'call'; name: string; args: Arg[] };

const parsedCache = new Map<string, Arg>();

/** True when a string is an intrinsic function call (`States.Format(...)`). */
export const isIntrinsic = (text: string): boolean => /^\s*States\.[A-Za-z0-9]+\(/.test(text);

/** Parses `States.X(...)` text once; results are cached because definitions repeat them per execution. */
const parse = (text: string): Arg => {
  const cached = parsedCache.get(text);
  if (cached) return cached;
  let i = 0;
  const fail = (why: string): never => {
    throw new StatesError(StatesErrors.Runtime, `Invalid intrinsic function '${text}': ${why}`);
  };
  const skip = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const parseArg = (): Arg => {
    skip();
    const c = text[i];
    if (c === "'") {
      i++;
      let out = '';
      while (i < text.length && text[i] !== "'") {
        if (text[i] === '\\' && i + 1 < text.length) {
          const next = text[i + 1] as string;
          // Escapes of the characters Format gives a meaning ({, } and \) are kept until Format reads the
          // template, so `\\{}` stays a backslash followed by a placeholder; other arguments drop them later.
          out += next === '{' || next === '}' || next === '\\' ? `\\${next}` : next;
          i += 2;
        } else out += text[i++];
      }
      if (text[i] !== "'") fail('unterminated string');
      i++;
      return { kind: 'literal', value: out };
    }
    if (c === '$') {
      const start = i;
      let depth = 0;
      let quote: string | undefined;
      while (i < text.length) {
        const ch = text[i] as string;
        if (quote) {
          if (ch === quote) quote = undefined;
        } else if (ch === "'" || ch === '"') quote = ch;
        else if (ch === '[' || ch === '(') depth++;
        else if (ch === ']' || (ch === ')' && depth > 0)) depth--;
        else if (depth === 0 && (ch === ',' || ch === ')')) break;
        i++;
      }
      return { kind: 'path', path: text.slice(start, i).trim() };
    }
    const word = /^(States\.[A-Za-z0-9]+)\(/.exec(text.slice(i));
    if (word?.[1]) {
      i += word[1].length + 1;
      const args: Arg[] = [];
      skip();
      if (text[i] === ')') {
        i++;
        return { kind: 'call', name: word[1], args };
      }
      for (;;) {
        args.push(parseArg());
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ')') {
          i++;
          break;
        }
        fail('expected , or )');
      }
      return { kind: 'call', name: word[1], args };
    }
    const literal = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (literal?.[1]) {
      i += literal[1].length;
      return { kind: 'literal', value: JSON.parse(literal[1]) };
    }
    return fail(`unexpected character at ${i}`);
  };
  const result = parseArg();
  skip();
  if (i !== text.length) fail('trailing text');
  parsedCache.set(text, result);
  return result;
};

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
const canonical = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
};

const expect = (fn: string, value: unknown, type: string): void => {
  const actual = typeName(value);
  const ok = type === 'integer' ? Number.isInteger(value) : actual === type;
  if (!ok) throw new StatesError(StatesErrors.Runtime, `${fn}: expected ${type} but got ${actual}`);
};

/**
 * Math functions take any number and round it half up (recorded on AWS, test_math_add: 1.49 + 1.5 = 3,
 * -1.5 + 0 = -1, 2.5 + 0 = 3), which is exactly `Math.round`.
 */
const rounded = (fn: string, value: unknown): number => {
  expect(fn, value, 'number');
  return Math.round(value as number);
};

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** Seeded generator for MathRandom with a seed: the same seed gives the same number, as on AWS. */
const seededRandom = (seed: number): number => {
  let t = (seed + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/**
 * How Format renders a non-string argument. Recorded on AWS (test_context_json_path): objects print as
 * `{Id=arn:..., Name=name}` and arrays as `[a, b]` (the service's own map/list rendering, not JSON), strings
 * inside them unquoted.
 */
const formatValue = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}=${formatValue(x)}`)
      .join(', ')}}`;
  }
  return String(v);
};

const format = (template: string, args: unknown[]): string => {
  let out = '';
  let next = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (c === '\\' && (template[i + 1] === '{' || template[i + 1] === '}' || template[i + 1] === '\\')) {
      out += template[++i];
    } else if (c === '{' && template[i + 1] === '}') {
      if (next >= args.length) throw new StatesError(StatesErrors.Runtime, 'States.Format: not enough arguments');
      out += formatValue(args[next++]);
      i++;
    } else out += c;
  }
  return out;
};

/** How many arguments each function takes (Developer Guide, "Intrinsic functions"): [min, max]. */
const ARITY: Record<string, [number, number]> = {
  'States.Format': [1, Number.POSITIVE_INFINITY],
  'States.StringToJson': [1, 1],
  'States.JsonToString': [1, 1],
  'States.Array': [0, Number.POSITIVE_INFINITY],
  'States.ArrayPartition': [2, 2],
  'States.ArrayContains': [2, 2],
  'States.ArrayRange': [3, 3],
  'States.ArrayGetItem': [2, 2],
  'States.ArrayLength': [1, 1],
  'States.ArrayUnique': [1, 1],
  'States.Base64Encode': [1, 1],
  'States.Base64Decode': [1, 1],
  'States.Hash': [2, 2],
  'States.JsonMerge': [3, 3],
  'States.MathRandom': [2, 3],
  'States.MathAdd': [2, 2],
  'States.StringSplit': [2, 2],
  'States.UUID': [0, 0],
};

const call = (name: string, a: unknown[]): unknown => {
  const arity = ARITY[name];
  if (arity && (a.length < arity[0] || a.length > arity[1])) {
    const expected = arity[0] === arity[1] ? String(arity[0]) : `${arity[0]} to ${arity[1]}`;
    throw new StatesError(StatesErrors.Runtime, `${name}: expected ${expected} arguments but got ${a.length}`);
  }
  switch (name) {
    case 'States.Format':
      expect(name, a[0], 'string');
      return format(a[0] as string, a.slice(1));
    case 'States.StringToJson':
      expect(name, a[0], 'string');
      return (a[0] as string).trim() === '' ? null : JSON.parse(a[0] as string);
    case 'States.JsonToString':
      return JSON.stringify(a[0]);
    case 'States.Array':
      return a;
    case 'States.ArrayPartition': {
      expect(name, a[0], 'array');
      expect(name, a[1], 'integer');
      const [arr, size] = [a[0] as unknown[], a[1] as number];
      if (size <= 0) throw new StatesError(StatesErrors.Runtime, `${name}: chunk size must be positive`);
      const out: unknown[][] = [];
      for (let i = 0; i < arr.length; i += size) out.push(arr.slice(i, i + size));
      return out;
    }
    case 'States.ArrayContains':
      expect(name, a[0], 'array');
      return (a[0] as unknown[]).some((x) => deepEqual(x, a[1]));
    case 'States.ArrayRange': {
      const [start, end, step] = a as number[];
      for (const v of a) expect(name, v, 'integer');
      if (step === 0 || step === undefined || start === undefined || end === undefined) {
        throw new StatesError(StatesErrors.Runtime, `${name}: step must not be zero`);
      }
      const out: number[] = [];
      for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
        out.push(v);
        if (out.length > 1000) throw new StatesError(StatesErrors.Runtime, `${name}: more than 1000 items`);
      }
      return out;
    }
    case 'States.ArrayGetItem':
      expect(name, a[0], 'array');
      expect(name, a[1], 'integer');
      return (a[0] as unknown[])[a[1] as number] ?? null;
    case 'States.ArrayLength':
      expect(name, a[0], 'array');
      return (a[0] as unknown[]).length;
    case 'States.ArrayUnique': {
      expect(name, a[0], 'array');
      const out: unknown[] = [];
      for (const x of a[0] as unknown[]) if (!out.some((y) => deepEqual(x, y))) out.push(x);
      return out;
    }
    case 'States.Base64Encode':
      expect(name, a[0], 'string');
      return Buffer.from(a[0] as string, 'utf8').toString('base64');
    case 'States.Base64Decode':
      expect(name, a[0], 'string');
      return Buffer.from(a[0] as string, 'base64').toString('utf8');
    case 'States.Hash': {
      const algorithm = HASHES[String(a[1])];
      if (!algorithm) throw new StatesError(StatesErrors.Runtime, `${name}: unsupported algorithm ${String(a[1])}`);
      const data = typeof a[0] === 'string' ? a[0] : JSON.stringify(a[0]);
      return createHash(algorithm).update(data).digest('hex');
    }
    case 'States.JsonMerge': {
      expect(name, a[0], 'object');
      expect(name, a[1], 'object');
      if (a[2] !== false)
        throw new StatesError(StatesErrors.Runtime, `${name}: only shallow merge (false) is supported`);
      return { ...(a[0] as object), ...(a[1] as object) };
    }
    case 'States.MathRandom': {
      const [start, end] = [rounded(name, a[0]), rounded(name, a[1])];
      const r = a[2] === undefined ? Math.random() : seededRandom(Number(a[2]));
      return start + Math.floor(r * (end - start));
    }
    case 'States.MathAdd':
      return rounded(name, a[0]) + rounded(name, a[1]);
    case 'States.StringSplit': {
      expect(name, a[0], 'string');
      expect(name, a[1], 'string');
      const delimiters = new Set((a[1] as string).split(''));
      const out: string[] = [];
      let current = '';
      for (const ch of a[0] as string) {
        if (delimiters.has(ch)) {
          if (current) out.push(current);
          current = '';
        } else current += ch;
      }
      if (current) out.push(current);
      return out;
    }
    case 'States.UUID':
      return randomUUID();
    default:
      throw new StatesError(StatesErrors.Runtime, `Unsupported intrinsic function ${name}`);
  }
};

const evaluateArg = (arg: Arg, scope: PathScope): unknown => {
  if (arg.kind === 'literal') return arg.value;
  if (arg.kind === 'path') return evaluatePath(arg.path, scope);
  return call(
    arg.name,
    arg.args.map((x, i) => {
      const v = evaluateArg(x, scope);
      // Only the Format template gives escaped braces a meaning; elsewhere they are plain braces.
      const keepEscapes = arg.name === 'States.Format' && i === 0;
      return x.kind === 'literal' && typeof v === 'string' && !keepEscapes ? v.replace(/\\([{}\\])/g, '$1') : v;
    }),
  );
};

/** Evaluates an intrinsic function call against the state data, context object and variables. */
export const evaluateIntrinsic = (text: string, scope: PathScope): unknown => {
  const parsed = parse(text.trim());
  if (parsed.kind !== 'call') throw new StatesError(StatesErrors.Runtime, `Not an intrinsic function: ${text}`);
  return evaluateArg(parsed, scope);
};
