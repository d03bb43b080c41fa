/**
 * Reads the Step Functions executions recorded from AWS (../shared/conformance, see its README): every
 * recorded history of every test (`get_execution_history`, `exec_hist_resp_N`, `success__execution_history`...;
 * a test may record several, e.g. one per input), the template it most likely ran, and whether it can be
 * replayed. Generic: it knows the recording format, not any workflow.
 *
 * Template choice. The recordings do not name the template; a template is a candidate only if it agrees
 * with the recording on facts that need no engine: the states entered and their types, the first state,
 * the end state of a succeeded execution, the integration each Task called, the top-level names of the
 * JSONPath Parameters each Task sent, the output of plain Pass states, whether a failed Task was caught
 * (and into which catcher), the length of a literal Map `Items`. Among candidates (the template-index
 * constant named by the test parameter first) the one sharing most words with the test's names wins.
 *
 * Template completion. What the recording test did to the template at run time is redone from what the
 * recording reveals, never from the engine: placeholders (`"__tbd__"`, `%NAME%`, `<%Name%>`) in a Task's
 * `Resource` (from its scheduled event) or `Parameters`/`Arguments` (when every run sent the same value), a
 * `%..._LITERAL_PLACEHOLDER%` from the test's `$`-path parameter, a JSONPath test parameter written into
 * the template's only path, literal Lambda function ARNs and TimeoutSeconds/HeartbeatSeconds (from the
 * scheduled event), empty or placeholder Catch `ErrorEquals` (from the error the recording shows caught).
 * A case whose template stays incomplete is skipped, the fields named in `skipDetail`; the fields set from
 * the recording are listed in `adjusted`.
 *
 * A case needs no resource when its definition has no Task; otherwise its Tasks are answered by the
 * playback of the recorded answers (see ./playback.ts). Skipped with their own reason: activities and
 * ItemReader/ResultWriter (not implemented by the engine), inputs whose timestamps the recording masked,
 * recordings that end before the execution or lost events.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import JSON5 from 'json5';
import type { Definition } from '../engine/execution';
import { type Json, matchString, parseLoose, sameValue } from './compare';
import { type RecordedCall, recordedCalls } from './playback';

/** Whether a replay runs on the engine alone or with recorded resource answers played back. */
export type CaseKind = 'no-resource' | 'played-back';

/** One recorded execution and the definition it ran. */
export interface ConformanceCase {
  /** The test id, with `#<recorded key>` when the test recorded several histories. */
  readonly id: string;
  readonly file: string;
  /** The `recorded-content` key the history was read from. */
  readonly historyKey: string;
  readonly templatePath: string | undefined;
  /** The definition, with the placeholders the recording reveals filled in. */
  readonly definition: Definition | undefined;
  readonly input: unknown;
  readonly recorded: readonly Json[];
  readonly kind: CaseKind;
  /** The recorded Task invocations (empty for `no-resource`). */
  readonly calls: readonly RecordedCall[];
  /** Why the case cannot be replayed locally (activity, template completed by test code...). */
  readonly skip?: string;
  /** Template fields set to what the recording shows AWS ran with (timeouts the test code changed). */
  readonly adjusted?: readonly string[];
  /** The particulars behind `skip` (which fields the recording does not reveal). */
  readonly skipDetail?: string;
}

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });

/** The state maps of a definition and of every nested branch / item processor. */
const stateMaps = (def: Json, out: Record<string, Json>[] = []): Record<string, Json>[] => {
  const states = (def.States ?? {}) as Record<string, Json>;
  out.push(states);
  for (const state of Object.values(states)) {
    for (const b of (state.Branches ?? []) as Json[]) stateMaps(b, out);
    const proc = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
    if (proc) stateMaps(proc, out);
  }
  return out;
};

const allStates = (def: Json): [string, Json][] => stateMaps(def).flatMap((m) => Object.entries(m));

/** State name -> `Type` (with `Map:DISTRIBUTED` for distributed maps), over all nested branches. */
const stateNames = (def: Json): Map<string, string> => {
  const out = new Map<string, string>();
  for (const [name, state] of allStates(def)) {
    const proc = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
    const mode = ((proc?.ProcessorConfig as Json | undefined)?.Mode as string | undefined) ?? '';
    out.set(name, `${String(state.Type)}${mode === 'DISTRIBUTED' ? ':DISTRIBUTED' : ''}`);
  }
  return out;
};

