import { createHash, randomUUID } from 'node:crypto';
import jsonata from 'jsonata';
import { StatesError, StatesErrors } from './errors';

type Expression = ReturnType<typeof jsonata>;

const compiled = new Map<string, Expression | Error>();
const EXPRESSION = /^\{%([\s\S]*)%\}$/;

/** The text inside `{% ... %}`, or undefined when the string is a plain literal. */
export const expressionOf = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  // No trimming: " {% x %} " is a plain string on AWS.
  const m = EXPRESSION.exec(value);
  return m ? (m[1] as string).trim() : undefined;
};

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** The functions Step Functions adds to JSONata (developer guide, "Transforming data with JSONata"). */
const awsFunctions: Record<string, unknown> = {
  partition: (array: unknown[], size: number) => {
    if (!Array.isArray(array) || !Number.isInteger(size) || size <= 0) throw new Error('$partition: invalid arguments');
    const out: unknown[][] = [];
    for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
    return out;
  },
  range: (start: number, end: number, step: number) => {
    const out: number[] = [];
    if (!step) throw new Error('$range: step must not be zero');
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) out.push(v);
    // A one-number range is that number, as JSONata's own sequences are (recorded: $range(1, 9, 9) is 1).
    return out.length === 1 ? out[0] : out;
  },
  hash: (data: unknown, algorithm: string) => {
    const name = HASHES[algorithm];
    if (!name) throw new Error(`$hash: unsupported algorithm ${algorithm}`);
    return createHash(name)
      .update(typeof data === 'string' ? data : JSON.stringify(data))
      .digest('hex');
  },
  random: (seed?: number) => (seed === undefined ? Math.random() : (((Math.sin(seed) * 10000) % 1) + 1) % 1),
  uuid: () => randomUUID(),
  parse: (text: string) => JSON.parse(text),
};

const compile = (text: string): Expression => {
  let expr = compiled.get(text);
  if (!expr) {
    try {
      expr = jsonata(text);
    } catch (e) {
      expr = e instanceof Error ? e : new Error(String(e));
    }
    if (compiled.size > 5000) compiled.clear();
    compiled.set(text, expr);
  }
  if (expr instanceof Error) throw expr;
  return expr;
};

/** Everything a JSONata expression can read: `$states` and the variables in scope. */
export interface JsonataScope {
  readonly states: Record<string, unknown>;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** Where an expression sits, for the error messages AWS writes (`Output/result`, `Arguments`). */
export interface EvalSite {
  readonly stateName: string;
  readonly enteredEventId: number;
  /** The definition field evaluated; undefined when the failure belongs to the state, not a field. */
  readonly field: string | undefined;
}

const prefix = (site: EvalSite): string =>
  `An error occurred while executing the state '${site.stateName}' (entered at the event id #${site.enteredEventId}).`;

/** A States.QueryEvaluationError for a field, carrying the field for the EvaluationFailed event. */
export class QueryEvaluationError extends StatesError {
  /** Set once the EvaluationFailed event is in the history, so outer states do not record it again. */
  reported = false;
  constructor(
    readonly site: EvalSite,
    message: string,
  ) {
    super(StatesErrors.QueryEvaluationError, `${prefix(site)} ${message}`);
  }
}

/** Converts jsonata's sequences and functions into plain JSON, or reports an unsupported value. */
const toJson = (value: unknown): unknown => {
  if (typeof value === 'function') throw new TypeError('function');
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return value;
};

/** Evaluates one JSONata expression text. Undefined results are an error, as on AWS. */
export const evaluateExpression = async (text: string, scope: JsonataScope, site: EvalSite): Promise<unknown> => {
  let value: unknown;
  try {
    value = await compile(text).evaluate(null, { ...awsFunctions, ...scope.variables, states: scope.states });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const detail = err.code ? `${err.code}: ${err.message}` : String(err.message ?? e);
    throw new QueryEvaluationError(
      site,
      `The JSONata expression '${text}' specified for the field '${site.field}' threw an error during evaluation. ${detail}`,
    );
  }
  if (value === undefined) {
    throw new QueryEvaluationError(
      site,
      `The JSONata expression '${text}' specified for the field '${site.field}' returned nothing (undefined).`,
    );
  }
  try {
    return toJson(value);
  } catch {
    throw new QueryEvaluationError(
      site,
      `The JSONata expression '${text}' specified for the field '${site.field}' returned an unsupported result type.`,
    );
  }
};

/**
 * Evaluates a JSONata template: a `{% %}` string is an expression, objects and arrays are walked, anything
 * else is a literal. `field` names the top-level field for error messages.
 */
export const evaluateTemplate = async (template: unknown, scope: JsonataScope, site: EvalSite): Promise<unknown> => {
  const text = expressionOf(template);
  if (text !== undefined) return evaluateExpression(text, scope, site);
  if (Array.isArray(template)) {
    const out: unknown[] = [];
    for (let i = 0; i < template.length; i++) out.push(await evaluateTemplate(template[i], scope, site));
    return out;
  }
  if (template && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) {
      out[k] = await evaluateTemplate(v, scope, { ...site, field: `${site.field}/${k}` });
    }
    return out;
  }
  return template;
};

/** True when a template contains no expression at all (callers can skip evaluation). */
export const isLiteralTemplate = (template: unknown): boolean => {
  if (typeof template === 'string') return expressionOf(template) === undefined;
  if (Array.isArray(template)) return template.every(isLiteralTemplate);
  if (template && typeof template === 'object') return Object.values(template).every(isLiteralTemplate);
  return true;
};
