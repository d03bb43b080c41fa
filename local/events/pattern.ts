/**
 * EventBridge event patterns: compile once, match many events fast.
 *
 * Both the event and the pattern are seen as flat maps from dot-joined paths to leaf values (arrays are
 * transparent), which is how EventBridge treats them: `{"a": {"b": [..]}}` and `{"a.b": [..]}` name the same
 * field, and a field matches when any of its leaf values satisfies any of the field's conditions. Leaves keep
 * their JSON type: the number 300 never matches the string "300", `true` never matches "true".
 * Validation answers `InvalidEventPatternException` with the reasons AWS gives (recorded in
 * ../shared/conformance/aws-recorded/events).
 */
import { AwsError } from '../core/errors';

/** A JSON leaf of an event. */
export type Leaf = string | number | boolean | null;

/**
 * Where a leaf sits in the event's arrays: pairs of (array id, element index), outermost first. Two fields matched
 * inside the same array of objects must come from the same element, as AWS requires.
 */
type Membership = readonly number[];

/** An event flattened to its leaf values per dot-joined path. */
export interface FlatEvent {
  readonly values: ReadonlyMap<string, readonly Leaf[]>;
  /** Per path, the array membership of each leaf (same order as `values`); only when an array holds objects. */
  readonly members: ReadonlyMap<string, readonly Membership[]> | undefined;
}

type Condition = (value: Leaf) => boolean;

interface FieldRule {
  readonly path: string;
  /** Conditions on a present leaf (any may hold). */
  readonly conditions: readonly Condition[];
  /** `{"exists": false}` is among the conditions: an absent field matches. */
  readonly matchesAbsent: boolean;
}

interface PatternNode {
  readonly fields: FieldRule[];
  /** Each `$or` contributes a list of alternatives, one of which must match. */
  readonly ors: PatternNode[][];
}

/** A compiled event pattern. */
export interface CompiledPattern {
  /** True when the (already flattened) event matches. */
  matchesFlat(event: FlatEvent): boolean;
  /** Flattens and matches an event object. */
  matches(event: unknown): boolean;
}

const PREFIX = 'Event pattern is not valid. Reason: ';

/** The error AWS answers for a pattern it rejects. */
export const invalidPattern = (reason: string): AwsError =>
  new AwsError('InvalidEventPatternException', `${PREFIX}${reason}`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flattens an event into leaf values per dot-joined path. */
export const flattenEvent = (event: unknown): FlatEvent => {
  const values = new Map<string, Leaf[]>();
  // Array membership is tracked only from the first array of objects (or arrays) on, as most events have none:
  // leaves seen before it are outside any such array, and an array of scalars cannot make two fields inconsistent.
  let members: Map<string, Membership[]> | undefined;
  let arrays = 0;
  const add = (path: string, value: unknown, membership: Membership): void => {
    if (Array.isArray(value)) {
      const id = arrays++;
      if (!members && value.some((item) => isObject(item) || Array.isArray(item)))
        members = new Map([...values].map(([p, leaves]) => [p, leaves.map(() => NO_ARRAY)]));
      for (let i = 0; i < value.length; i++) add(path, value[i], members ? [...membership, id, i] : NO_ARRAY);
    } else if (isObject(value)) {
      for (const key of Object.keys(value)) add(path === '' ? key : `${path}.${key}`, value[key], membership);
    } else {
      const leaves = values.get(path);
      if (leaves) leaves.push(value as Leaf);
      else values.set(path, [value as Leaf]);
      if (members) {
        const where = members.get(path);
        if (where) where.push(membership);
        else members.set(path, [membership]);
      }
    }
  };
  if (isObject(event)) add('', event, NO_ARRAY);
  return { values, members };
};

const NO_ARRAY: Membership = [];

/** Compiles a pattern given as JSON text or as an already parsed object. */
export const compilePattern = (pattern: string | unknown): CompiledPattern => {
  let parsed: unknown = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch {
      throw invalidPattern(jsonSyntaxReason(pattern));
    }
  }
  if (!isObject(parsed)) throw invalidPattern('Filter is not an object');
  const root: PatternNode = { fields: [], ors: [] };
  compileObject(parsed, '', root);
  const matchesFlat = (event: FlatEvent): boolean =>
    event.members ? matchConsistent(root, 0, event, new Map(), () => true) : matchNode(root, event.values);
  return { matchesFlat, matches: (event) => matchesFlat(flattenEvent(event)) };
};

const EXPECTING_VALUE = "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

/**
 * The reason AWS gives for pattern text that is not JSON, in the words of its (Jackson) parser for the usual
 * mistakes: a bare word where a value should be, a single-quoted field name.
 */
