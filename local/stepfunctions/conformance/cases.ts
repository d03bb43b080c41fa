/**
 * Replays the Step Functions executions recorded from AWS (../shared/conformance, see its README) on the
 * local engine and compares status, output, error, cause and the history (event types, ids,
 * previousEventId, details). Generic: it knows the recording format, not any workflow.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import JSON5 from 'json5';
import type { Definition } from '../engine/execution';
import type { HistoryEvent } from '../history';
import { runDefinition } from '../run-definition';

/** One recorded execution and the definition it ran. */
export interface ConformanceCase {
  readonly id: string;
  readonly file: string;
  readonly templatePath: string | undefined;
  readonly definition: Definition | undefined;
  readonly input: unknown;
  readonly recorded: readonly Record<string, unknown>[];
  /** Why the case cannot be replayed locally (needs an AWS resource, no template found...). */
  readonly skip?: string;
}

/** The outcome of one replay. */
export interface CaseResult {
  readonly id: string;
  readonly outcomeAgrees: boolean;
  readonly historyAgrees: boolean;
  readonly difference?: string;
}

type Json = Record<string, unknown>;

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });

/** State name -> `Type` (with `Map:DISTRIBUTED` for distributed maps), over all nested branches. */
const stateNames = (def: Json, out = new Map<string, string>()): Map<string, string> => {
  const states = (def.States ?? {}) as Record<string, Json>;
  for (const [name, state] of Object.entries(states)) {
    const proc = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
    const mode = ((proc?.ProcessorConfig as Json | undefined)?.Mode as string | undefined) ?? '';
    out.set(name, `${String(state.Type)}${mode === 'DISTRIBUTED' ? ':DISTRIBUTED' : ''}`);
    for (const b of (state.Branches ?? []) as Json[]) stateNames(b, out);
    if (proc) stateNames(proc, out);
  }
  return out;
};

const hasTask = (def: Json): boolean => {
  for (const state of Object.values((def.States ?? {}) as Record<string, Json>)) {
    if (state.Type === 'Task') return true;
    if (((state.Branches ?? []) as Json[]).some(hasTask)) return true;
    const proc = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
    if (proc && hasTask(proc)) return true;
    if (state.ItemReader) return true;
  }
  return false;
};

const tokens = (s: string): Set<string> =>
  new Set(
    s
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((t) => t.length > 1),
  );

