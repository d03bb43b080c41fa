/**
 * How a recorded AWS history and a local one are compared: event by event (type, id, previousEventId and
 * every `*EventDetails` field), JSON text fields by value. The recordings replaced values that differ per
 * run by masks (`timestamp`, `<uuid:1>`, `snf_role_arn`...); a mask matches any value, nothing else is
 * loosened.
 */
import type { HistoryEvent } from '../history';

/** A JSON object as read from the recordings. */
export type Json = Record<string, unknown>;

/** Parses JSON text; anything else (or text that is not JSON) is returned as it is. */
export const parseLoose = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

const JSON_FIELDS = new Set(['input', 'output', 'parameters', 'cause']);

/** Parses JSON text fields so recorded (sometimes pre-parsed) and local events compare by value. */
export const normaliseEvent = (e: Json): Json => {
  const out: Json = { type: e.type };
  for (const [k, v] of Object.entries(e)) {
    if (!k.endsWith('EventDetails') || !v || typeof v !== 'object') continue;
    const details: Json = {};
    for (const [dk, dv] of Object.entries(v as Json)) {
      // Credentials the recording test set up on its account; the engine has no IAM to assume roles with.
      if (dk === 'roleArn' || dk === 'taskCredentials') continue;
      if (dk === 'assignedVariables') {
        details[dk] = Object.fromEntries(Object.entries(dv as Json).map(([n, x]) => [n, parseLoose(x)]));
      } else details[dk] = JSON_FIELDS.has(dk) ? parseLoose(dv) : dv;
    }
    out[k] = details;
  }
  return out;
};

/** Values the recording replaced by a bare name (ARNs, URLs, ids that differ per run). */
const MASKS = new Set([
  'snf_role_arn',
  'sfn_role_arn',
  'state_machine_role_arn',
  'sqs_queue_url',
  'lambda_function_name',
  'activity_arn',
  'activity_name',
  'map_run_arn',
  'a_message_id',
  'state_machine_name',
  'bucket_name',
  'a_task_token',
  'task_token',
  'start-time',
  'start-date',
  'stop-date',
  'entered-time',
]);