export const jsonSyntaxReason = (text: string): string => {
  const word = /(^|[:,[]\s*)([A-Za-z_][A-Za-z0-9_]*)/.exec(text.trimStart());
  if (word && !['true', 'false', 'null'].includes(word[2]!))
    return `Unrecognized token '${word[2]}': ${EXPECTING_VALUE}`;
  const field = /[{,]\s*([^"\s}])/.exec(text);
  if (field) {
    const ch = field[1]!;
    return `Unexpected character ('${ch}' (code ${ch.codePointAt(0)})): was expecting double-quote to start field name`;
  }
  return 'Unexpected end-of-input';
};

/** Validates a pattern, throwing `InvalidEventPatternException` like AWS. */
export const validatePattern = (pattern: string | unknown): void => {
  compilePattern(pattern);
};

/** Matching when the event has no arrays of objects: any leaf of each field may satisfy it. */
const matchNode = (node: PatternNode, event: ReadonlyMap<string, readonly Leaf[]>): boolean => {
  for (const field of node.fields) {
    const values = event.get(field.path);
    if (values === undefined) {
      if (!field.matchesAbsent) return false;
      continue;
    }
    if (!anyHolds(field.conditions, values)) return false;
  }
  for (const alternatives of node.ors) {
    if (!alternatives.some((alt) => matchNode(alt, event))) return false;
  }
  return true;
};

const anyHolds = (conditions: readonly Condition[], values: readonly Leaf[]): boolean => {
  for (const value of values) {
    for (const condition of conditions) if (condition(value)) return true;
  }
  return false;
};

type Assignment = ReadonlyMap<number, number>;

/** Extends an assignment of array ids to element indexes with a leaf's membership; undefined on conflict. */
const extend = (assignment: Assignment, membership: Membership): Assignment | undefined => {
  let out: Map<number, number> | undefined;
  for (let i = 0; i < membership.length; i += 2) {
    const id = membership[i]!;
    const index = membership[i + 1]!;
    const current = (out ?? assignment).get(id);
    if (current === undefined) {
      out ??= new Map(assignment);
      out.set(id, index);
    } else if (current !== index) return undefined;
  }
  return out ?? assignment;
};

/**
 * Matching with array consistency: the node's fields (then its `$or` groups) are satisfied one by one by leaves
 * whose array elements agree with the choices made so far; `next` continues with the rest of the pattern.
 */
const matchConsistent = (
  node: PatternNode,
  step: number,
  event: FlatEvent,
  assignment: Assignment,
  next: (assignment: Assignment) => boolean,
): boolean => {
  if (step < node.fields.length) {
    const field = node.fields[step]!;
    const values = event.values.get(field.path);
    if (values === undefined) return field.matchesAbsent && matchConsistent(node, step + 1, event, assignment, next);
    const where = event.members!.get(field.path)!;
    for (let i = 0; i < values.length; i++) {
      if (!field.conditions.some((condition) => condition(values[i]!))) continue;
      const extended = extend(assignment, where[i]!);
      if (extended && matchConsistent(node, step + 1, event, extended, next)) return true;
    }
    return false;
  }
  const group = node.ors[step - node.fields.length];
  if (group === undefined) return next(assignment);
  return group.some((alternative) =>
    matchConsistent(alternative, 0, event, assignment, (a) => matchConsistent(node, step + 1, event, a, next)),
  );
};

const compileObject = (obj: Record<string, unknown>, prefix: string, node: PatternNode): void => {
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2)
        throw invalidPattern('Or relationship must have at least 2 array elements');
      node.ors.push(
        value.map((alt) => {
          if (!isObject(alt)) throw invalidPattern('Or relationship elements must be objects');
          const altNode: PatternNode = { fields: [], ors: [] };
          compileObject(alt, prefix, altNode);
          return altNode;
        }),
      );
      continue;
    }
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (Array.isArray(value)) node.fields.push(compileField(path, value));
    else if (isObject(value)) compileObject(value, path, node);
    else throw invalidPattern(`"${key}" must be an object or an array`);
  }
};

const compileField = (path: string, matchers: readonly unknown[]): FieldRule => {
  if (matchers.length === 0) throw invalidPattern('Empty arrays are not allowed');
  const conditions: Condition[] = [];
  let matchesAbsent = false;
  for (const matcher of matchers) {
    if (isObject(matcher)) {
      const keys = Object.keys(matcher);
      if (keys.length !== 1) throw invalidPattern('Match expressions must have exactly one key');
      const op = keys[0]!;
      const arg = matcher[op];
      if (op === 'exists') {
        if (typeof arg !== 'boolean') throw invalidPattern('exists match pattern must be either true or false.');
        if (arg) conditions.push(() => true);
        else matchesAbsent = true;
      } else {
        conditions.push(compileOperator(op, arg));
      }
    } else if (Array.isArray(matcher)) {
      throw invalidPattern('Match value must be String, number, true, false, or null');
    } else {
      conditions.push(equalsLeaf(matcher as Leaf));
    }
  }
  return { path, conditions, matchesAbsent };
};

/** Exact match with the JSON type kept: numbers compare numerically (300 equals 300.0). */
const equalsLeaf =
  (expected: Leaf): Condition =>
  (value) =>
    value === expected;

const compileOperator = (op: string, arg: unknown): Condition => {
  switch (op) {
    case 'prefix':
      return compileAffix('prefix', arg, (s, p) => s.startsWith(p));
    case 'suffix':
      return compileAffix('suffix', arg, (s, p) => s.endsWith(p));
    case 'equals-ignore-case': {
      if (typeof arg !== 'string') throw invalidPattern('equals-ignore-case match pattern must be a string');
      const lower = arg.toLowerCase();
      return (v) => typeof v === 'string' && v.toLowerCase() === lower;
    }
    case 'wildcard': {
      const re = compileWildcard(arg);
      return (v) => typeof v === 'string' && re.test(v);
    }
    case 'anything-but':
      return compileAnythingBut(arg);
    case 'numeric':
      return compileNumeric(arg);
    case 'cidr':
      return compileCidr(arg);
    default:
      throw invalidPattern(`Unrecognized match type ${op}`);
  }
};

const compileAffix = (
  kind: 'prefix' | 'suffix',
  arg: unknown,
  test: (value: string, affix: string) => boolean,
): Condition => {
  if (typeof arg === 'string') return (v) => typeof v === 'string' && test(v, arg);
  if (isObject(arg) && Object.keys(arg).length === 1 && typeof arg['equals-ignore-case'] === 'string') {
    const lower = (arg['equals-ignore-case'] as string).toLowerCase();
    return (v) => typeof v === 'string' && test(v.toLowerCase(), lower);
  }
  throw invalidPattern(`${kind} match pattern must be a string`);
};

/** Strings of an anything-but operand: a string or a non-empty list of strings. */
const stringList = (arg: unknown, typeError: string, allowEmpty = true): string[] => {
  const list = Array.isArray(arg) ? arg : [arg];
  if (list.length === 0) throw invalidPattern('Empty arrays are not allowed');
  return list.map((item) => {
    if (typeof item !== 'string') throw invalidPattern(typeError);
    if (!allowEmpty && item === '') throw invalidPattern('Null prefix/suffix not allowed');
    return item;
  });
};

const ANYTHING_BUT_VALUE = 'Value of anything-but must be an array or single string/number value.';

/**
 * anything-but: the field must be present; a leaf is excluded only by an operand of its own type, so null,
 * booleans and numbers pass a string exclusion (recorded: `null` matches `{"anything-but": "initializing"}`).
 */
const compileAnythingBut = (arg: unknown): Condition => {
  if (typeof arg === 'string' || typeof arg === 'number') return (v) => v !== arg;
  if (Array.isArray(arg)) {
    if (arg.length === 0) throw invalidPattern('Empty arrays are not allowed');
    const excluded = new Set<Leaf>();
    for (const item of arg) {
      if (typeof item !== 'string' && typeof item !== 'number')
        throw invalidPattern('Inside anything but list, start|null|boolean is not supported.');
      excluded.add(item);
    }
    return (v) => !excluded.has(v);
  }
  if (!isObject(arg) || Object.keys(arg).length !== 1) throw invalidPattern(ANYTHING_BUT_VALUE);
  const [op] = Object.keys(arg) as [string];
  const operand = arg[op];
  switch (op) {
    case 'prefix':
    case 'suffix': {
      if (isObject(operand)) throw invalidPattern(ANYTHING_BUT_VALUE);
      const affixes = stringList(operand, 'prefix/suffix match pattern must be a string', false);
      const hit =
        op === 'prefix'
          ? (s: string) => affixes.some((a) => s.startsWith(a))
          : (s: string) => affixes.some((a) => s.endsWith(a));
      return (v) => typeof v !== 'string' || !hit(v);
    }
    case 'equals-ignore-case': {
      const lowered = new Set(
        stringList(
          operand,
          'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
        ).map((s) => s.toLowerCase()),
      );
      return (v) => typeof v !== 'string' || !lowered.has(v.toLowerCase());
    }
    case 'wildcard': {
      const list = Array.isArray(operand) ? operand : [operand];
      if (list.length === 0) throw invalidPattern('Empty arrays are not allowed');
      const regexes = list.map(compileWildcard);
      return (v) => typeof v !== 'string' || !regexes.some((re) => re.test(v));
    }
    default:
      throw invalidPattern(ANYTHING_BUT_VALUE);
  }
};

const WILDCARD_LIMIT = 5;

/**
 * Wildcards: `*` matches any run of characters, `\*` a literal star. AWS rejects consecutive stars and rules
 * whose wildcard automaton is too complex; the complexity measure is approximated by the number of stars
 * (the recorded rejection has six, the accepted ones at most two).
 */
const compileWildcard = (arg: unknown): RegExp => {
  if (typeof arg !== 'string') throw invalidPattern('wildcard match pattern must be a string');
  let source = '^';
  let stars = 0;
  let previousStar = false;
  for (let i = 0; i < arg.length; i++) {
    const ch = arg[i]!;
    if (ch === '\\' && (arg[i + 1] === '*' || arg[i + 1] === '\\')) {
      source += `\\${arg[i + 1]}`;
      i++;
      previousStar = false;
    } else if (ch === '*') {
      if (previousStar) throw invalidPattern(`Consecutive wildcard characters at pos ${i}`);
      stars++;
      source += '[\\s\\S]*';
      previousStar = true;
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      previousStar = false;
    }
  }
  if (stars > WILDCARD_LIMIT)
    throw invalidPattern(
      'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
    );
  return new RegExp(`${source}$`, 'u');
};

type Bound = { readonly value: number; readonly inclusive: boolean };

const compileNumeric = (arg: unknown): Condition => {
  if (!Array.isArray(arg)) throw invalidPattern('Value of numeric must be an array.');
  if (arg.length === 0) throw invalidPattern('Empty arrays are not allowed');
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  let equal: number | undefined;
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    if (typeof op !== 'string') throw invalidPattern('Value of numeric must be an array.');
    if (!['=', '<', '<=', '>', '>='].includes(op)) throw invalidPattern(`Unrecognized numeric range operator: ${op}`);
    const value = arg[i + 1];
    if (typeof value !== 'number') throw invalidPattern(`Value of ${op} must be numeric`);
    if (i >= 4) throw invalidPattern('Too many terms in numeric range expression');
    if (op === '=') {
      if (i > 0) throw invalidPattern(`Bad numeric range operator: ${op}`);
      if (arg.length > 2) throw invalidPattern('Too many terms in numeric range expression');
      equal = value;
    } else if (op === '>' || op === '>=') {
      if (lower || upper) throw invalidPattern(`Bad numeric range operator: ${op}`);
      lower = { value, inclusive: op === '>=' };
    } else {
      if (upper || (i > 0 && !lower)) throw invalidPattern(`Bad numeric range operator: ${op}`);
      upper = { value, inclusive: op === '<=' };
    }
  }
  if (equal !== undefined) {
    const target = equal;
    return (v) => typeof v === 'number' && v === target;
  }
  return (v) => {
    if (typeof v !== 'number') return false;
    if (lower && (lower.inclusive ? v < lower.value : v <= lower.value)) return false;
    if (upper && (upper.inclusive ? v > upper.value : v >= upper.value)) return false;
    return true;
  };
};

