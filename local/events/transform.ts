/**
 * What a rule target receives: the whole event, a constant `Input`, the part of the event at `InputPath`, or an
 * `InputTransformer` rendering. Pure functions, checked against AWS's recorded deliveries
 * (../shared/conformance/aws-recorded/events/test_events_inputs.snapshot.json).
 *
 * Template semantics (as AWS delivers them):
 * - a placeholder inside a JSON string is replaced by the value's text: strings unquoted and escaped, numbers and
 *   booleans as written, a missing path as nothing; in a string template an object or list is written without
 *   quotes (`{acc_id:1,sf_id:baz}`, `[HIGH]`), in a JSON template it makes the delivery fail;
 * - a placeholder outside strings, inside a JSON object or array, is replaced by the value as JSON (a missing path
 *   gives `""`), so the result stays valid JSON;
 * - reserved placeholders: `<aws.events.rule-arn>`, `<aws.events.rule-name>`, `<aws.events.event.ingestion-time>`,
 *   `<aws.events.event>` (the envelope without `detail`) and `<aws.events.event.json>` (the whole event).
 */
import { AwsError } from '../core/errors';

/** The target fields that shape its input (as in the PutTargets API). */
export interface TargetInputSpec {
  readonly Id?: string;
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: {
    readonly InputPathsMap?: Readonly<Record<string, string>>;
    readonly InputTemplate: string;
  };
}

/** Facts about the matching rule that reserved placeholders expose. */
export interface RuleFacts {
  readonly ruleArn: string;
  readonly ruleName: string;
  /** ISO time at which the bus accepted the event. */
  readonly ingestionTime: string;
}

/** A rendering that cannot produce a valid input: the delivery fails (and is not retried). */
export class InputTransformError extends Error {
  override readonly name = 'InputTransformError';
}

const RESERVED = new Set([
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event.ingestion-time',
  'aws.events.event',
  'aws.events.event.json',
]);

const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/g;

const validation = (message: string): AwsError => new AwsError('ValidationException', message);

/** Validates a target's input fields at PutTargets time, answering AWS's ValidationException messages. */
export const validateTargetInput = (target: TargetInputSpec): void => {
  const id = target.Id ?? '';
  const given = [target.Input, target.InputPath, target.InputTransformer].filter((x) => x !== undefined).length;
  if (given > 1)
    throw validation(`Only one of Input, InputPath, or InputTransformer must be provided for target ${id}.`);
  if (target.Input !== undefined) {
    try {
      JSON.parse(target.Input);
    } catch {
      throw validation(`Input for target ${id} must be a valid JSON text.`);
    }
  }
  if (target.InputPath !== undefined) parsePath(target.InputPath, id);
  const transformer = target.InputTransformer;
  if (transformer) {
    const paths = transformer.InputPathsMap ?? {};
    for (const [key, path] of Object.entries(paths)) {
      if (/^aws/i.test(key)) throw validation(`InputPathsMap keys cannot start with AWS for target ${id}.`);
      parsePath(path, id);
    }
    for (const match of transformer.InputTemplate.matchAll(PLACEHOLDER)) {
      const name = match[1]!;
      if (!RESERVED.has(name) && !(name in paths))
        throw validation(`InputTemplate for target ${id} contains invalid placeholder ${name}.`);
    }
  }
};

type Segment = string | number;

/** Parses `$`, `$.a.b`, `$.a[0].b` (EventBridge allows dot notation and list indexes). */
const parsePath = (path: string, targetId: string): Segment[] => {
  if (path === '$') return [];
  if (!path.startsWith('$')) throw validation(`Target ${targetId} has an invalid JSON path: ${path}`);
  const segments: Segment[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]/y;
  let pos = 1;
  while (pos < path.length) {
    re.lastIndex = pos;
    const m = re.exec(path);
    if (!m) throw validation(`Target ${targetId} has an invalid JSON path: ${path}`);
    segments.push(m[1] !== undefined ? m[1] : Number(m[2]));
    pos = re.lastIndex;
  }
  return segments;
};

const resolvePath = (root: unknown, path: string): unknown => {
  let current: unknown = root;
  for (const segment of parsePath(path, '')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
};

/** The envelope `<aws.events.event>` gives: the event without `detail`, `detail-type` spelled `detailType`. */
const envelope = (event: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'detail') continue;
    out[key === 'detail-type' ? 'detailType' : key] = value;
  }
  return out;
};

/** Text of a value written without quotes inside a string template: `{a:1,b:x}`, `[A,B]`. */
const bare = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(bare).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}:${bare(v)}`)
      .join(',')}}`;
  return String(value);
};

const escapeInString = (text: string): string => JSON.stringify(text).slice(1, -1);

/** Renders what the target receives for one event, as text. */
export const renderTargetInput = (target: TargetInputSpec, event: Record<string, unknown>, rule: RuleFacts): string => {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) return JSON.stringify(resolvePath(event, target.InputPath) ?? null);
  if (!target.InputTransformer) return JSON.stringify(event);
  const { InputPathsMap = {}, InputTemplate } = target.InputTransformer;
  const values = new Map<string, unknown>();
  for (const [key, path] of Object.entries(InputPathsMap)) values.set(key, resolvePath(event, path));
  values.set('aws.events.rule-arn', rule.ruleArn);
  values.set('aws.events.rule-name', rule.ruleName);
  values.set('aws.events.event.ingestion-time', rule.ingestionTime);
  values.set('aws.events.event', envelope(event));
  values.set('aws.events.event.json', event);
  return renderTemplate(InputTemplate, values);
};

const renderTemplate = (template: string, values: ReadonlyMap<string, unknown>): string => {
  const jsonTemplate = /^\s*[{[]/.test(template);
  let out = '';
  let inString = false;
  let depth = 0;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch === '<') {
      const end = template.indexOf('>', i + 1);
      const name = end > i ? template.slice(i + 1, end) : '';
      if (end > i && values.has(name)) {
        out += substitute(values.get(name), inString, depth, jsonTemplate);
        i = end;
        continue;
      }
    }
    if (inString) {
      if (ch === '\\') {
        out += ch + (template[i + 1] ?? '');
        i++;
        continue;
      }
      if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
    out += ch;
  }
  if (jsonTemplate) {
    try {
      JSON.parse(out);
    } catch {
      throw new InputTransformError(`InputTemplate did not render valid JSON: ${out}`);
    }
  }
  return out;
};

const substitute = (value: unknown, inString: boolean, depth: number, jsonTemplate: boolean): string => {
  const structured = value !== null && typeof value === 'object';
  if (inString) {
    if (value === undefined) return '';
    if (structured && jsonTemplate)
      throw new InputTransformError('An object or list cannot be placed inside a string of a JSON template');
    return escapeInString(typeof value === 'string' ? value : bare(value));
  }
  if (depth > 0) return value === undefined ? '""' : JSON.stringify(value);
  if (structured) throw new InputTransformError('An object or list cannot be placed in a text template');
  return value === undefined ? '' : String(value);
};
