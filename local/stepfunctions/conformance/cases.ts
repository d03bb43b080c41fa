/**
 * Replays the Step Functions executions recorded from AWS (../shared/conformance, see its README) on the
 * local engine and compares status, output, error, cause and the history (event types, ids,
 * previousEventId, details).
 *
 * Two kinds of case, reported apart:
 * - `no-resource`: definitions without a Task (Pass, Choice, Map, Parallel, Wait, Succeed, Fail); the
 *   engine alone produces the whole history.
 * - `played-back`: definitions with Tasks; each Task is answered with what AWS's resource answered in the
 *   recording (./playback.ts). These check the engine's side of every Task (what it sends, how it handles
 *   the answer, the events it writes), not any local resource.
 *
 * Loading (./recording.ts): every recorded history of every test, the template it most likely ran, the
 * template's run-time placeholders filled from the recording where it reveals them. Comparison
 * (./compare.ts): strict, except where the recording itself masked a value.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Execution } from '../engine/execution';
import { runDefinition } from '../run-definition';
import { compareHistories, type Json, outcomeOf, sameValue } from './compare';
import { activityPlayback, playback } from './playback';
import { type CaseKind, type ConformanceCase, loadCases } from './recording';

export { compareHistories } from './compare';
export { type CaseKind, type ConformanceCase, loadCases } from './recording';

/** The outcome of one replay. */
export interface CaseResult {
  readonly id: string;
  readonly kind: CaseKind;
  readonly outcomeAgrees: boolean;
  readonly historyAgrees: boolean;
  readonly difference?: string;
}

/** A replay that has not ended by then is stopped: the engine waits for something AWS did not wait for. */
const WATCHDOG_MS = 2_000;

/**
 * Where the recording test stopped the execution (StopExecution), if it did: the number of events
 * recorded before the first `*Aborted` one, and the error and cause it gave.
 */
const stopPoint = (recorded: readonly Json[]): { events: number; error?: string; cause?: string } | undefined => {
  const last = recorded[recorded.length - 1];
  if (last?.type !== 'ExecutionAborted') return undefined;
  const d = (last.executionAbortedEventDetails ?? {}) as Json;
  return {
    events: recorded.findIndex((e) => String(e.type).endsWith('Aborted')),
    ...(typeof d.error === 'string' ? { error: d.error } : {}),
    ...(typeof d.cause === 'string' ? { cause: d.cause } : {}),
  };
};

/**
 * Stops the execution as the recording test did, once the engine has written as many events as AWS had
 * before the stop. The stop is queued as a microtask after that event, so no timer (a Wait's end) can
 * move the engine past the recorded point first.
 */
const stopWhenReached = (execution: Execution, at: NonNullable<ReturnType<typeof stopPoint>>): void => {
  const events = execution.history.events;
  const push = events.push.bind(events);
  let stopped = false;
  events.push = (...items) => {
    const n = push(...items);
    if (!stopped && n >= at.events) {
      stopped = true;
      queueMicrotask(() => execution.stop(at.error, at.cause));
    }
    return n;
  };
};

/**
 * How fast a case's clock runs. A case without Tasks shrinks waits 10,000-fold. A played-back case runs 100-fold:
 * its answers arrive a tick or two after each task starts, and a task's timeout or heartbeat shrunk further (60 s to
 * 6 ms) would race them on a busy machine, ending the task with an engine timeout the recording does not have.
 */
const timeScaleFor = (c: ConformanceCase): number => (c.kind === 'played-back' ? 100 : 10_000);