const hasTask = (def: Json): boolean => allStates(def).some(([, s]) => s.Type === 'Task');

/** Whether a distributed Map runs Tasks: they run in child executions, whose events are not in the recording. */
const distributedTasks = (def: Json): boolean =>
  allStates(def).some(([, s]) => {
    const proc = (s.ItemProcessor ?? s.Iterator) as Json | undefined;
    return (proc?.ProcessorConfig as Json | undefined)?.Mode === 'DISTRIBUTED' && hasTask(proc as Json);
  });

const tokens = (s: string): Set<string> =>
  new Set(
    s
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      // Digits tell numbered variants apart (format_1, format_2); other one-letter tokens are noise.
      .filter((t) => t.length > 1 || /\d/.test(t)),
  );

/**
 * The recordings mask timestamps in inputs (`timestamp`, `<timestamp>`, `date`), whatever their format: some
 * tests feed deliberately malformed ones, so a stand-in could change the outcome.
 */
const hasMaskedTimestamp = (v: unknown): boolean => {
  if (typeof v === 'string') return v === 'timestamp' || v === '<timestamp>' || v === 'date';
  if (Array.isArray(v)) return v.some(hasMaskedTimestamp);
  return !!v && typeof v === 'object' && Object.values(v).some(hasMaskedTimestamp);
};

/**
 * The timestamp a recording masked in its input, when the execution reveals it: a failure's cause quotes the value
 * AWS refused ("... date-time format string: 2016-12-05 21:29:29Z"); an execution that waited and succeeded ran
 * with some valid instant, which a past one (no wait) stands for. Undefined when neither tells.
 */
const unmaskedTimestamp = (events: readonly Json[]): string | undefined => {
  const last = events[events.length - 1] as Json;
  if (last.type === 'ExecutionSucceeded') return new Date(0).toISOString();
  const cause = String((last.executionFailedEventDetails as Json | undefined)?.cause ?? '');
  const quoted = /ISO-8601 extended offset date-time format string: (?:\$\S* == )?(.+)$/.exec(cause)?.[1];
  return quoted && !hasMaskedTimestamp(quoted) ? quoted : undefined;
};

const replaceMaskedTimestamps = (v: unknown, value: string): unknown => {
  if (hasMaskedTimestamp(v) && typeof v === 'string') return value;
  if (Array.isArray(v)) return v.map((x) => replaceMaskedTimestamps(x, value));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceMaskedTimestamps(x, value)]));
  }
  return v;
};

const PLACEHOLDER = /^(_+tb[dc]_+|%[A-Z_]+%|<%[A-Za-z_]+%>)$/;

/** The activity a replay provides in place of the one the recording masked (`activity_arn`). */
export const CONFORMANCE_ACTIVITY_ARN = 'arn:aws:states:us-east-1:000000000000:activity:conformance';

/** The scheduled events of every run of `stateName` in a history (none if it ran no Task). */
const scheduledAll = (events: readonly Json[], stateName: string): Json[] => {
  const out: Json[] = [];
  events.forEach((e, i) => {
    if (e.type !== 'TaskStateEntered' || (e.stateEnteredEventDetails as Json | undefined)?.name !== stateName) return;
    const scheduled = events
      .slice(i + 1)
      .find(
        (x) =>
          (x.type === 'TaskScheduled' || x.type === 'LambdaFunctionScheduled' || x.type === 'ActivityScheduled') &&
          (typeof e.id !== 'number' || x.previousEventId === e.id),
      );
    if (scheduled) out.push(scheduled);
  });
  return out;
};

/** What a scheduled event shows was sent: the Task's parameters or the Lambda function's input. */
const sentBy = (scheduled: Json): unknown =>
  parseLoose(
    (scheduled.taskScheduledEventDetails as Json | undefined)?.parameters ??
      (scheduled.lambdaFunctionScheduledEventDetails as Json | undefined)?.input ??
      (scheduled.activityScheduledEventDetails as Json | undefined)?.input,
  );

/** The `Resource` ARN a scheduled event reveals. */
const resourceOf = (scheduled: Json): string => {
  // The recording masks the activity's ARN; any activity the replay provides stands for it.
  if (scheduled.type === 'ActivityScheduled') return CONFORMANCE_ACTIVITY_ARN;
  if (scheduled.type === 'LambdaFunctionScheduled') {
    return String((scheduled.lambdaFunctionScheduledEventDetails as Json).resource);
  }
  const d = scheduled.taskScheduledEventDetails as Json;
  return `arn:aws:states:::${String(d.resourceType)}:${String(d.resource)}`;
};

