import { JSONPath } from 'jsonpath-plus';

/** A JSON value as the States Language sees it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a JSONPath expression may read: the state data (`$`), the context object (`$$`) and variables (`$name`). */
export interface PathScope {
  readonly data: unknown;
  readonly context: unknown;
  readonly variables: Readonly<Record<string, unknown>>;
}

/**
 * Raised when a path selects nothing; callers turn it into the States.Runtime message AWS uses for the field.
 * The message words it as AWS does (recorded: test_catch_states_runtime, the pass-state path cases): `No results
 * for path: $['a']['b']` when only the last segment is missing, `Missing property in path $['a']` when the walk
 * stops at an earlier one.
 */
export class PathNotFound extends Error {
  override readonly name = 'PathNotFound';
  constructor(
    readonly path: string,
    /** The first missing segment in bracket notation, e.g. `$['no']`. */
    readonly missing: string,
    /** False when the missing segment is not the path's last one. */
    readonly atLeaf = true,
  ) {
    super(atLeaf ? `No results for path: ${missing}` : `Missing property in path ${missing}`);
  }
}

type Segment = string | number;
const SIMPLE = /^(?:\.[A-Za-z_$][\w$-]*|\[\d+\]|\['[^']*'\]|\["[^"]*"\])*$/;
const SEGMENT = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g;

/**
 * Splits a definite path tail (after `$`, `$$` or `$name`) into segments, or null when it needs the full engine.
 * Callers cache the result per path.
 */
const simpleSegments = (tail: string): Segment[] | null => {
  if (!SIMPLE.test(tail)) return null;
  const segments: Segment[] = [];
  for (const m of tail.matchAll(SEGMENT)) {
    if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push((m[1] ?? m[3] ?? m[4]) as string);
  }
  return segments;
};

const bracket = (segments: Segment[]): string =>
  `$${segments.map((s) => (typeof s === 'number' ? `[${s}]` : `['${s}']`)).join('')}`;

/** A path split once into the root it reads (`$$`, `$name` or `$`) and its tail after that root. */
interface CompiledPath {
  readonly root: 'context' | 'variable' | 'data';
  /** The variable name for a `$name` root. */
  readonly variable: string | undefined;
  readonly tail: string;
  /** The tail's segments when it is a definite, simple path; null when it needs the full engine. */
  readonly segments: Segment[] | null;
}

const compiledCache = new Map<string, CompiledPath>();
const VARIABLE_ROOT = /^\$([A-Za-z_][\w]*)/;

/** Paths come from definitions, so the same few strings repeat on every execution: split each once. */
const compilePath = (path: string): CompiledPath => {
  let compiled = compiledCache.get(path);
  if (compiled !== undefined) return compiled;
  let root: CompiledPath['root'] = 'data';
  let variable: string | undefined;
  let tail: string;
  if (path.startsWith('$$')) {
    root = 'context';
    tail = path.slice(2);
  } else {
    variable = VARIABLE_ROOT.exec(path)?.[1];
    if (variable !== undefined) {
      root = 'variable';
      tail = path.slice(variable.length + 1);
    } else tail = path.slice(1);
  }
  compiled = { root, variable, tail, segments: simpleSegments(tail) };
  if (compiledCache.size > 10_000) compiledCache.clear();
  compiledCache.set(path, compiled);
  return compiled;
};

/** True when a path can select several nodes (its result is then always an array). */
export const isIndefinite = (path: string): boolean => /\*|\.\.|\[\?|\[[^\]]*[,:][^\]]*\]/.test(path);

/**
 * Evaluates a JSONPath the way Step Functions does: a definite path yields one value (or throws PathNotFound),
 * an indefinite one yields the array of matches.
 */
export const evaluatePath = (path: string, scope: PathScope): unknown => {
  const { root: kind, variable, tail, segments } = compilePath(path);
  let root: unknown;
  if (kind === 'data') root = scope.data;
  else if (kind === 'context') root = scope.context;
  else {
    const variables = scope.variables;
    if (!((variable as string) in variables)) throw new PathNotFound(path, `$${variable}`);
    root = variables[variable as string];
  }
  if (segments) {
    let current: unknown = root;
    for (let i = 0; i < segments.length; i++) {
      const key = segments[i] as Segment;
      if (current === null || typeof current !== 'object' || !(key in (current as object))) {
        throw new PathNotFound(path, bracket(segments.slice(0, i + 1)), i === segments.length - 1);
      }
      current = (current as Record<string, unknown>)[key as string];
    }
    return current;
  }
  const matches = JSONPath({ path: `$${tail}`, json: root as object, wrap: true, eval: 'safe' }) as unknown[];
  if (isIndefinite(tail)) return matches;
  if (matches.length === 0) throw new PathNotFound(path, `$${tail}`);
  return matches[0];
};

/** Like evaluatePath, but undefined instead of throwing when nothing matches. */
export const tryPath = (path: string, scope: PathScope): unknown => {
  try {
    return evaluatePath(path, scope);
  } catch (e) {
    if (e instanceof PathNotFound) return undefined;
    throw e;
  }
};

const referenceCache = new Map<string, Segment[] | null>();

/** A reference path's segments after `$` (keyed by the whole path, which the definition hands in unchanged). */
const referenceSegments = (path: string): Segment[] | null => {
  let segments = referenceCache.get(path);
  if (segments === undefined) {
    segments = simpleSegments(path.slice(1));
    if (referenceCache.size > 10_000) referenceCache.clear();
    referenceCache.set(path, segments);
  }
  return segments;
};

const copy = (v: unknown): Record<string, unknown> =>
  Array.isArray(v) ? ([...v] as unknown as Record<string, unknown>) : { ...(v as Record<string, unknown>) };

/** An array has no named properties: a name written into one would vanish from the JSON output. */
const unfit = (container: unknown, key: Segment): boolean =>
  container === null ||
  typeof container !== 'object' ||
  (Array.isArray(container) && (typeof key !== 'number' || key >= container.length));

/**
 * Writes `value` at a reference path (ResultPath) into a copy of `target`, creating objects on the way, as
 * AWS does. Throws PathNotFound when an intermediate node exists but is not an object.
 */
export const setPath = (target: unknown, path: string, value: unknown): unknown => {
  if (path === '$') return value;
  const segments = referenceSegments(path);
  if (!segments || segments.length === 0) throw new PathNotFound(path, path);
  if (unfit(target, segments[0] as Segment)) throw new PathNotFound(path, bracket(segments.slice(0, 1)));
  const root = copy(target);
  let node = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const key = segments[i] as Segment;
    const next = node[key as string];
    if (next !== undefined && next !== null && typeof next === 'object' && unfit(next, segments[i + 1] as Segment)) {
      throw new PathNotFound(path, bracket(segments.slice(0, i + 2)));
    }
    if (next === undefined) node[key as string] = {};
    else if (next === null || typeof next !== 'object') throw new PathNotFound(path, bracket(segments.slice(0, i + 2)));
    else node[key as string] = copy(next);
    node = node[key as string] as Record<string, unknown>;
  }
  node[segments[segments.length - 1] as string] = value;
  return root;
};