/** Replays one case on the engine (fast time scale; Tasks answered by the recording's playback). */
export const runCase = async (c: ConformanceCase): Promise<CaseResult> => {
  const fail = (difference: string): CaseResult => ({
    id: c.id,
    kind: c.kind,
    outcomeAgrees: false,
    historyAgrees: false,
    difference,
  });
  if (!c.definition) return fail('no definition');
  const played = playback(c.calls);
  const stopAt = stopPoint(c.recorded);
  let execution: Execution | undefined;
  let stuck = false;
  const watchdog = setTimeout(() => {
    stuck = true;
    execution?.stop('Conformance.Watchdog', `not ended after ${WATCHDOG_MS} ms`);
  }, WATCHDOG_MS);
  let result: Awaited<ReturnType<typeof runDefinition>>;
  try {
    result = await runDefinition(c.definition, c.input, {
      timeScale: timeScaleFor(c),
      name: 'conformance',
      integrations: played.integrations,
      tokens: played.tokens,
      activities: activityPlayback(c.recorded, played.tokens),
      onStart: (e) => {
        execution = e;
        if (stopAt) stopWhenReached(e, stopAt);
      },
    });
  } catch (e) {
    return fail(`engine threw ${String(e)}`);
  } finally {
    clearTimeout(watchdog);
  }
  if (stuck) return fail(`the execution did not end within ${WATCHDOG_MS} ms (stopped)`);
  const difference = compareHistories(c.recorded, result.history);
  const recordedEnd = outcomeOf(c.recorded);
  const localEnd = outcomeOf(result.history as unknown as Json[]);
  const outcomeAgrees = !!recordedEnd && !!localEnd && sameValue(recordedEnd, localEnd);
  return { id: c.id, kind: c.kind, outcomeAgrees, historyAgrees: difference === undefined, difference };
};

/** Agreement figures of one kind of case. */
export interface Figures {
  replayed: number;
  outcomeAgree: number;
  historyAgree: number;
}

/** Summary of a run over all cases. */
export interface ConformanceReport {
  /** Recorded histories (every history of every test). */
  readonly total: number;
  readonly noResource: Figures;
  /** Cases whose Tasks were answered by the recording's playback: they check the engine, not a resource. */
  readonly playedBack: Figures;
  readonly skipped: Record<string, number>;
  readonly failures: CaseResult[];
}

/** Loads and replays every case that can be replayed. */
export const runConformance = async (root: string): Promise<ConformanceReport> => {
  const cases = loadCases(root);
  const skipped: Record<string, number> = {};
  const failures: CaseResult[] = [];
  const figures: Record<CaseKind, Figures> = {
    'no-resource': { replayed: 0, outcomeAgree: 0, historyAgree: 0 },
    'played-back': { replayed: 0, outcomeAgree: 0, historyAgree: 0 },
  };
  for (const c of cases) {
    if (c.skip) {
      skipped[c.skip] = (skipped[c.skip] ?? 0) + 1;
      continue;
    }
    const f = figures[c.kind];
    f.replayed++;
    const r = await runCase(c);
    if (r.outcomeAgrees) f.outcomeAgree++;
    if (r.historyAgrees) f.historyAgree++;
    if (!r.historyAgrees || !r.outcomeAgrees) failures.push(r);
  }
  return {
    total: cases.length,
    noResource: figures['no-resource'],
    playedBack: figures['played-back'],
    skipped,
    failures,
  };
};

/** One line per kind: `replayed N; outcome agrees N (P%); full history agrees N (P%)`. */
export const describeFigures = (f: Figures): string => {
  const pct = (n: number): string => `${((100 * n) / Math.max(1, f.replayed)).toFixed(1)}%`;
  return `replayed ${f.replayed}; outcome (status/output/error/cause) agrees ${f.outcomeAgree} (${pct(f.outcomeAgree)}); full history agrees ${f.historyAgree} (${pct(f.historyAgree)})`;
};

/** The conformance data beside the repository (`../shared/conformance`), if present. */
export const defaultConformanceRoot = (repoRoot: string): string | undefined => {
  const candidate = join(repoRoot, '..', 'shared', 'conformance');
  return existsSync(join(candidate, 'aws-recorded', 'stepfunctions')) ? candidate : undefined;
};