/**
 * Whether a template's `Resource` can be the one a recorded scheduled event reveals (see {@link resourceOf}):
 * a placeholder or JSONata expression can be anything; an integration ARN must name the same integration
 * (its region and account aside); a Lambda function ARN must be a Lambda function ARN.
 */
const sameResource = (written: string | undefined, revealed: string): boolean => {
  if (written === undefined || PLACEHOLDER.test(written) || written.startsWith('{%')) return true;
  const integration = (arn: string): string | undefined => /^arn:[^:]+:states:[^:]*:[^:]*:(.+)$/.exec(arn)?.[1];
  return integration(written) === integration(revealed);
};

/** The value at a key path of the recorded parameters (keys as written in the template, `.$` excluded). */
const at = (value: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), value);

/**
 * Completes a template as the recording test did, from what the recorded history reveals (in place, on a
 * copy): fills its placeholders and adjusts literal timeouts. Returns what stayed unfilled and what was
 * adjusted, as `State.Field` names.
 */
const completeTemplate = (
  def: Json,
  events: readonly Json[],
  testParam: string | undefined,
): { missing: string[]; adjusted: string[] } => {
  const missing: string[] = [];
  const adjusted: string[] = [];
  for (const [name, state] of allStates(def)) {
    const runs = state.Type === 'Task' ? scheduledAll(events, name) : [];
    const scheduled = runs[0];
    /** A parameter the test code wrote as a literal: the same value in every run. */
    const literal = (path: readonly string[]): unknown => {
      const values = runs.map((r) => at(sentBy(r), path));
      const first = values[0];
      return values.every((v) => JSON.stringify(v) === JSON.stringify(first)) ? first : undefined;
    };
    const fill = (holder: Json, key: string, path: string[], field: string): void => {
      const value = holder[key];
      if (typeof value === 'string' && PLACEHOLDER.test(value)) {
        if (/^%[A-Z_]+_LITERAL_PLACEHOLDER%$/.test(value) && testParam?.startsWith('$')) holder[key] = testParam;
        else if (field === 'Resource' && scheduled) holder[key] = resourceOf(scheduled);
        else if ((field === 'Parameters' || field === 'Arguments') && literal(path) !== undefined)
          holder[key] = literal(path);
        // A Task that never ran in the recording is not run by a faithful replay either.
        else if (!((field === 'Resource' || field === 'Parameters' || field === 'Arguments') && !scheduled))
          missing.push(`${name}.${[field, ...path].join('.')}`);
        return;
      }
      if (value && typeof value === 'object') {
        for (const k of Object.keys(value)) fill(value as Json, k, [...path, k], field);
      }
    };
    for (const key of Object.keys(state)) {
      // Catch placeholders are completed from the caught errors (fillCatchers).
      if (key === 'Branches' || key === 'ItemProcessor' || key === 'Iterator' || key === 'Catch') continue;
      fill(state, key, [], key);
    }
    if (scheduled) adjustToRecording(name, state, scheduled, adjusted);
    fillCatchers(name, state, events, missing, adjusted);
  }
  if (testParam?.startsWith('$') && !JSON.stringify(def).includes(JSON.stringify(testParam))) {
    // A JSONPath test parameter the test code wrote into the template: where is certain only if the template
    // has one path.
    const slots = pathSlots(def);
    const only = slots.length === 1 ? slots[0] : undefined;
    if (only) {
      only.holder[only.key] = testParam;
      adjusted.push(only.name);
    } else missing.push(`the test parameter ${testParam} (written into one of ${slots.length} paths)`);
  }
  return { missing, adjusted };
};

/**
 * A catcher whose ErrorEquals is empty or a placeholder is one the test code completes; the recording
 * reveals the error when a failure of the state was caught into the catcher's Next.
 */
const fillCatchers = (name: string, state: Json, events: readonly Json[], missing: string[], adjusted: string[]) => {
  const catchers = (Array.isArray(state.Catch) ? state.Catch : []) as Json[];
  catchers.forEach((c, i) => {
    const names = Array.isArray(c.ErrorEquals) ? (c.ErrorEquals as unknown[]) : undefined;
    if (!names || names.some((n) => !(typeof n === 'string' && PLACEHOLDER.test(n)))) return;
    const caught = caughtErrors(events, name).find((x) => x.next === c.Next);
    if (caught) {
      c.ErrorEquals = [caught.error];
      adjusted.push(`${name}.Catch.${i}.ErrorEquals`);
    } else missing.push(`${name}.Catch.${i}.ErrorEquals`);
  });
};

