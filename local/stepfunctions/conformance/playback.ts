/**
 * Playback of the resources a recorded execution called. A recorded history holds, for every Task, what
 * Step Functions sent (`TaskScheduled.parameters`, `LambdaFunctionScheduled.input`) and what the resource
 * answered (`TaskSubmitted`, `TaskSucceeded`, `TaskFailed`, `TaskTimedOut`, `LambdaFunction*`). The
 * playback answers the engine's n-th call of a resource with the recorded n-th answer, so what a replay
 * checks is the ENGINE's handling of those answers (Parameters/Arguments, ResultSelector, ResultPath, Retry,
 * Catch, callbacks, `.sync`, the history's event shapes). It checks no local resource (Lambda, SQS,
 * DynamoDB...): those answers are AWS's, replayed. What the engine sent is checked by the history
 * comparison itself (the local `TaskScheduled` event against the recorded one).
 */

import type { ActivityDispatcher } from '../activities';
import { TokenRegistry, type TokenWaiter } from '../engine/tokens';
import { StatesError, StatesErrors } from '../errors';
import { parseResource, type TaskIntegrations, type TaskRequest } from '../integrations';
import { type Json, matchString, parseLoose, sameValue } from './compare';

/** How a resource ended one recorded invocation. */
export type RecordedAnswer =
  | { readonly kind: 'succeeded'; readonly output: unknown }
  | { readonly kind: 'failed' | 'timedOut'; readonly error?: string; readonly cause?: string };

/** One Task invocation as recorded: the request and the resource's answer. */
export interface RecordedCall {
  /** `task` (TaskScheduled, optimised and SDK integrations) or `lambda` (a bare function ARN). */
  readonly family: 'task' | 'lambda';
  /** `lambda`, `sqs`, `aws-sdk:dynamodb`...; `lambda` for the `lambda` family. */
  readonly resourceType: string;
  /** `invoke`, `sendMessage.waitForTaskToken`...; the function ARN (masked) for the `lambda` family. */
  readonly resource: string;
  readonly parameters: unknown;
  /** The recorded `TaskSubmitted` output (callback and `.sync` tasks). */
  readonly submitted?: { readonly output: unknown };
  /** Undefined when the recording ended (the execution was stopped) before the resource answered. */
  readonly answer?: RecordedAnswer;
}

const SCHEDULED = new Set(['TaskScheduled', 'LambdaFunctionScheduled']);
const STARTED = new Set(['TaskStarted', 'LambdaFunctionStarted']);
const SUBMITTED = new Set(['TaskSubmitted']);
const SUCCEEDED = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded']);
const TIMED_OUT = new Set(['TaskTimedOut', 'LambdaFunctionTimedOut']);
const ENDS = new Set([
  ...SUCCEEDED,
  ...TIMED_OUT,
  'TaskFailed',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'LambdaFunctionFailed',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
]);

const details = (e: Json): Json => {
  for (const [k, v] of Object.entries(e))
    if (k.endsWith('EventDetails') && v && typeof v === 'object') return v as Json;
  return {};
};

/**
 * The recordings store JSON text fields parsed. A failure's cause is text for the engine, so the original
 * text is looked up in the history (a Catch output carries it verbatim); compact JSON otherwise.
 */