/** An IP address as a big integer with its bit width, or undefined when it is not a standard address. */
const parseIp = (text: string): { value: bigint; bits: 32 | 128 } | undefined => {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), bits: 32 };
  }
  if (!/^[0-9a-fA-F:]+$/.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (all.some((g) => g.length === 0 || g.length > 4)) return undefined;
  return { value: all.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n), bits: 128 };
};

const compileCidr = (arg: unknown): Condition => {
  // AWS answers the prefix error for a non-string CIDR (recorded).
  if (typeof arg !== 'string') throw invalidPattern('prefix match pattern must be a string');
  const parts = arg.split('/');
  if (parts.length !== 2) throw invalidPattern("Malformed CIDR, one '/' required");
  const [address, maskText] = parts as [string, string];
  if (!/^\d+$/.test(maskText)) throw invalidPattern('Malformed CIDR, mask bits must be an integer');
  const network = parseIp(address);
  if (!network) throw invalidPattern(`Nonstandard IP address: ${address}`);
  const maskBits = Number(maskText);
  if (maskBits > network.bits) throw invalidPattern(`Malformed CIDR, mask bits must be <= ${network.bits}`);
  const shift = BigInt(network.bits - maskBits);
  const prefix = network.value >> shift;
  return (v) => {
    if (typeof v !== 'string') return false;
    const ip = parseIp(v);
    return ip !== undefined && ip.bits === network.bits && ip.value >> shift === prefix;
  };
};