/** The errors a state's Task failures raised that were caught, with the state the execution went on to. */
const caughtErrors = (events: readonly Json[], stateName: string): { error: string; next: unknown }[] => {
  const out: { error: string; next: unknown }[] = [];
  events.forEach((exited, i) => {
    const d = exited.stateExitedEventDetails as Json | undefined;
    const failure = events[i - 1];
    if (exited.type !== 'TaskStateExited' || d?.name !== stateName || !TASK_FAILURES.has(String(failure?.type))) return;
    const fd = failure?.[Object.keys(failure).find((k) => k.endsWith('EventDetails')) ?? ''] as Json | undefined;
    const next = (events[i + 1]?.stateEnteredEventDetails as Json | undefined)?.name;
    if (typeof fd?.error === 'string') out.push({ error: fd.error, next });
  });
  return out;
};

/** Every JSONPath-valued field of a template (`X.$` keys, `...Path` fields), with where it is. */
const pathSlots = (def: Json): { holder: Json; key: string; name: string }[] => {
  const out: { holder: Json; key: string; name: string }[] = [];
  const visit = (holder: Json, name: string): void => {
    for (const [key, value] of Object.entries(holder)) {
      if (key === 'Branches' || key === 'ItemProcessor' || key === 'Iterator') continue;
      if (typeof value === 'string' && value.startsWith('$') && (key.endsWith('.$') || key.endsWith('Path'))) {
        out.push({ holder, key, name: `${name}.${key}` });
      } else if (value && typeof value === 'object') visit(value as Json, `${name}.${key}`);
    }
  };
  for (const [name, state] of allStates(def)) visit(state, name);
  return out;
};

/**
 * Some recording tests set a Task's literal fields in code before creating the machine: a Lambda function
 * ARN in place of the template's example ARN, TimeoutSeconds, HeartbeatSeconds. The scheduled event shows
 * what AWS ran with, which the template then takes. A `...Path` or an expression is left to the engine.
 */
const adjustToRecording = (name: string, state: Json, scheduled: Json, adjusted: string[]): void => {
  const d = (scheduled.taskScheduledEventDetails ??
    scheduled.lambdaFunctionScheduledEventDetails ??
    scheduled.activityScheduledEventDetails ??
    {}) as Json;
  const revealed = resourceOf(scheduled);
  if (
    scheduled.type === 'LambdaFunctionScheduled' &&
    typeof state.Resource === 'string' &&
    !state.Resource.startsWith('{%') &&
    !matchString(revealed, state.Resource)
  ) {
    state.Resource = revealed;
    adjusted.push(`${name}.Resource`);
  }
  for (const [field, key] of [
    ['TimeoutSeconds', 'timeoutInSeconds'],
    ['HeartbeatSeconds', 'heartbeatInSeconds'],
  ] as const) {
    const written = state[field];
    const ran = d[key];
    if (`${field}Path` in state || (written !== undefined && typeof written !== 'number') || written === ran) continue;
    if (ran === undefined) delete state[field];
    else state[field] = ran;
    adjusted.push(`${name}.${field}`);
  }
};

/**
 * Whether the template's plain JSONPath Pass states (no path fields, no Parameters, no Assign) output what
 * the recording shows: their `Result`, or else their input.
 */
const passResultsFit = (def: Json, events: readonly Json[]): boolean =>
  allStates(def).every(([name, state]) => {
    const plain =
      state.Type === 'Pass' &&
      !['Parameters', 'ResultPath', 'OutputPath', 'InputPath', 'Assign', 'Output', 'QueryLanguage'].some(
        (k) => k in state,
      ) &&
      def.QueryLanguage !== 'JSONata';
    if (!plain) return true;
    return events.every((e, i) => {
      const d = e.stateExitedEventDetails as Json | undefined;
      if (e.type !== 'PassStateExited' || d?.name !== name) return true;
      if ('Result' in state) return sameValue(parseLoose(d.output), state.Result);
      // Without Result the state passes its input on; its entered event is the one before when ids are in order.
      const entered = events[i - 1]?.stateEnteredEventDetails as Json | undefined;
      return entered?.name !== name || sameValue(parseLoose(entered.input), parseLoose(d.output));
    });
  });