/** Loads every recorded execution history with the template it most likely ran. */
export const loadCases = (root: string): ConformanceCase[] => {
  const sfn = join(root, 'aws-recorded', 'stepfunctions');
  const index = JSON.parse(readFileSync(join(sfn, 'template-index.json'), 'utf8')) as Record<string, string>;
  const templates = new Map<string, { def: Json; names: Map<string, string>; tokens: Set<string> }>();
  for (const file of walk(join(sfn, 'templates')).filter((f) => f.endsWith('.json5'))) {
    try {
      const def = JSON5.parse(readFileSync(file, 'utf8')) as Json;
      const rel = relative(join(root, 'aws-recorded'), file);
      templates.set(rel, { def, names: stateNames(def), tokens: tokens(`${rel} ${String(def.Comment ?? '')}`) });
    } catch {
      // A template that is deliberately invalid JSON belongs to a validation case, not an execution.
    }
  }
  const byConstant = new Map<string, string[]>();
  for (const [key, path] of Object.entries(index)) {
    const constant = key.split('.').pop() as string;
    byConstant.set(constant, [...(byConstant.get(constant) ?? []), path]);
  }
  const cases: ConformanceCase[] = [];
  for (const file of walk(join(sfn, 'v2')).filter((f) => f.endsWith('.snapshot.json'))) {
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { 'recorded-content'?: Json }>;
    for (const [id, entry] of Object.entries(snapshot)) {
      const content = entry['recorded-content'] ?? {};
      const historyKey = Object.keys(content).find((k) => k === 'get_execution_history' || k === 'exec_hist_resp_0');
      const events = historyKey ? ((content[historyKey] as Json).events as Json[] | undefined) : undefined;
      if (!events || events.length === 0) continue;
      const started = events[0]?.executionStartedEventDetails as Json | undefined;
      const input = unmask(parseLoose(started?.input));
      const distributed = events.some((e) => e.type === 'MapRunStarted');
      const entered = new Map<string, string>();
      for (const e of events) {
        const n = (e.stateEnteredEventDetails as Json | undefined)?.name;
        if (typeof n === 'string') entered.set(n, String(e.type).replace(/StateEntered$/, ''));
      }
      const firstEntered = (
        events.find((e) => e.stateEnteredEventDetails)?.stateEnteredEventDetails as Json | undefined
      )?.name;
      const param = /\[([^\]]+)\]$/.exec(id)?.[1];
      let candidates = (param ? (byConstant.get(param) ?? []) : []).filter((p) => templates.has(p));
      const fits = (p: string): boolean => {
        const t = templates.get(p);
        if (!t || (firstEntered !== undefined && t.def.StartAt !== firstEntered)) return false;
        const types = [...t.names.values()];
        if (distributed && !types.includes('Map:DISTRIBUTED')) return false;
        return [...entered].every(([n, type]) => t.names.get(n)?.split(':')[0] === type);
      };
      candidates = candidates.filter(fits);
      if (candidates.length === 0) candidates = [...templates.keys()].filter(fits);
      const testTokens = tokens(
        `${id.split('::').slice(-1)[0] ?? id} ${relative(sfn, file).split('/').slice(0, -1).join(' ')}`,
      );
      const fileTokens = param?.endsWith('.json5') ? param.replace(/\.json5.*$/, '') : undefined;
      const score = (p: string): number => {
        if (fileTokens && p.endsWith(`/${fileTokens}.json5`)) return 1000;
        let n = 0;
        for (const t of templates.get(p)?.tokens ?? []) n += testTokens.has(t) ? 10 : -1;
        if (!distributed && [...(templates.get(p)?.names.values() ?? [])].includes('Map:DISTRIBUTED')) n -= 5;
        return n;
      };
      candidates.sort((a, b) => score(b) - score(a) || a.localeCompare(b));
      const templatePath = candidates[0];
      const def = templatePath ? templates.get(templatePath)?.def : undefined;
      let skip: string | undefined;
      const ended = /^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(String(events[events.length - 1]?.type));
      if (!def) skip = 'no matching template';
      else if (!ended) skip = 'recorded before the execution ended';
      else if (/"_+tbd_+"|%[A-Z_]+%/.test(JSON.stringify(def))) skip = 'template completed by the recording test code';
      else if (hasTask(def)) skip = 'needs an AWS resource (Task or ItemReader)';
      else if (JSON.stringify(def).includes('"Seconds":') && /"Seconds":\s*(\d{3,})/.test(JSON.stringify(def)))
        skip = 'long wait';
      cases.push({
        id,
        file: relative(sfn, file),
        templatePath,
        definition: def as Definition | undefined,
        input,
        recorded: events,
        skip,
      });
    }
  }
  return cases;
};

/** Recorded inputs mask timestamps; a fresh instant stands in so the execution can run. */
const unmask = (v: unknown): unknown => {
  if (v === 'timestamp' || v === '<timestamp>') return new Date().toISOString();
  if (Array.isArray(v)) return v.map(unmask);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unmask(x)]));
  return v;
};

const parseLoose = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

const JSON_FIELDS = new Set(['input', 'output', 'parameters', 'cause']);

/** Parses JSON text fields so recorded (sometimes pre-parsed) and local events compare by value. */
const normaliseEvent = (e: Json): Json => {
  const out: Json = { type: e.type };
  for (const [k, v] of Object.entries(e)) {
    if (!k.endsWith('EventDetails') || !v || typeof v !== 'object') continue;
    const details: Json = {};
    for (const [dk, dv] of Object.entries(v as Json)) {
      if (dk === 'roleArn' || dk === 'taskCredentials') continue;
      if (dk === 'assignedVariables') {
        details[dk] = Object.fromEntries(Object.entries(dv as Json).map(([n, x]) => [n, parseLoose(x)]));
      } else details[dk] = JSON_FIELDS.has(dk) ? parseLoose(dv) : dv;
    }
    out[k] = details;
  }
  return out;
};