const causeText = (cause: unknown, events: readonly Json[]): string | undefined => {
  if (cause === undefined || typeof cause === 'string') return cause;
  let found: string | undefined;
  const visit = (v: unknown): void => {
    if (found !== undefined) return;
    if (typeof v === 'string') {
      if (
        v.length > 1 &&
        (v[0] === '{' || v[0] === '[') &&
        sameValue(cause, parseLoose(v)) &&
        sameValue(parseLoose(v), cause)
      )
        found = v;
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(events);
  return found ?? JSON.stringify(cause);
};

/** The Task invocations of a recorded history, in the order they were scheduled. */
export const recordedCalls = (events: readonly Json[]): RecordedCall[] => {
  // Ids masked by the recording (concurrent branches, listed in an order of their own): pair in any order.
  const numbered = events.every((e) => typeof e.id === 'number');
  const claimed = new Set<number>();
  const calls: RecordedCall[] = [];
  events.forEach((scheduled, index) => {
    if (!SCHEDULED.has(String(scheduled.type))) return;
    const family = scheduled.type === 'TaskScheduled' ? 'Task' : 'Lambda';
    /** The first unclaimed event of one of `types` that follows `after` in the invocation. */
    const take = (types: ReadonlySet<string>, after: Json): Json | undefined => {
      for (let i = numbered ? index + 1 : 0; i < events.length; i++) {
        const e = events[i] as Json;
        const type = String(e.type);
        if (claimed.has(i) || !types.has(type) || !type.startsWith(family)) continue;
        if (numbered && e.previousEventId !== after.id) continue;
        claimed.add(i);
        return e;
      }
      return undefined;
    };
    const started = take(STARTED, scheduled);
    const submittedEvent = take(SUBMITTED, started ?? scheduled);
    const end = take(ENDS, submittedEvent ?? started ?? scheduled);
    const ed = end ? details(end) : {};
    const type = String(end?.type);
    const answer: RecordedAnswer | undefined = !end
      ? undefined
      : SUCCEEDED.has(type)
        ? { kind: 'succeeded', output: parseLoose(ed.output) }
        : {
            kind: TIMED_OUT.has(type) ? 'timedOut' : 'failed',
            ...(ed.error !== undefined ? { error: String(ed.error) } : {}),
            ...(ed.cause !== undefined ? { cause: causeText(ed.cause, events) } : {}),
          };
    const d = details(scheduled);
    calls.push({
      family: family === 'Task' ? 'task' : 'lambda',
      resourceType: family === 'Task' ? String(d.resourceType) : 'lambda',
      resource: String(d.resource),
      parameters: parseLoose(family === 'Task' ? d.parameters : d.input),
      ...(submittedEvent ? { submitted: { output: parseLoose(details(submittedEvent).output) } } : {}),
      ...(answer ? { answer } : {}),
    });
  });
  return calls;
};

/** Remembers the token of the task being invoked (the engine registers it right before invoking). */
class PlaybackTokens extends TokenRegistry {
  lastAdded: string | undefined;

  override add(token: string, waiter: TokenWaiter): void {
    this.lastAdded = token;
    super.add(token, waiter);
  }
}

/** Waits until the engine gives up on the task (its timeout, heartbeat timeout, or the execution's end). */
const never = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

/**
 * Activity tasks answered as the recording shows: the n-th task scheduled is taken by the worker the n-th
 * `ActivityStarted` names, then answered through its token with the recorded success or failure; a recorded
 * timeout is left to the engine's own timer (it writes `ActivityTimedOut`). The activity exists when the
 * recording scheduled a task on it.
 */
export const activityPlayback = (
  events: readonly Record<string, unknown>[],
  tokens: TokenRegistry,
): ActivityDispatcher => {
  const scheduled = events.flatMap((e, i) => (e.type === 'ActivityScheduled' ? [i] : []));
  let next = 0;
  return {
    exists: () => scheduled.length > 0,
    schedule: (_activityArn, task) => {
      const at = scheduled[next++];
      if (at === undefined) return () => {};
      const after = events.slice(at + 1);
      const started = after.find((e) => e.type === 'ActivityStarted');
      const end = after.find((e) => /^Activity(Succeeded|Failed|TimedOut)$/.test(String(e.type)));
      setImmediate(() => {
        if (started) {
          const details = started.activityStartedEventDetails as { workerName?: string } | undefined;
          task.onStarted(details?.workerName);
        }
        if (!end || end.type === 'ActivityTimedOut') return;
        setImmediate(() => {
          const waiter = tokens.get(task.token);
          if (!waiter) return;
          if (end.type === 'ActivitySucceeded') {
            waiter.succeed(parseLoose((end.activitySucceededEventDetails as { output?: unknown }).output));
          } else {
            const d = end.activityFailedEventDetails as { error?: string; cause?: unknown };
            waiter.fail(d.error, typeof d.cause === 'string' ? d.cause : JSON.stringify(d.cause));
          }
        });
      });
      return () => {};
    },
  };
};

/** What the engine is given to run a case with recorded resources. */
export interface Playback {
  readonly integrations: TaskIntegrations;
  readonly tokens: TokenRegistry;
  /** Recorded calls the engine did not make. */
  unused(): RecordedCall[];
}

/**
 * Integrations that answer from a recording. A call is paired with the first unused recorded call of the
 * same resource, preferring one whose recorded parameters equal the engine's (concurrent Map iterations
 * are recorded in an order of their own); a call the recording does not have fails with
 * `Playback.NoRecordedCall`, which the comparison then reports.
 *
 * - success: the recorded output; a callback task gets the recorded `TaskSubmitted` output and its token
 *   answered with the recorded output (after the submission, as a worker would);
 * - failure: the recorded error and cause (through the token for a submitted callback task);
 * - timeout: the task fails with the recorded `States.Timeout` / `States.HeartbeatTimeout` (through the
 *   token for a submitted callback task). The engine's own timers are not what ends it: the recording does
 *   not show the heartbeats a worker sent, so only the recorded outcome can be replayed faithfully;
 * - no answer recorded (the execution was stopped meanwhile): never answered.
 */
export const playback = (calls: readonly RecordedCall[]): Playback => {
  const tokens = new PlaybackTokens();
  const used = new Set<number>();
  const pick = (req: TaskRequest): RecordedCall | undefined => {
    const { historyResource, historyType } = parseResource(req.resource);
    const family = req.service === 'function' ? 'lambda' : 'task';
    const candidates = calls
      .map((c, i) => ({ c, i }))
      .filter(
        ({ c, i }) =>
          !used.has(i) &&
          c.family === family &&
          (family === 'lambda'
            ? matchString(c.resource, historyResource)
            : c.resourceType === historyType && c.resource === historyResource),
      );
    const chosen = candidates.find(({ c }) => sameValue(c.parameters, req.parameters)) ?? candidates[0];
    if (!chosen) return undefined;
    used.add(chosen.i);
    return chosen.c;
  };
  // A failure may carry no error name (SendTaskFailure without one); a timeout always is one.
  const fail = (a: RecordedAnswer & { kind: 'failed' | 'timedOut' }): StatesError =>
    new StatesError(a.error ?? (a.kind === 'timedOut' ? StatesErrors.Timeout : undefined), a.cause);
  const answerToken = (token: string, answer: RecordedAnswer | undefined): void => {
    if (!answer) return;
    setImmediate(() => {
      const waiter = tokens.get(token);
      if (!waiter) return;
      if (answer.kind === 'succeeded') waiter.succeed(answer.output);
      else {
        const e = fail(answer);
        waiter.fail(e.error, e.cause);
      }
    });
  };
  return {
    tokens,
    unused: () => calls.filter((_, i) => !used.has(i)),
    integrations: {
      async invoke(req) {
        const token = req.pattern === 'token' ? tokens.lastAdded : undefined;
        const call = pick(req);
        if (!call) {
          throw new StatesError('Playback.NoRecordedCall', `the recording has no further call of ${req.resource}`);
        }
        const { answer } = call;
        if (req.pattern === 'token' && call.submitted) {
          if (token) answerToken(token, answer);
          return call.submitted.output;
        }
        // A `.sync` task's submission (the start response), reported as the real integration does.
        if (req.pattern !== 'token' && call.submitted) req.onSubmitted?.(call.submitted.output);
        if (!answer) return never(req.signal);
        // A resource answers later than the engine's next step: concurrent branches and iterations all get
        // their Tasks scheduled before the first answer comes back, as they did on AWS.
        await new Promise((resolve) => setImmediate(resolve));
        if (answer.kind === 'succeeded') return answer.output;
        throw fail(answer);
      },
    },
  };
};