/**
 * Whether the template's JSONPath Task states with a `Parameters` object sent the fields the recording
 * shows: the same top-level names (`Name.$` sends `Name`); placeholders excepted.
 */
const parametersFit = (def: Json, events: readonly Json[]): boolean =>
  allStates(def).every(([name, state]) => {
    const params = state.Parameters as Json | undefined;
    if (state.Type !== 'Task' || !params || typeof params !== 'object' || Array.isArray(params)) return true;
    if ((state.QueryLanguage ?? def.QueryLanguage) === 'JSONata') return true;
    const written = Object.keys(params)
      .map((k) => k.replace(/\.\$$/, ''))
      .sort()
      .join(',');
    return scheduledAll(events, name).every((e) => {
      const sent = sentBy(e);
      if (!sent || typeof sent !== 'object' || Array.isArray(sent)) return true;
      return Object.keys(sent).sort().join(',') === written;
    });
  });

/** Whether the template's Map states with a literal `Items` array started as many iterations as recorded. */
const mapItemsFit = (def: Json, events: readonly Json[]): boolean =>
  allStates(def).every(([name, state]) => {
    if (state.Type !== 'Map' || !Array.isArray(state.Items)) return true;
    const length = (state.Items as unknown[]).length;
    return events.every((e, i) => {
      const d = e.mapStateStartedEventDetails as Json | undefined;
      const entered = events[i - 1]?.stateEnteredEventDetails as Json | undefined;
      return e.type !== 'MapStateStarted' || entered?.name !== name || d?.length === length;
    });
  });

/**
 * Whether the recording lost events: its highest id is above its event count by more than the
 * ParallelStateSucceeded events the recordings leave out (one per Parallel state exited).
 */
const incomplete = (events: readonly Json[]): boolean => {
  const ids = events.map((e) => e.id).filter((id): id is number => typeof id === 'number');
  const omitted = events.some((e) => e.type === 'ParallelStateSucceeded')
    ? 0
    : events.filter((e) => e.type === 'ParallelStateExited').length;
  return Math.max(0, ...ids) - events.length > omitted;
};

const TASK_FAILURES = new Set(['TaskFailed', 'LambdaFunctionFailed', 'TaskTimedOut', 'LambdaFunctionTimedOut']);

/**
 * Whether the template's Catch fields agree with what the recording shows a failed Task did: a failure
 * followed by the state's exit was caught (the state has a Catch); one followed by the execution's failure
 * was not (no catcher names the error, `States.TaskFailed` or `States.ALL`).
 */
const catchesFit = (def: Json, events: readonly Json[]): boolean => {
  if (!events.every((e) => typeof e.id === 'number')) return true;
  const byId = new Map(events.map((e) => [e.id as number, e]));
  const states = new Map(allStates(def));
  return events.every((failure) => {
    if (!TASK_FAILURES.has(String(failure.type))) return true;
    let entered: Json | undefined = failure;
    while (entered && entered.type !== 'TaskStateEntered') entered = byId.get(entered.previousEventId as number);
    const state = states.get(String((entered?.stateEnteredEventDetails as Json | undefined)?.name));
    const next = events.find((e) => e.previousEventId === failure.id);
    if (!state || !next) return true;
    const catchers = (Array.isArray(state.Catch) ? state.Catch : []) as Json[];
    const error = String((failure[Object.keys(failure).find((k) => k.endsWith('EventDetails')) ?? ''] as Json)?.error);
    const escapesAll = error === 'States.Runtime' || error === 'States.DataLimitExceeded';
    const matches = (c: Json): boolean =>
      (Array.isArray(c.ErrorEquals) ? (c.ErrorEquals as string[]) : []).some(
        (n) =>
          n === error ||
          (n === 'States.ALL' && !escapesAll) ||
          (n === 'States.TaskFailed' && !escapesAll && error !== 'States.Timeout'),
      );
    if (next.type === 'ExecutionFailed') return !catchers.some(matches);
    if (next.type !== 'TaskStateExited') return true;
    // Caught: the state entered next is the first catcher's that names the error, States.TaskFailed or
    // States.ALL (which, the recordings show, catches States.DataLimitExceeded too).
    const then = events.find((e) => e.previousEventId === next.id);
    const thenName = (then?.stateEnteredEventDetails as Json | undefined)?.name;
    // An empty or placeholder ErrorEquals is completed by the test code (see fillCatchers).
    const first = catchers.find((c) => {
      const names = Array.isArray(c.ErrorEquals) ? (c.ErrorEquals as string[]) : [];
      return (
        names.length === 0 ||
        names.some(
          (n) =>
            n === error ||
            n === 'States.ALL' ||
            PLACEHOLDER.test(n) ||
            (n === 'States.TaskFailed' && error !== 'States.Timeout'),
        )
      );
    });
    return thenName === undefined ? catchers.length > 0 : first?.Next === thenName;
  });
};