/** Recorded strings carry placeholders (`<uuid:1>`, `<json-input:1>`, `timestamp`); they match anything. */
export const matchString = (recorded: string, actual: string): boolean => {
  if (recorded === actual) return true;
  if (recorded.includes('111111111111')) return matchString(recorded.replaceAll('111111111111', '<account>'), actual);
  if (recorded === 'timestamp' || recorded === 'date' || recorded === 'datetime') return true;
  if (MASKS.has(recorded)) return true;
  if (!recorded.includes('<')) return false;
  const pattern = recorded
    .split(/<[^<>]*(?:<[^<>]*>[^<>]*)*>/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*');
  return new RegExp(`^${pattern}$`).test(actual);
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Values the recording test replaced by a word whatever their type: a random number, a fresh UUID. */
const VALUE_MASKS: Record<string, (actual: unknown) => boolean> = {
  RandomNumberGenerated: (v) => typeof v === 'number',
  'generated-uuid': (v) => typeof v === 'string' && UUID.test(v),
};

/** A transformer that replaced a whole field by its own name (`executionSucceededEventDetails.output`). */
const FIELD_NAME_MASK = /^[a-z]+EventDetails\.(input|output|cause)$/;

/** Deep equality where a recorded string may be a mask (see {@link matchString}). */
export const sameValue = (recorded: unknown, actual: unknown): boolean => {
  if (typeof recorded === 'string') {
    const mask = VALUE_MASKS[recorded];
    if (mask) return mask(actual);
    if (FIELD_NAME_MASK.test(recorded)) return true;
    if (typeof actual === 'string') return matchString(recorded, actual);
    return recorded.includes('<') && matchString(recorded, JSON.stringify(actual));
  }
  if (Array.isArray(recorded)) {
    return (
      Array.isArray(actual) && recorded.length === actual.length && recorded.every((r, i) => sameValue(r, actual[i]))
    );
  }
  if (recorded && typeof recorded === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const rk = Object.keys(recorded);
    const ak = Object.keys(actual);
    return (
      rk.length === ak.length && rk.every((k) => k in actual && sameValue((recorded as Json)[k], (actual as Json)[k]))
    );
  }
  return recorded === actual;
};

const describe = (e: Json): string => JSON.stringify(e).slice(0, 300);
const show = (v: unknown): string => (v === undefined ? 'absent' : JSON.stringify(v).slice(0, 200));

/** The first place where a local value departs from the recorded one: `path: local X != recorded Y`. */
export const firstDifference = (recorded: unknown, actual: unknown, path = ''): string | undefined => {
  if (sameValue(recorded, actual)) return undefined;
  const bothObjects =
    recorded && actual && typeof recorded === 'object' && typeof actual === 'object' && !VALUE_MASKS[String(recorded)];
  if (bothObjects && Array.isArray(recorded) === Array.isArray(actual)) {
    if (Array.isArray(recorded) && Array.isArray(actual) && recorded.length !== actual.length) {
      return `${path || '.'}: local length ${actual.length} != recorded ${recorded.length} (local ${show(actual)}; recorded ${show(recorded)})`;
    }
    const keys = [...new Set([...Object.keys(recorded as Json), ...Object.keys(actual as Json)])];
    for (const k of keys) {
      const d = firstDifference((recorded as Json)[k], (actual as Json)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
  }
  return `${path || '.'}: local ${show(actual)} != recorded ${show(recorded)}`;
};

/** Compares a recorded history with a local one; returns the first difference or undefined. */
export const compareHistories = (recorded: readonly Json[], actual: readonly HistoryEvent[]): string | undefined => {
  const masked = recorded.some((e) => typeof e.id !== 'number');
  const recordedTypes = new Set(recorded.map((e) => e.type));
  // The recordings leave out ParallelStateSucceeded (its id is missing from the sequence); compare the rest.
  const mine = actual.filter((e) => recordedTypes.has('ParallelStateSucceeded') || e.type !== 'ParallelStateSucceeded');
  if (mine.length !== recorded.length) {
    const at = recorded.findIndex((e, i) => e.type !== mine[i]?.type);
    const where =
      at < 0
        ? `local has ${mine.length - recorded.length} more events after the recorded end`
        : `event ${at + 1}: local ${mine[at]?.type ?? 'end'} != recorded ${String(recorded[at]?.type)}`;
    return `event count ${mine.length} != recorded ${recorded.length}; ${where}; types: ${mine
      .map((e) => e.type)
      .join(',')
      .slice(0, 400)} vs ${recorded
      .map((e) => e.type)
      .join(',')
      .slice(0, 400)}`;
  }
  const a = mine.map((e) => normaliseEvent(e as unknown as Json));
  const r = recorded.map(normaliseEvent);
  if (masked) {
    // Ids masked by the recording (concurrent branches): every recorded event must have a local twin.
    const unmatched = [...a];
    for (const ev of r) {
      const i = unmatched.findIndex((x) => sameValue(ev, x));
      if (i < 0) return `no local event like recorded ${describe(ev)}`;
      unmatched.splice(i, 1);
    }
    return undefined;
  }
  for (let i = 0; i < r.length; i++) {
    const rec = recorded[i] as Json;
    const act = mine[i] as HistoryEvent;
    if (rec.id !== act.id || rec.previousEventId !== act.previousEventId) {
      return `event ${i + 1} (${String(rec.type)}): id/prev ${act.id}/${act.previousEventId} != recorded ${String(rec.id)}/${String(rec.previousEventId)}`;
    }
    if (!sameValue(r[i], a[i])) return `event ${i + 1} (${String(rec.type)}) ${firstDifference(r[i], a[i])}`;
  }
  return undefined;
};

/** The last event (the execution's end), normalised. */
export const outcomeOf = (events: readonly Json[]): Json | undefined => {
  const last = events[events.length - 1];
  return last ? normaliseEvent(last) : undefined;
};