/** Values the recording replaced by a name (ARNs, URLs, ids that differ per run). */
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
]);

/** Recorded strings carry placeholders (`<uuid:1>`, `<json-input:1>`, `timestamp`); they match anything. */
const matchString = (recorded: string, actual: string): boolean => {
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

const sameValue = (recorded: unknown, actual: unknown): boolean => {
  if (typeof recorded === 'string') {
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

/** Compares a recorded history with a local one; returns the first difference or undefined. */
export const compareHistories = (recorded: readonly Json[], actual: readonly HistoryEvent[]): string | undefined => {
  const masked = recorded.some((e) => typeof e.id !== 'number');
  const recordedTypes = new Set(recorded.map((e) => e.type));
  // The recordings leave out ParallelStateSucceeded (its id is missing from the sequence); compare the rest.
  const mine = actual.filter((e) => recordedTypes.has('ParallelStateSucceeded') || e.type !== 'ParallelStateSucceeded');
  if (mine.length !== recorded.length) {
    return `event count ${mine.length} != recorded ${recorded.length}; first types: ${mine
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
    if (!sameValue(r[i], a[i]))
      return `event ${i + 1}: local ${describe(a[i] as Json)} != recorded ${describe(r[i] as Json)}`;
  }
  return undefined;
};

const outcomeOf = (events: readonly Json[]): Json | undefined => {
  const last = events[events.length - 1];
  return last ? normaliseEvent(last) : undefined;
};

/** Replays one case on the engine (fast time scale, no integrations). */
export const runCase = async (c: ConformanceCase): Promise<CaseResult> => {
  if (!c.definition) return { id: c.id, outcomeAgrees: false, historyAgrees: false, difference: 'no definition' };
  let result: Awaited<ReturnType<typeof runDefinition>>;
  try {
    result = await runDefinition(c.definition, c.input, { timeScale: 10_000, name: 'conformance' });
  } catch (e) {
    return { id: c.id, outcomeAgrees: false, historyAgrees: false, difference: `engine threw ${String(e)}` };
  }
  const difference = compareHistories(c.recorded, result.history);
  const recordedEnd = outcomeOf(c.recorded);
  const localEnd = outcomeOf(result.history as unknown as Json[]);
  const outcomeAgrees = !!recordedEnd && !!localEnd && sameValue(recordedEnd, localEnd);
  return { id: c.id, outcomeAgrees, historyAgrees: difference === undefined, difference };
};

/** Summary of a run over all cases. */
export interface ConformanceReport {
  readonly total: number;
  readonly replayable: number;
  readonly outcomeAgree: number;
  readonly historyAgree: number;
  readonly skipped: Record<string, number>;
  readonly failures: CaseResult[];
}

/** Loads and replays every case that needs no AWS resource. */
export const runConformance = async (root: string): Promise<ConformanceReport> => {
  const cases = loadCases(root);
  const skipped: Record<string, number> = {};
  const failures: CaseResult[] = [];
  let outcomeAgree = 0;
  let historyAgree = 0;
  let replayable = 0;
  for (const c of cases) {
    if (c.skip) {
      skipped[c.skip] = (skipped[c.skip] ?? 0) + 1;
      continue;
    }
    replayable++;
    const r = await runCase(c);
    if (r.outcomeAgrees) outcomeAgree++;
    if (r.historyAgrees) historyAgree++;
    if (!r.historyAgrees || !r.outcomeAgrees) failures.push(r);
  }
  return { total: cases.length, replayable, outcomeAgree, historyAgree, skipped, failures };
};

/** The conformance data beside the repository (`../shared/conformance`), if present. */
export const defaultConformanceRoot = (repoRoot: string): string | undefined => {
  const candidate = join(repoRoot, '..', 'shared', 'conformance');
  return existsSync(join(candidate, 'aws-recorded', 'stepfunctions')) ? candidate : undefined;
};