/** How a test's history keys name one history; the `[True]` listing is another one's events reversed. */
const historyKeys = (content: Json): string[] =>
  Object.keys(content).filter((k) => {
    const v = content[k] as Json | undefined;
    return !!v && typeof v === 'object' && Array.isArray(v.events) && (v.events as unknown[]).length > 0;
  });

interface Template {
  readonly def: Json;
  readonly names: Map<string, string>;
  /** Task state name -> `Resource` as written. */
  readonly resources: Map<string, string>;
  readonly tokens: Set<string>;
}

/** Loads every recorded execution history with the template it most likely ran. */
export const loadCases = (root: string): ConformanceCase[] => {
  const sfn = join(root, 'aws-recorded', 'stepfunctions');
  const index = JSON.parse(readFileSync(join(sfn, 'template-index.json'), 'utf8')) as Record<string, string>;
  const templates = new Map<string, Template>();
  for (const file of walk(join(sfn, 'templates')).filter((f) => f.endsWith('.json5'))) {
    try {
      const def = JSON5.parse(readFileSync(file, 'utf8')) as Json;
      const rel = relative(join(root, 'aws-recorded'), file);
      const resources = new Map(
        allStates(def).flatMap(([n, st]) => (typeof st.Resource === 'string' ? [[n, st.Resource] as const] : [])),
      );
      templates.set(rel, {
        def,
        names: stateNames(def),
        resources,
        tokens: tokens(`${rel} ${String(def.Comment ?? '')}`),
      });
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
    for (const [testId, entry] of Object.entries(snapshot)) {
      const content = entry['recorded-content'] ?? {};
      const keys = historyKeys(content);
      for (const key of keys) {
        const events = (content[key] as Json).events as Json[];
        const id = keys.length > 1 ? `${testId}#${key}` : testId;
        cases.push(toCase({ id, testId, key, file: relative(sfn, file), events, templates, byConstant }));
      }
    }
  }
  return cases;
};

const toCase = (o: {
  id: string;
  testId: string;
  key: string;
  file: string;
  events: Json[];
  templates: Map<string, Template>;
  byConstant: Map<string, string[]>;
}): ConformanceCase => {
  const { id, testId, events, templates } = o;
  const started = events[0]?.executionStartedEventDetails as Json | undefined;
  const input = parseLoose(started?.input);
  const distributed = events.some((e) => e.type === 'MapRunStarted');
  const entered = new Map<string, string>();
  for (const e of events) {
    const n = (e.stateEnteredEventDetails as Json | undefined)?.name;
    if (typeof n === 'string') entered.set(n, String(e.type).replace(/StateEntered$/, ''));
  }
  const ran = new Map<string, string>();
  for (const name of entered.keys()) {
    const scheduled = scheduledAll(events, name)[0];
    if (scheduled) ran.set(name, resourceOf(scheduled));
  }
  // The top-level state a succeeded execution ended on must be an end state of the template.
  const end = events.length - 1;
  const lastState =
    events[end]?.type === 'ExecutionSucceeded' && String(events[end - 1]?.type).endsWith('StateExited')
      ? ((events[end - 1]?.stateExitedEventDetails as Json | undefined)?.name as string | undefined)
      : undefined;
  const firstEntered = (events.find((e) => e.stateEnteredEventDetails)?.stateEnteredEventDetails as Json | undefined)
    ?.name;
  const param = /::[^:[]+\[(.*)\]$/.exec(testId)?.[1];
  const fits = (p: string): boolean => {
    const t = templates.get(p);
    if (!t || (firstEntered !== undefined && t.def.StartAt !== firstEntered)) return false;
    const types = [...t.names.values()];
    if (distributed && !types.includes('Map:DISTRIBUTED')) return false;
    if (!passResultsFit(t.def, events) || !parametersFit(t.def, events) || !catchesFit(t.def, events)) return false;
    if (!mapItemsFit(t.def, events)) return false;
    const last = lastState ? (t.def.States as Record<string, Json> | undefined)?.[lastState] : undefined;
    if (lastState && (!last || !(last.End === true || last.Type === 'Succeed'))) return false;
    return (
      [...entered].every(([n, type]) => t.names.get(n)?.split(':')[0] === type) &&
      [...ran].every(([n, resource]) => sameResource(t.resources.get(n), resource))
    );
  };
  let candidates = (param ? (o.byConstant.get(param.split('.').pop() ?? param) ?? []) : []).filter(
    (p) => templates.has(p) && fits(p),
  );
  if (candidates.length === 0) candidates = [...templates.keys()].filter(fits);
  // The test's file, class and function names and its folder name the feature the template exercises.
  const testTokens = tokens(`${testId.split('/').pop() ?? testId} ${o.file}`);
  const fileTokens = param ? /^(.+?)\.json5/.exec(param)?.[1] : undefined;
  // A template named after the test function (test_base_64_encode -> base64encode.json5) wins a tie.
  const squash = (x: string): string => x.toLowerCase().replace(/[^a-z0-9]/g, '');
  const testFunction = squash(/::test_([^:[]+)(\[|$)/.exec(testId)?.[1] ?? '');
  const score = (p: string): number => {
    if (fileTokens && p.endsWith(`/${fileTokens}.json5`)) return 1000;
    // Less than one shared token: it tells apart templates made of the same words in another order.
    const fileName = squash(p.replace(/^.*\//, '').replace(/\.json5$/, ''));
    let n = testFunction && fileName.endsWith(testFunction) ? 5 : 0;
    for (const t of templates.get(p)?.tokens ?? []) n += testTokens.has(t) ? 10 : -1;
    if (!distributed && [...(templates.get(p)?.names.values() ?? [])].includes('Map:DISTRIBUTED')) n -= 5;
    return n;
  };
  candidates.sort((a, b) => score(b) - score(a) || a.localeCompare(b));
  const templatePath = candidates[0];
  const template = templatePath ? templates.get(templatePath)?.def : undefined;
  const def = template ? (structuredClone(template) as Json) : undefined;
  const { missing, adjusted } = def ? completeTemplate(def, events, param) : { missing: [], adjusted: [] };
  if (def && missing.length === 0 && /"_+tb[dc]_+"|%[A-Za-z_]+%/.test(JSON.stringify(def))) missing.push('(elsewhere)');
  const text = JSON.stringify(def ?? {});
  const kind: CaseKind = def && hasTask(def) ? 'played-back' : 'no-resource';
  const ended = /^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(String(events[events.length - 1]?.type));
  let skip: string | undefined;
  if (o.key.includes('reverseOrder[True]')) skip = 'the same history listed in reverse order';
  else if (!def) skip = 'no matching template';
  else if (!ended) skip = 'recorded before the execution ended';
  else if (incomplete(events)) skip = 'recording incomplete (event ids missing)';
  else if (/"(ItemReader|ResultWriter)"/.test(text))
    skip = 'ItemReader/ResultWriter (S3; not implemented by the engine)';
  else if (def && distributedTasks(def))
    skip = 'Tasks in a distributed Map (their answers are in the child executions, not recorded)';
  else if (missing.length > 0) skip = 'template completed by the recording test code, value not in the recording';
  else if (/"Seconds":\s*(\d{3,})/.test(text)) skip = 'long wait';
  const revealed = hasMaskedTimestamp(input) ? unmaskedTimestamp(events) : undefined;
  if (!skip && hasMaskedTimestamp(input) && revealed === undefined)
    skip = 'input timestamp masked by the recording (the value AWS ran with is unknown)';
  return {
    id,
    file: o.file,
    historyKey: o.key,
    templatePath,
    definition: def as Definition | undefined,
    input: revealed === undefined ? input : replaceMaskedTimestamps(input, revealed),
    recorded: events,
    kind,
    calls: kind === 'played-back' ? recordedCalls(events) : [],
    ...(skip ? { skip } : {}),
    ...(missing.length > 0 ? { skipDetail: `unfilled: ${missing.join(', ')}` } : {}),
    ...(adjusted.length > 0 ? { adjusted } : {}),
  };
};
