import { randomUUID } from 'node:crypto';
import type { ActivityDispatcher } from '../activities';
import { neverCaught, StatesError, StatesErrors } from '../errors';
import {
  type Chain,
  type HistoryEvent,
  HistoryRecorder,
  type HistorySink,
  NOT_TRUNCATED,
  withInput,
  withOutput,
} from '../history';
import { type IntegrationPattern, parseResource, type TaskIntegrations } from '../integrations';
import { evaluateIntrinsic, isIntrinsic } from '../intrinsics';
import { type EvalSite, evaluateTemplate, expressionOf, QueryEvaluationError } from '../jsonata';
import { evaluatePath, PathNotFound, type PathScope, setPath } from '../jsonpath';
import { evaluateRule, isTimestamp } from './choice';
import { Cancelled, childController, longTimeout, sleep } from './timers';
import { TokenRegistry } from './tokens';

/** A parsed state machine definition (or a Parallel branch / Map processor). */
export interface Definition {
  readonly StartAt: string;
  readonly States: Record<string, State>;
  readonly QueryLanguage?: 'JSONPath' | 'JSONata';
  readonly TimeoutSeconds?: number;
  readonly Comment?: string;
  readonly ProcessorConfig?: { Mode?: string; ExecutionType?: string };
}

/** One state as written in the definition; fields are read per type. */
export type State = Record<string, any> & { readonly Type: string };

/** Final status of an execution, as DescribeExecution reports it. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Where a resumed execution picks up: the top-level state it was in and what it was doing there. */
export interface Checkpoint {
  readonly state: string;
  readonly input: unknown;
  readonly variables: Record<string, unknown>;
  readonly enteredEventId: number;
  readonly chainLast: number;
  /** `enter`: run the state again (without a second entered event); `token`: keep waiting for the token. */
  readonly phase: 'enter' | 'token' | 'wait' | 'retry';
  readonly token?: string;
  /** Epoch ms when a Wait, a retry delay or a task timeout ends. */
  readonly deadline?: number;
  readonly heartbeatDeadline?: number;
  readonly attempts?: number[];
  readonly retryCount?: number;
  /** An activity task a worker has already taken (a restart must not queue it again). */
  readonly started?: boolean;
  /** A Map or Parallel state in progress: where each of its branches stands. */
  readonly fanout?: Fanout;
}

/**
 * The progress of a Map or Parallel state, kept in its checkpoint so a restart resumes the branches where they
 * were (a branch waiting on a task token keeps its token) instead of running them again. Branches are keyed by
 * index. The object is updated in place as branches move on; the journal serialises it when it flushes.
 */
export interface Fanout {
  /** The Map/Parallel `...StateStarted` event the branches hang off. */
  readonly startedId: number;
  /** Map: the last event of the iteration that ended last (the next MapIterationStarted follows it). */
  lastTail: number;
  /** Map: the id of the last MapIteration{Succeeded,Failed} event. */
  lastEndId: number;
  readonly branches: Record<string, BranchProgress>;
}

/** One branch (Parallel) or iteration (Map) of a {@link Fanout}. */
export type BranchProgress =
  | { readonly status: 'done'; readonly output: unknown; readonly tail: number }
  | { readonly status: 'failed'; readonly error?: string; readonly cause?: string; readonly tail: number }
  | { readonly status: 'running'; readonly startId: number; readonly at?: Checkpoint };

/** Every task token a checkpoint (and the branches inside it) waits on, so a restart can keep them valid. */
export const checkpointTokens = (checkpoint: Checkpoint | undefined): string[] => {
  if (!checkpoint) return [];
  const nested = Object.values(checkpoint.fanout?.branches ?? {}).flatMap((b) =>
    b.status === 'running' ? checkpointTokens(b.at) : [],
  );
  return checkpoint.token ? [checkpoint.token, ...nested] : nested;
};

/** Everything the interpreter needs from its host (the service, a test, a benchmark). */
export interface EngineEnv {
  readonly integrations: TaskIntegrations;
  readonly tokens: TokenRegistry;
  /** Waits and timeouts are divided by this. */
  readonly timeScale: number;
  readonly region: string;
  readonly accountId: string;
  /** Runs Tasks whose Resource is an activity ARN; without it such a Task fails as if the activity did not exist. */
  readonly activities?: ActivityDispatcher;
}

/** How an execution is started or restored. */
export interface ExecutionInit {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly roleArn: string;
  readonly definition: Definition;
  readonly input: unknown;
  readonly startDate: number;
  /** True for STANDARD executions: EXPRESS ones keep no history on AWS (the engine still counts event ids). */
  readonly recordHistory: boolean;
  readonly sink?: HistorySink;
  /** The stored history, used in place and appended to. */
  readonly history?: HistoryEvent[];
  readonly checkpoint?: Checkpoint;
  readonly onCheckpoint?: (checkpoint: Checkpoint | undefined) => void;
}

/** Per-branch interpreter state: variables, history chain, cancellation, Map item. */
interface Frame {
  vars: Record<string, unknown>;
  readonly chain: Chain;
  readonly signal: AbortSignal;
  /** Records where this frame stands (top level: the journal; a branch: its slot in the parent's fanout). */
  readonly save: ((checkpoint: Checkpoint) => void) | undefined;
  readonly history: HistoryRecorder;
  readonly queryLanguage: 'JSONPath' | 'JSONata';
  /** Tells a Map/Parallel scheduler that this branch now waits on something external. */
  readonly onBlock: () => void;
  /** True in a Parallel branch: a Task failing out of it is recorded as aborted there (AWS). */
  readonly parallelBranch?: boolean;
  resume?: Checkpoint;
}

interface StepResult {
  readonly next: string | undefined;
  readonly output: unknown;
  /** `JSON.stringify(output)`, already computed for the exit event: the next entered event reuses it. */
  readonly text: string | undefined;
}

/** The longest Wait AWS accepts: 2^31 seconds. */
const MAX_WAIT_MS = 2 ** 31 * 1000;

/** 256 KiB of UTF-8 (Developer Guide, "Step Functions service quotas": maximum input or output size). */
const MAX_PAYLOAD = 262_144;

/** Over the payload quota? A UTF-16 unit is at most 3 UTF-8 bytes, so short text needs no byte count. */
const tooLarge = (text: string | undefined): boolean =>
  text !== undefined && text.length * 3 > MAX_PAYLOAD && Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD;
const DEFAULT_TASK_TIMEOUT_S = 99_999_999;

const typeOfJson = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

const noop = (): void => {};

/** `<Type>StateEntered` / `<Type>StateExited` per state type, built once rather than on every transition. */
const eventTypes = new Map<string, { readonly entered: string; readonly exited: string }>();
const eventTypesOf = (stateType: string): { readonly entered: string; readonly exited: string } => {
  let types = eventTypes.get(stateType);
  if (types === undefined) {
    types = { entered: `${stateType}StateEntered`, exited: `${stateType}StateExited` };
    eventTypes.set(stateType, types);
  }
  return types;
};

/** One execution of a state machine: runs to a final status and records its history. */
export class Execution {
  status: ExecutionStatus = 'RUNNING';
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  stopDate: number | undefined;
  readonly history: HistoryRecorder;
  /** Resolves when the execution reaches a final status. */
  readonly done: Promise<void>;
  /** Created on first need (a wait, a task, a stop): most JSONPath executions never need one. */
  private controller_: AbortController | undefined;
  /** The frame whose signal is the (lazy) controller's: its runs check `aborted` instead of reading the signal. */
  private topFrame: Frame | undefined;
  /** The JSON text of the top frame's final output, as its last exit event wrote it. */
  private outputText: string | undefined;
  /** The context object's `StateMachine.Name` and `Execution.StartTime`, formatted on first use. */
  private machineName: string | undefined;
  private startTime: string | undefined;
  private lastIso = { ms: Number.NaN, text: '' };
  private syncSteps = 0;
  private resolveDone!: () => void;

  constructor(
    readonly init: ExecutionInit,
    private readonly env: EngineEnv,
  ) {
    this.history = new HistoryRecorder(init.recordHistory, init.sink, init.history);
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  get executionArn(): string {
    return this.init.executionArn;
  }

  private get controller(): AbortController {
    this.controller_ ??= new AbortController();
    return this.controller_;
  }

  /** @internal The execution's cancellation, for its top-level frame. */
  get signal_(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether the execution was stopped, timed out or abandoned, without creating the controller to find out. */
  private get aborted(): boolean {
    return this.controller_?.signal.aborted === true;
  }

  /** Runs the execution to its end; never rejects. */
  async run(): Promise<void> {
    const { definition, checkpoint } = this.init;
    const chain: Chain = { last: checkpoint?.chainLast ?? 0 };
    let inputText: string | undefined;
    if (!checkpoint) {
      inputText = JSON.stringify(this.init.input);
      // The first state's entered event points at 0, not at ExecutionStarted, on AWS.
      this.history.add(
        chain,
        'ExecutionStarted',
        { input: inputText, inputDetails: NOT_TRUNCATED, roleArn: this.init.roleArn },
        { keepChain: true },
      );
    }
    const timeout = definition.TimeoutSeconds;
    let timer: { cancel: () => void } | undefined;
    if (timeout !== undefined) {
      // The time scale shortens waiting on others. A STANDARD machine's bound is mostly such waiting, so it
      // scales; an EXPRESS machine's bounds synchronous work (5 minutes at most), which a time scale cannot speed up.
      const scale = this.init.recordHistory ? this.env.timeScale : 1;
      const remaining = this.init.startDate + (timeout * 1000) / scale - Date.now();
      timer = longTimeout(() => this.controller.abort(new Cancelled('timedOut')), remaining);
    }
    const frame = new TopFrame(
      this,
      { ...(checkpoint?.variables ?? {}) },
      chain,
      this.init.onCheckpoint,
      this.history,
      definition.QueryLanguage ?? 'JSONPath',
      checkpoint,
    );
    this.topFrame = frame;
    try {
      const output = await this.runStates(
        definition,
        checkpoint ? checkpoint.input : this.init.input,
        frame,
        checkpoint?.state,
        inputText,
      );
      this.finish('SUCCEEDED');
      this.output = this.outputText ?? JSON.stringify(output);
      this.history.add(chain, 'ExecutionSucceeded', { output: this.output, outputDetails: NOT_TRUNCATED });
    } catch (e) {
      this.fail(e, chain);
    } finally {
      timer?.cancel();
      if (this.status !== 'RUNNING') this.init.onCheckpoint?.(undefined);
      this.resolveDone();
    }
  }

  /** StopExecution: aborts every pending wait; the execution ends ABORTED. */
  stop(error?: string, cause?: string): void {
    if (this.status !== 'RUNNING') return;
    this.error = error;
    this.cause = cause;
    this.controller.abort(new Cancelled('stopped'));
  }

  /** Process shutdown: abandon in-memory work without recording an end (a restart resumes it). */
  abandon(): void {
    this.controller.abort(new Cancelled('shutdown'));
  }

  /** @internal EvaluationFailed points at 0, except after a Wait state's entry (as recorded on AWS). */
  reportEvaluationFailure(
    err: QueryEvaluationError,
    chain: Chain,
    history: HistoryRecorder,
    prev: number | undefined,
  ): void {
    if (err.reported) return;
    err.reported = true;
    history.add(
      chain,
      'EvaluationFailed',
      err.site.field === undefined
        ? { cause: err.cause, error: err.error, state: err.site.stateName }
        : { cause: err.cause, error: err.error, location: err.site.field, state: err.site.stateName },
      prev === undefined ? {} : { prev },
    );
  }

  private finish(status: ExecutionStatus): void {
    this.status = status;
    this.stopDate = Date.now();
  }

  private fail(e: unknown, chain: Chain): void {
    const reason = this.controller_?.signal.reason;
    if (reason instanceof Cancelled && reason.reason === 'shutdown') {
      // Not an end: the persisted checkpoint lets a restarted process carry on.
      return;
    }
    if (reason instanceof Cancelled && reason.reason === 'stopped') {
      this.finish('ABORTED');
      const details: Record<string, unknown> = {};
      if (this.error !== undefined) details.error = this.error;
      if (this.cause !== undefined) details.cause = this.cause;
      // Recorded on AWS (test_stop_execution): ExecutionAborted hangs off no event (previousEventId 0).
      this.history.add(chain, 'ExecutionAborted', details, { prev: 0 });
      return;
    }
    if (reason instanceof Cancelled && reason.reason === 'timedOut') {
      this.finish('TIMED_OUT');
      this.error = StatesErrors.Timeout;
      this.history.add(chain, 'ExecutionTimedOut', { error: StatesErrors.Timeout });
      return;
    }
    const err =
      e instanceof StatesError ? e : new StatesError(StatesErrors.Runtime, e instanceof Error ? e.message : String(e));
    this.finish('FAILED');
    this.error = err.error;
    this.cause = err.cause;
    if (err instanceof QueryEvaluationError) this.reportEvaluationFailure(err, chain, this.history, undefined);
    const details: Record<string, unknown> = {};
    if (err.cause !== undefined) details.cause = err.cause;
    if (err.error !== undefined) details.error = err.error;
    this.history.add(chain, 'ExecutionFailed', details);
  }

  // ---------------------------------------------------------------------------------------------------------
  // States

  /**
   * Runs states from `startAt` to the end; resolves with the last state's output (the top frame also leaves its
   * JSON text in `outputText`). `inputText` is `JSON.stringify(input)` when the caller has it.
   */
  private async runStates(
    def: Definition,
    input: unknown,
    frame: Frame,
    startAt?: string,
    inputText?: string,
  ): Promise<unknown> {
    let name = startAt ?? def.StartAt;
    let data = input;
    let text = inputText;
    for (;;) {
      const state = def.States[name];
      if (!state) throw new StatesError(StatesErrors.Runtime, `State '${name}' is not defined`);
      if (frame === this.topFrame ? this.aborted : frame.signal.aborted) throw frame.signal.reason;
      let result = this.step(name, state, data, text, frame);
      if (result instanceof Promise) result = await result;
      else if (++this.syncSteps % 1000 === 0) {
        // A long run of synchronous states still lets timers, I/O and StopExecution in.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (result.next === undefined) {
        if (frame === this.topFrame) this.outputText = result.text;
        return result.output;
      }
      name = result.next;
      data = result.output;
      text = result.text;
    }
  }

  /** The context object; `retryCount` undefined for states that cannot retry (AWS leaves RetryCount out there). */
  private context(
    stateName: string,
    enteredTime: number,
    retryCount: number | undefined,
    extra?: Record<string, unknown>,
  ) {
    // Built for every JSONata evaluation: the parts fixed for the execution are formatted once.
    this.machineName ??= this.init.stateMachineArn.split(':').pop();
    this.startTime ??= new Date(this.init.startDate).toISOString();
    const machineName = this.machineName;
    return {
      Execution: {
        Id: this.init.executionArn,
        Input: this.init.input,
        StartTime: this.startTime,
        Name: this.init.name,
        RoleArn: this.init.roleArn,
        RedriveCount: 0,
      },
      StateMachine: { Id: this.init.stateMachineArn, Name: machineName },
      State:
        retryCount === undefined
          ? { Name: stateName, EnteredTime: this.isoTime(enteredTime) }
          : { Name: stateName, EnteredTime: this.isoTime(enteredTime), RetryCount: retryCount },
      ...extra,
    };
  }

  /** An entered time as ISO text; a state's fields ask for the same instant several times in a row. */
  private isoTime(ms: number): string {
    if (ms !== this.lastIso.ms) this.lastIso = { ms, text: new Date(ms).toISOString() };
    return this.lastIso.text;
  }

  /** `inputText` is `JSON.stringify(input)` when the caller already has it (the previous state's exit). */
  private step(
    name: string,
    state: State,
    input: unknown,
    inputText: string | undefined,
    frame: Frame,
  ): Promise<StepResult> | StepResult {
    const resume = frame.resume?.state === name ? frame.resume : undefined;
    frame.resume = undefined;
    // EvaluationFailed attaches where the failing state's entry attached (AWS), except for Wait.
    const enteredPrev = frame.chain.last;
    let enteredEventId: number;
    if (resume) {
      enteredEventId = resume.enteredEventId;
    } else {
      enteredEventId = frame.history.add(frame.chain, eventTypesOf(state.Type).entered, {
        input: inputText ?? JSON.stringify(input),
        inputDetails: NOT_TRUNCATED,
        name,
      });
    }
    const ctx = new StateContext(this, name, state, input, frame, enteredEventId, Date.now(), resume, enteredPrev);
    if (frame.save && (!resume || resume.phase === 'enter'))
      ctx.checkpoint('enter', resume?.fanout ? { fanout: resume.fanout } : {});
    let result: Promise<StepResult> | StepResult;
    try {
      result = ctx.run();
    } catch (e) {
      this.reportStepFailure(e, state, frame, enteredPrev);
      throw e;
    }
    if (!(result instanceof Promise)) return result;
    return result.catch((e: unknown) => {
      this.reportStepFailure(e, state, frame, enteredPrev);
      throw e;
    });
  }

  private reportStepFailure(e: unknown, state: State, frame: Frame, enteredPrev: number): void {
    if (e instanceof QueryEvaluationError)
      this.reportEvaluationFailure(e, frame.chain, frame.history, state.Type === 'Wait' ? undefined : enteredPrev);
  }

  // Exposed to StateContext (same module) without widening the public surface.
  /** @internal */ get env_(): EngineEnv {
    return this.env;
  }
  /** @internal */ contextObject(
    stateName: string,
    entered: number,
    retryCount: number | undefined,
    extra?: Record<string, unknown>,
  ) {
    return this.context(stateName, entered, retryCount, extra);
  }
  /** @internal */ runBranch(def: Definition, input: unknown, frame: Frame, startAt?: string): Promise<unknown> {
    return this.runStates(def, input, frame, startAt);
  }
}

/** One key of a JSONPath payload template, classified once: a `.$` path or intrinsic, a nested template, a literal. */
interface TemplateEntry {
  readonly key: string;
  /** The output key: `key` without its `.$`. */
  readonly field: string;
  readonly kind: 'path' | 'intrinsic' | 'nested' | 'literal';
  readonly value: unknown;
}

const templateCache = new WeakMap<object, TemplateEntry[]>();

/** A template's entries in key order, cached per template object (templates are parts of the definition). */
const templateEntries = (template: Record<string, unknown>): TemplateEntry[] => {
  let entries = templateCache.get(template);
  if (entries === undefined) {
    entries = Object.entries(template).map(([key, value]): TemplateEntry => {
      if (key.endsWith('.$') && typeof value === 'string') {
        return { key, field: key.slice(0, -2), kind: isIntrinsic(value) ? 'intrinsic' : 'path', value };
      }
      const nested = value !== null && typeof value === 'object';
      return { key, field: key, kind: nested ? 'nested' : 'literal', value };
    });
    templateCache.set(template, entries);
  }
  return entries;
};

/** The execution's own frame; its signal (and AbortController) is created only when something reads it. */
class TopFrame implements Frame {
  readonly onBlock = noop;

  constructor(
    private readonly exec: Execution,
    public vars: Record<string, unknown>,
    readonly chain: Chain,
    readonly save: Frame['save'],
    readonly history: HistoryRecorder,
    readonly queryLanguage: 'JSONPath' | 'JSONata',
    public resume: Checkpoint | undefined,
  ) {}

  get signal(): AbortSignal {
    return this.exec.signal_;
  }
}

/**
 * What a JSONPath expression of a state may read. A class rather than an object literal with getters: one
 * allocation per evaluation instead of an object, two getter closures and their context.
 */
class LazyScope implements PathScope {
  private context_: unknown;
  private variables_: Record<string, unknown> | undefined;

  constructor(
    private readonly state: StateContext,
    readonly data: unknown,
    private readonly statesExtra: Record<string, unknown> | undefined,
    private readonly contextExtra: Record<string, unknown> | undefined,
  ) {}

  get context(): unknown {
    this.context_ ??= this.state.contextObject(this.contextExtra);
    return this.context_;
  }

  get variables(): Record<string, unknown> {
    this.variables_ ??= {
      ...this.state.variables,
      states: this.state.statesVar(this.statesExtra, this.contextExtra),
    };
    return this.variables_;
  }
}

/** The work of one state entry: evaluation, the state's own behaviour, Retry/Catch, output and exit event. */
class StateContext {
  private readonly jsonata: boolean;
  private retryCount = 0;
  private taskToken: string | undefined;

  constructor(
    private readonly exec: Execution,
    private readonly name: string,
    private readonly state: State,
    private readonly input: unknown,
    private readonly frame: Frame,
    private readonly enteredEventId: number,
    private readonly enteredTime: number,
    private resume: Checkpoint | undefined,
    private readonly enteredPrev: number,
  ) {
    this.jsonata = (state.QueryLanguage ?? frame.queryLanguage) === 'JSONata';
    this.retryCount = resume?.retryCount ?? 0;
  }

  private get env(): EngineEnv {
    return this.exec.env_;
  }

  checkpoint(phase: Checkpoint['phase'], extra: Partial<Checkpoint> = {}): void {
    this.frame.save?.({
      state: this.name,
      input: this.input,
      variables: this.frame.vars,
      enteredEventId: this.enteredEventId,
      chainLast: this.frame.chain.last,
      phase,
      retryCount: this.retryCount,
      ...extra,
    });
  }

  private site(field: string): EvalSite {
    return { stateName: this.name, enteredEventId: this.enteredEventId, field };
  }

  private runtimeError(message: string): StatesError {
    return new StatesError(
      StatesErrors.Runtime,
      `An error occurred while executing the state '${this.name}' (entered at the event id #${this.enteredEventId}). ${message}`,
    );
  }

  /** @internal The context object (`$$`) as this state sees it. */
  contextObject(extra?: Record<string, unknown>) {
    const task = this.taskToken ? { Task: { Token: this.taskToken } } : {};
    // Recorded on AWS (test_input_path[$$]): a Pass state's $$.State has no RetryCount; states with Retry have it.
    const retries = this.state.Type === 'Task' || this.state.Type === 'Parallel' || this.state.Type === 'Map';
    return this.exec.contextObject(this.name, this.enteredTime, retries ? this.retryCount : undefined, {
      ...task,
      ...extra,
    });
  }

  /** @internal `$states`: input, context and the extras of the field being evaluated (result, errorOutput). */
  statesVar(extra: Record<string, unknown> = {}, contextExtra?: Record<string, unknown>) {
    return { input: this.input, context: this.contextObject(contextExtra), ...extra };
  }

  /** @internal The variables in scope when the state began. */
  get variables(): Record<string, unknown> {
    return this.frame.vars;
  }

  /** The scope JSONPath reads; context and variables are built only when a path asks for them. */
  private pathScope(
    data: unknown,
    statesExtra?: Record<string, unknown>,
    contextExtra?: Record<string, unknown>,
  ): PathScope {
    return new LazyScope(this, data, statesExtra, contextExtra);
  }

  // ----- JSONPath helpers

  private selectPath(path: string | null | undefined, data: unknown): unknown {
    if (path === undefined) return data;
    if (path === null) return {};
    try {
      return evaluatePath(path, this.pathScope(data));
    } catch (e) {
      if (e instanceof PathNotFound) throw this.runtimeError(`Invalid path '${path}' : ${e.message}`);
      throw e;
    }
  }

  /** Parameters, ResultSelector, ItemSelector, Assign in JSONPath: `.$` keys are paths or intrinsics. */
  private payload(template: unknown, scope: PathScope): unknown {
    if (Array.isArray(template)) return template.map((t) => this.payload(t, scope));
    if (template === null || typeof template !== 'object') return template;
    const out: Record<string, unknown> = {};
    for (const entry of templateEntries(template as Record<string, unknown>)) {
      const { key, field, value } = entry;
      if (entry.kind === 'intrinsic') out[field] = evaluateIntrinsic(value as string, scope);
      else if (entry.kind === 'path') {
        try {
          out[field] = evaluatePath(value as string, scope);
        } catch (e) {
          if (e instanceof PathNotFound) {
            throw this.runtimeError(
              `The JSONPath '${value}' specified for the field '${key}' could not be found in the input '${JSON.stringify(scope.data)}'`,
            );
          }
          throw e;
        }
      } else if (entry.kind === 'nested') out[key] = this.payload(value, scope);
      else out[key] = value;
    }
    return out;
  }

  private applyResultPath(resultPath: string | null | undefined, raw: unknown, result: unknown): unknown {
    if (resultPath === null) return raw;
    if (resultPath === undefined || resultPath === '$') return result;
    try {
      return setPath(raw, resultPath, result);
    } catch (e) {
      if (e instanceof PathNotFound)
        throw this.runtimeError(`Invalid path '${resultPath}' : Missing property in path ${e.missing}`);
      throw e;
    }
  }

  // ----- JSONata helpers

  private async evalField(field: string, template: unknown, states: Record<string, unknown>): Promise<unknown> {
    return evaluateTemplate(template, { states, variables: this.frame.vars }, this.site(field));
  }

  /** A numeric field that may be a literal, a JSONata expression or (JSONPath) a `...Path` reference. */
  private async numberField(field: string, data: unknown): Promise<number | undefined> {
    const raw = this.state[field];
    if (raw !== undefined) {
      if (this.jsonata && expressionOf(raw) !== undefined) {
        const v = await this.evalField(field, raw, this.statesVar());
        if (typeof v !== 'number') {
          throw new QueryEvaluationError(
            this.site(field),
            `The field '${field}' must be a number but was: ${JSON.stringify(v)}`,
          );
        }
        return v;
      }
      return Number(raw);
    }
    const path = this.state[`${field}Path`];
    if (typeof path === 'string') {
      const v = this.selectPath(path, data);
      return typeof v === 'number' ? v : Number.NaN;
    }
    return undefined;
  }

  // ----- Assign / output / exit

  /** Evaluates Assign (with the variables as they were when the state began) without applying it. */
  private async evaluateAssign(
    assign: unknown,
    jsonPathData: unknown,
    states: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    if (assign === undefined || assign === null) return undefined;
    if (this.jsonata) return (await this.evalField('Assign', assign, states)) as Record<string, unknown>;
    return this.assignJsonPath(assign, jsonPathData, states);
  }

  /** JSONPath Assign is synchronous; keeping it off the promise path saves a tick per state. */
  private assignJsonPath(
    assign: unknown,
    data: unknown,
    states: Record<string, unknown>,
  ): Record<string, unknown> | undefined {
    if (assign === undefined || assign === null) return undefined;
    return this.payload(assign, this.pathScope(data, states)) as Record<string, unknown>;
  }

  private exit(output: unknown, assigned: Record<string, unknown> | undefined, next: string | undefined): StepResult {
    const text = JSON.stringify(output);
    if (tooLarge(text)) {
      throw new StatesError(
        StatesErrors.DataLimitExceeded,
        `The state/task '${this.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
    }
    const details: Record<string, unknown> = { name: this.name, output: text, outputDetails: NOT_TRUNCATED };
    if (assigned && Object.keys(assigned).length > 0) {
      details.assignedVariables = Object.fromEntries(Object.entries(assigned).map(([k, v]) => [k, JSON.stringify(v)]));
      details.assignedVariablesDetails = NOT_TRUNCATED;
      this.frame.vars = { ...this.frame.vars, ...assigned };
    }
    this.frame.history.add(this.frame.chain, eventTypesOf(this.state.Type).exited, details);
    return { next, output, text };
  }

  private nextOf(): string | undefined {
    return this.state.End ? undefined : (this.state.Next as string);
  }

  /** The common tail of Task, Map, Parallel (and Pass): selectors, paths, Output and Assign, then exit. */
  private async finishWithResult(result: unknown, effectiveInput: unknown): Promise<StepResult> {
    if (this.jsonata) {
      const states = this.statesVar({ result });
      const output =
        this.state.Output === undefined ? result : await this.evalField('Output', this.state.Output, states);
      const assigned = await this.evaluateAssign(this.state.Assign, result, states);
      return this.exit(output, assigned, this.nextOf());
    }
    const selected =
      this.state.ResultSelector === undefined
        ? result
        : this.payload(this.state.ResultSelector, this.pathScope(result));
    const assigned = this.assignJsonPath(this.state.Assign, selected, { result: selected });
    const merged = this.applyResultPath(this.state.ResultPath, this.input, selected);
    const output = this.selectPath(this.state.OutputPath, merged);
    void effectiveInput;
    return this.exit(output, assigned, this.nextOf());
  }

  // ----- dispatch

  /** JSONPath Pass, Choice and Succeed finish synchronously (no promise per state on the common path). */
  run(): Promise<StepResult> | StepResult {
    switch (this.state.Type) {
      case 'Pass':
        return this.jsonata ? this.passJsonata() : this.passJsonPath();
      case 'Succeed':
        return this.jsonata ? this.succeed() : this.succeedJsonPath();
      case 'Fail':
        return this.failState();
      case 'Choice':
        return this.jsonata ? this.choice() : this.choiceJsonPath();
      case 'Wait':
        return this.wait();
      case 'Task':
      case 'Parallel':
      case 'Map':
        return this.withErrorHandling();
      default:
        throw this.runtimeError(`Unsupported state type ${this.state.Type}`);
    }
  }

  private async passJsonata(): Promise<StepResult> {
    const states = this.statesVar();
    const output =
      this.state.Output === undefined ? this.input : await this.evalField('Output', this.state.Output, states);
    const assigned = await this.evaluateAssign(this.state.Assign, this.input, states);
    return this.exit(output, assigned, this.nextOf());
  }

  private passJsonPath(): StepResult {
    const effective = this.selectPath(this.state.InputPath, this.input);
    let result: unknown = effective;
    if ('Result' in this.state) result = this.state.Result;
    else if (this.state.Parameters !== undefined)
      result = this.payload(this.state.Parameters, this.pathScope(effective));
    const assigned = this.assignJsonPath(this.state.Assign, result, { result });
    const merged = this.applyResultPath(this.state.ResultPath, this.input, result);
    const output = this.selectPath(this.state.OutputPath, merged);
    return this.exit(output, assigned, this.nextOf());
  }

  private async succeed(): Promise<StepResult> {
    const output =
      this.state.Output === undefined
        ? this.input
        : await this.evalField('Output', this.state.Output, this.statesVar());
    return this.exit(output, undefined, undefined);
  }

  private succeedJsonPath(): StepResult {
    const effective = this.selectPath(this.state.InputPath, this.input);
    return this.exit(this.selectPath(this.state.OutputPath, effective), undefined, undefined);
  }

  private async failState(): Promise<never> {
    const pick = async (field: 'Error' | 'Cause'): Promise<string | undefined> => {
      const literal = this.state[field];
      if (this.jsonata && literal !== undefined) {
        const v = await this.evalField(field, literal, this.statesVar());
        return typeof v === 'string' ? v : JSON.stringify(v);
      }
      if (literal !== undefined) return literal as string;
      const path = this.state[`${field}Path`];
      if (typeof path !== 'string') return undefined;
      const scope = this.pathScope(this.input);
      if (isIntrinsic(path)) return String(evaluateIntrinsic(path, scope));
      try {
        const v = evaluatePath(path, scope);
        return typeof v === 'string' ? v : JSON.stringify(v);
      } catch (e) {
        if (e instanceof PathNotFound) {
          throw this.runtimeError(
            `The JSONPath '${path}' specified for the field '${field}Path' could not be found in the input '${JSON.stringify(this.input)}'`,
          );
        }
        throw e;
      }
    };
    throw new StatesError(await pick('Error'), await pick('Cause'));
  }

  private async choice(): Promise<StepResult> {
    const choices = (this.state.Choices ?? []) as Record<string, any>[];
    if (this.jsonata) {
      const states = this.statesVar();
      for (const [i, rule] of choices.entries()) {
        const matched = await this.evalField(`Choices[${i}].Condition`, rule.Condition, states);
        if (typeof matched !== 'boolean') {
          throw new QueryEvaluationError(
            this.site('Condition'),
            `The Condition must evaluate to a boolean but was: ${JSON.stringify(matched)}`,
          );
        }
        if (matched) return this.choiceExit(rule.Next, rule.Output, rule.Assign, states);
      }
      if (this.state.Default) return this.choiceExit(this.state.Default, this.state.Output, this.state.Assign, states);
    }
    throw new StatesError(StatesErrors.NoChoiceMatched, `No Matches!`);
  }

  private choiceJsonPath(): StepResult {
    const choices = (this.state.Choices ?? []) as Record<string, any>[];
    const effective = this.selectPath(this.state.InputPath, this.input);
    const scope = this.pathScope(effective);
    const rule = choices.find((r) => evaluateRule(r, scope));
    const next = rule?.Next ?? this.state.Default;
    if (!next) throw new StatesError(StatesErrors.NoChoiceMatched, `No Matches!`);
    const assigned = this.assignJsonPath(rule?.Assign ?? this.state.Assign, effective, {});
    return this.exit(this.selectPath(this.state.OutputPath, effective), assigned, next);
  }

  private async choiceExit(
    next: string,
    outputTemplate: unknown,
    assign: unknown,
    states: Record<string, unknown>,
  ): Promise<StepResult> {
    const output = outputTemplate === undefined ? this.input : await this.evalField('Output', outputTemplate, states);
    const assigned = await this.evaluateAssign(assign, this.input, states);
    return this.exit(output, assigned, next);
  }

  private async wait(): Promise<StepResult> {
    let deadline = this.resume?.phase === 'wait' ? this.resume.deadline : undefined;
    this.resume = undefined;
    const effective = this.jsonata ? this.input : this.selectPath(this.state.InputPath, this.input);
    if (deadline === undefined) {
      const delay = await this.waitMillis(effective);
      // Recorded on AWS (test_timestamp_too_far_in_future_boundary): 24,855 days ahead waits, 24,856 days fails;
      // the bound is 2^31 seconds.
      if (delay > MAX_WAIT_MS) throw this.runtimeError('Wait state delay is too long.');
      deadline = Date.now() + delay / this.env.timeScale;
      this.checkpoint('wait', { deadline });
    }
    this.frame.onBlock();
    await sleep(deadline - Date.now(), this.frame.signal);
    if (this.jsonata) {
      const states = this.statesVar();
      const output =
        this.state.Output === undefined ? this.input : await this.evalField('Output', this.state.Output, states);
      const assigned = await this.evaluateAssign(this.state.Assign, this.input, states);
      return this.exit(output, assigned, this.nextOf());
    }
    const assigned = this.assignJsonPath(this.state.Assign, effective, {});
    return this.exit(this.selectPath(this.state.OutputPath, effective), assigned, this.nextOf());
  }

  private async waitMillis(effective: unknown): Promise<number> {
    const s = this.state;
    const timestampMillis = (value: unknown, describe: (v: unknown) => StatesError): number => {
      if (!isTimestamp(value)) throw describe(value);
      return Date.parse(value) - Date.now();
    };
    if (this.jsonata) {
      if (s.Seconds !== undefined) {
        const v =
          expressionOf(s.Seconds) !== undefined
            ? await this.evalField('Seconds', s.Seconds, this.statesVar())
            : s.Seconds;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
          throw new QueryEvaluationError(
            this.site('Seconds'),
            `The Seconds field must be a non-negative integer but was: ${JSON.stringify(v)}`,
          );
        }
        return v * 1000;
      }
      const v =
        expressionOf(s.Timestamp) !== undefined
          ? await this.evalField('Timestamp', s.Timestamp, this.statesVar())
          : s.Timestamp;
      return timestampMillis(
        v,
        (bad) =>
          new QueryEvaluationError(
            this.site('Timestamp'),
            `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${String(bad)}`,
          ),
      );
    }
    if (s.Seconds !== undefined) return Number(s.Seconds) * 1000;
    if (s.Timestamp !== undefined) {
      return timestampMillis(s.Timestamp, (bad) =>
        this.runtimeError(`The Timestamp field is not a valid timestamp: ${String(bad)}`),
      );
    }
    if (s.SecondsPath !== undefined) {
      let v: unknown;
      try {
        v = evaluatePath(s.SecondsPath, this.pathScope(effective));
      } catch (e) {
        if (e instanceof PathNotFound)
          throw this.runtimeError(`The SecondsPath parameter does not reference an input value: ${s.SecondsPath}`);
        throw e;
      }
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw this.runtimeError(
          `The SecondsPath parameter cannot be parsed as a long value: ${s.SecondsPath} == ${JSON.stringify(v)}`,
        );
      }
      if (v < 0)
        throw this.runtimeError(`The SecondsPath parameter references a negative value: ${s.SecondsPath} == ${v}`);
      return v * 1000;
    }
    let v: unknown;
    try {
      v = evaluatePath(s.TimestampPath, this.pathScope(effective));
    } catch (e) {
      if (e instanceof PathNotFound)
        throw this.runtimeError(`The TimestampPath parameter does not reference an input value: ${s.TimestampPath}`);
      throw e;
    }
    return timestampMillis(v, (bad) =>
      this.runtimeError(
        `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${s.TimestampPath} == ${typeof bad === 'string' ? bad : JSON.stringify(bad)}`,
      ),
    );
  }

  // ----- Retry and Catch

  private matches(errorEquals: string[], error: string | undefined): boolean {
    const name = error ?? '';
    if (neverCaught(name)) return false;
    return errorEquals.some((candidate) => {
      if (candidate === name || candidate === StatesErrors.All) return true;
      // Developer Guide ("Error names"): in Retry and Catch, States.TaskFailed matches any known error except
      // States.Timeout.
      if (candidate === StatesErrors.TaskFailed) return name !== StatesErrors.Timeout;
      return false;
    });
  }

  private async withErrorHandling(): Promise<StepResult> {
    const retriers = (this.state.Retry ?? []) as Record<string, any>[];
    const attempts: number[] = this.resume?.attempts ? [...this.resume.attempts] : retriers.map(() => 0);
    if (this.resume?.phase === 'retry' && this.resume.deadline !== undefined) {
      const deadline = this.resume.deadline;
      this.resume = undefined;
      this.frame.onBlock();
      await sleep(deadline - Date.now(), this.frame.signal);
    }
    for (;;) {
      try {
        return await this.attempt();
      } catch (e) {
        if (e instanceof Cancelled || !(e instanceof StatesError)) throw e;
        const index = retriers.findIndex((r) => this.matches(r.ErrorEquals ?? [], e.error));
        const retrier = retriers[index];
        const used = attempts[index] ?? 0;
        if (retrier && used < (retrier.MaxAttempts ?? 3)) {
          attempts[index] = used + 1;
          const interval = retrier.IntervalSeconds ?? 1;
          let delay = interval * (retrier.BackoffRate ?? 2) ** used;
          if (retrier.MaxDelaySeconds !== undefined) delay = Math.min(delay, retrier.MaxDelaySeconds);
          if (retrier.JitterStrategy === 'FULL') delay = Math.random() * delay;
          const deadline = Date.now() + (delay * 1000) / this.env.timeScale;
          this.retryCount++;
          this.checkpoint('retry', { deadline, attempts });
          this.frame.onBlock();
          await sleep(deadline - Date.now(), this.frame.signal);
          continue;
        }
        // Map and Parallel record their failure once, when no retry follows.
        if (
          this.state.Type !== 'Task' &&
          e.error !== StatesErrors.Runtime &&
          !(e instanceof QueryEvaluationError && this.state.Type === 'Parallel')
        ) {
          this.frame.history.add(this.frame.chain, `${this.state.Type}StateFailed`);
        }
        return this.catchError(e);
      }
    }
  }

  private async catchError(e: StatesError): Promise<StepResult> {
    const catchers = (this.state.Catch ?? []) as Record<string, any>[];
    const catcher = catchers.find((c) => this.matches(c.ErrorEquals ?? [], e.error));
    if (!catcher) {
      // Recorded on AWS: a Task failing out of a Parallel branch gets TaskStateAborted after its TaskFailed,
      // beside the chain (the ParallelStateFailed that follows hangs off the TaskFailed).
      if (this.frame.parallelBranch && this.state.Type === 'Task') {
        this.frame.history.add(this.frame.chain, 'TaskStateAborted', undefined, { keepChain: true });
      }
      throw e;
    }
    // Recorded on AWS: a failure without error or cause (SendTaskFailure with neither) is caught as
    // {"Error": null, "Cause": null}; a task timeout, which carries no cause, as {"Error": "States.Timeout", "Cause": ""}.
    const timedOut = e.error === StatesErrors.Timeout || e.error === StatesErrors.HeartbeatTimeout;
    const errorOutput = { Error: e.error ?? null, Cause: e.cause ?? (timedOut ? '' : null) };
    if (this.jsonata) {
      const states = this.statesVar({ errorOutput });
      const output =
        catcher.Output === undefined ? errorOutput : await this.evalField('Output', catcher.Output, states);
      const assigned = await this.evaluateAssign(catcher.Assign, errorOutput, states);
      return this.exit(output, assigned, catcher.Next);
    }
    const assigned = this.assignJsonPath(catcher.Assign, errorOutput, { errorOutput });
    const output = this.applyResultPath(catcher.ResultPath, this.input, errorOutput);
    return this.exit(output, assigned, catcher.Next);
  }

  private attempt(): Promise<StepResult> {
    if (this.state.Type === 'Task') return this.task();
    if (this.state.Type === 'Parallel') return this.parallel();
    return this.map();
  }

  // ----- Task

  private async task(): Promise<StepResult> {
    const { service, action, pattern, historyResource, historyType } = parseResource(String(this.state.Resource));
    const resuming = this.resume?.phase === 'token' ? this.resume : undefined;
    this.resume = undefined;
    // `.sync` tasks get a token in their context too (recorded on AWS: test_sync_with_task_token passes
    // `$$.Task.Token` to the started execution); only callback tasks wait for it.
    if (pattern !== 'request') this.taskToken = resuming?.token ?? TokenRegistry.create(this.exec.executionArn);
    const effective = this.jsonata ? this.input : this.selectPath(this.state.InputPath, this.input);
    let parameters: unknown;
    if (this.jsonata) {
      parameters =
        this.state.Arguments === undefined
          ? this.input
          : await this.evalField('Arguments', this.state.Arguments, this.statesVar());
    } else {
      parameters =
        this.state.Parameters === undefined
          ? effective
          : this.payload(this.state.Parameters, this.pathScope(effective));
    }
    const timeoutSeconds = await this.numberField('TimeoutSeconds', effective);
    const heartbeatSeconds = await this.numberField('HeartbeatSeconds', effective);
    if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) {
      throw this.runtimeError(
        `Invalid path '${this.state.TimeoutSecondsPath}' : No results for path: $['${String(this.state.TimeoutSecondsPath).slice(2)}']`,
      );
    }
    const lambdaArn = service === 'function';
    const activity = service === 'activity';
    const h = this.frame.history;
    const chain = this.frame.chain;
    if (activity && !this.env.activities?.exists(action)) {
      throw this.runtimeError(`The activity ${action} does not exist.`);
    }
    if (!resuming) {
      if (activity) {
        const details: Record<string, unknown> = { ...withInput(parameters), resource: historyResource };
        if (timeoutSeconds !== undefined) details.timeoutInSeconds = timeoutSeconds;
        if (heartbeatSeconds !== undefined) details.heartbeatInSeconds = heartbeatSeconds;
        h.add(chain, 'ActivityScheduled', details);
      } else if (lambdaArn) {
        const details: Record<string, unknown> = { ...withInput(parameters), resource: historyResource };
        if (timeoutSeconds !== undefined) details.timeoutInSeconds = timeoutSeconds;
        h.add(chain, 'LambdaFunctionScheduled', details);
        h.add(chain, 'LambdaFunctionStarted');
      } else {
        const details: Record<string, unknown> = {
          resourceType: historyType,
          resource: historyResource,
          region: this.env.region,
          parameters: JSON.stringify(parameters),
        };
        if (timeoutSeconds !== undefined) details.timeoutInSeconds = timeoutSeconds;
        if (heartbeatSeconds !== undefined) details.heartbeatInSeconds = heartbeatSeconds;
        h.add(chain, 'TaskScheduled', details);
        h.add(chain, 'TaskStarted', { resourceType: historyType, resource: historyResource });
      }
    }
    const tag = { resourceType: historyType, resource: historyResource };
    // The events' family: Activity*, LambdaFunction* (bare function ARN) or Task* (the rest, which name the resource).
    const kind = activity ? 'Activity' : lambdaArn ? 'LambdaFunction' : 'Task';
    const tagged = (details: Record<string, unknown>) => (kind === 'Task' ? { ...tag, ...details } : details);
    // Callback and .sync tasks wait on others, so their timeout scales; a request-response task's timeout bounds
    // real work (a Lambda's run), which the time scale does not make faster.
    const timeoutMs =
      ((timeoutSeconds ?? (pattern === 'request' ? 60 * 60 : DEFAULT_TASK_TIMEOUT_S)) * 1000) /
      (pattern === 'request' ? 1 : this.env.timeScale);
    const deadline = resuming?.deadline ?? Date.now() + timeoutMs;
    let result: unknown;
    try {
      result = await this.invokeWithTimeouts({
        service,
        action,
        pattern,
        parameters,
        deadline,
        heartbeatMs: heartbeatSeconds === undefined ? undefined : (heartbeatSeconds * 1000) / this.env.timeScale,
        resuming,
        onSubmitted: (output) => {
          if (kind === 'Task') h.add(chain, 'TaskSubmitted', { ...tag, ...withOutput(output) });
        },
        onStarted: (workerName) => h.add(chain, 'ActivityStarted', workerName === undefined ? {} : { workerName }),
      });
    } catch (e) {
      if (!(e instanceof StatesError)) throw e;
      if (e.error === StatesErrors.Timeout || e.error === StatesErrors.HeartbeatTimeout) {
        h.add(chain, `${kind}TimedOut`, tagged({ error: e.error, ...(e.cause ? { cause: e.cause } : {}) }));
      } else {
        h.add(
          chain,
          `${kind}Failed`,
          tagged({
            ...(e.cause !== undefined ? { cause: e.cause } : {}),
            ...(e.error !== undefined ? { error: e.error } : {}),
          }),
        );
      }
      throw e;
    }
    if (tooLarge(JSON.stringify(result ?? null))) {
      const who = lambdaArn ? historyResource : historyType;
      throw new StatesError(
        StatesErrors.DataLimitExceeded,
        `The state/task '${who}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
    }
    h.add(chain, `${kind}Succeeded`, tagged(withOutput(result)));
    return this.finishWithResult(result, effective);
  }

  private async invokeWithTimeouts(opts: {
    service: string;
    action: string;
    pattern: IntegrationPattern;
    parameters: unknown;
    deadline: number;
    heartbeatMs: number | undefined;
    resuming: Checkpoint | undefined;
    onSubmitted: (output: unknown) => void;
    /** Activities: a worker took the task (its heartbeat clock starts then). */
    onStarted: (workerName: string | undefined) => void;
  }): Promise<unknown> {
    const { controller, dispose } = childController(this.frame.signal);
    let withdraw: (() => void) | undefined;
    const timeoutError = (error: string) => new StatesError(error, undefined);
    let timer: { cancel: () => void } | undefined;
    let heartbeatTimer: { cancel: () => void } | undefined;
    const token = this.taskToken;
    try {
      return await new Promise<unknown>((resolve, reject) => {
        const onAbort = (): void => reject(controller.signal.reason);
        controller.signal.addEventListener('abort', onAbort, { once: true });
        timer = longTimeout(() => {
          if (token) this.env.tokens.close(token, 'timedOut');
          reject(timeoutError(StatesErrors.Timeout));
        }, opts.deadline - Date.now());
        const armHeartbeat = (): void => {
          if (opts.heartbeatMs === undefined) return;
          heartbeatTimer?.cancel();
          heartbeatTimer = longTimeout(() => {
            if (token) this.env.tokens.close(token, 'timedOut');
            reject(timeoutError(StatesErrors.HeartbeatTimeout));
          }, opts.heartbeatMs);
        };
        // As on AWS, the token is valid from the moment the task is scheduled: the invoked resource may answer it
        // before its own invocation returns. Such an answer is held until the task is submitted.
        let submitted = false;
        let early: (() => void) | undefined;
        const settle = (answer: () => void): void => {
          if (submitted) answer();
          else early ??= answer;
        };
        const registerToken = (): void => {
          if (!token) return;
          this.env.tokens.add(token, {
            executionArn: this.exec.executionArn,
            succeed: (output) => {
              this.env.tokens.close(token, 'done');
              settle(() => resolve(output));
            },
            fail: (error, cause) => {
              this.env.tokens.close(token, 'done');
              settle(() => reject(new StatesError(error, cause)));
            },
            heartbeat: armHeartbeat,
          });
        };
        const awaitToken = (started = true): void => {
          if (!token) return;
          submitted = true;
          if (started) armHeartbeat();
          if (!early) this.checkpoint('token', { token, deadline: opts.deadline, started });
          early?.();
        };
        this.frame.onBlock();
        if (opts.service === 'activity') {
          // Queued for the activity's workers; the heartbeat clock runs from the moment one takes it.
          registerToken();
          const queue = (): void => {
            withdraw = this.env.activities?.schedule(opts.action, {
              token: token as string,
              input: opts.parameters,
              onStarted: (workerName) => {
                opts.onStarted(workerName);
                armHeartbeat();
                this.checkpoint('token', { token, deadline: opts.deadline, started: true });
              },
            });
          };
          if (!opts.resuming?.started) queue();
          awaitToken(opts.resuming?.started === true);
          return;
        }
        if (opts.resuming) {
          registerToken();
          awaitToken();
          return;
        }
        if (opts.pattern === 'token') registerToken();
        this.env.integrations
          .invoke({
            resource: String(this.state.Resource),
            service: opts.service,
            action: opts.action,
            pattern: opts.pattern,
            parameters: opts.parameters,
            executionArn: this.exec.executionArn,
            region: this.env.region,
            accountId: this.env.accountId,
            signal: controller.signal,
            onSubmitted:
              opts.pattern === 'sync' || opts.pattern === 'sync2'
                ? (output) => {
                    if (!controller.signal.aborted) opts.onSubmitted(output);
                  }
                : undefined,
          })
          .then((result) => {
            if (opts.pattern !== 'token') {
              resolve(result);
              return;
            }
            opts.onSubmitted(result);
            awaitToken();
          }, reject);
      });
    } catch (e) {
      if (e instanceof StatesError || e instanceof Cancelled) throw e;
      throw new StatesError(StatesErrors.TaskFailed, e instanceof Error ? e.message : String(e));
    } finally {
      withdraw?.();
      timer?.cancel();
      heartbeatTimer?.cancel();
      if (token && this.env.tokens.get(token)) this.env.tokens.close(token, 'done');
      controller.abort(new Cancelled('branchFailed'));
      dispose();
    }
  }

  // ----- Parallel and Map

  /** A branch's frame: fresh from the parent's variables, or (after a restart) where its checkpoint left it. */
  private childFrame(
    signal: AbortSignal,
    chainStart: number,
    onBlock: () => void,
    history: HistoryRecorder,
    save: Frame['save'],
    at: Checkpoint | undefined,
    outerVars: Record<string, unknown> = this.frame.vars,
  ): Frame {
    return {
      vars: { ...(at?.variables ?? outerVars) },
      chain: { last: at?.chainLast ?? chainStart },
      signal,
      save,
      history,
      queryLanguage: this.frame.queryLanguage,
      onBlock,
      resume: at,
    };
  }

  /** The fanout a restart left for this state, if any; consumed, so a retry of the state starts a fresh one. */
  private takeFanout(): Fanout | undefined {
    const resumed = this.resume?.fanout;
    this.resume = undefined;
    return resumed;
  }

  /** What a branch's frame calls on each checkpoint: record it in the fanout, then journal the fanout. */
  private branchSaver(fanout: Fanout, index: number, startId: number): Frame['save'] {
    if (!this.frame.save) return undefined;
    return (at) => {
      fanout.branches[index] = { status: 'running', startId, at };
      this.checkpoint('enter', { fanout });
    };
  }

  /** Records a branch's end in the fanout and journals it. */
  private settleBranch(fanout: Fanout, index: number, progress: BranchProgress): void {
    fanout.branches[index] = progress;
    if (this.frame.save) this.checkpoint('enter', { fanout });
  }

  /**
   * Runs branches one after another until one waits on something external, then starts the next: pure
   * branches keep AWS's sequential event order, waiting ones still overlap.
   */
  private async schedule(
    count: number,
    maxConcurrency: number,
    signal: AbortSignal,
    runOne: (index: number, onBlock: () => void) => Promise<void>,
  ): Promise<void> {
    const running = new Set<Promise<void>>();
    let blockedOnce = false;
    for (let i = 0; i < count; i++) {
      if (signal.aborted) break;
      while (maxConcurrency > 0 && running.size >= maxConcurrency) await Promise.race(running);
      // A branch that failed while this one waited for a slot ends the state: start nothing more.
      if (signal.aborted) break;
      let signalBlocked!: () => void;
      const blocked = new Promise<void>((resolve) => {
        signalBlocked = resolve;
      });
      const p: Promise<void> = runOne(i, () => {
        signalBlocked();
        if (!blockedOnce) {
          blockedOnce = true;
          this.frame.onBlock();
        }
      }).finally(() => running.delete(p));
      running.add(p);
      await Promise.race([p, blocked]);
    }
    await Promise.all(running);
  }

  private async parallel(): Promise<StepResult> {
    const branches = (this.state.Branches ?? []) as Definition[];
    const effective = this.jsonata ? this.input : this.selectPath(this.state.InputPath, this.input);
    const branchInput = this.jsonata
      ? this.state.Arguments === undefined
        ? this.input
        : await this.evalField('Arguments', this.state.Arguments, this.statesVar())
      : this.state.Parameters === undefined
        ? effective
        : this.payload(this.state.Parameters, this.pathScope(effective));
    const h = this.frame.history;
    const resumed = this.takeFanout();
    const fanout: Fanout = resumed ?? {
      startedId: h.add(this.frame.chain, 'ParallelStateStarted'),
      lastTail: 0,
      lastEndId: 0,
      branches: {},
    };
    const startedId = fanout.startedId;
    if (!resumed && this.frame.save) this.checkpoint('enter', { fanout });
    const { controller, dispose } = childController(this.frame.signal);
    const results: unknown[] = new Array(branches.length);
    const tails: number[] = new Array(branches.length).fill(startedId);
    let failure: StatesError | undefined;
    let failedTail = startedId;
    try {
      await this.schedule(branches.length, 0, controller.signal, async (i, onBlock) => {
        const progress = fanout.branches[i];
        if (progress?.status === 'done') {
          results[i] = progress.output;
          tails[i] = progress.tail;
          return;
        }
        const at = progress?.status === 'running' ? progress.at : undefined;
        const save = this.branchSaver(fanout, i, startedId);
        const frame = { ...this.childFrame(controller.signal, startedId, onBlock, h, save, at), parallelBranch: true };
        const def = branches[i] as Definition;
        try {
          results[i] = await this.exec.runBranch(
            def,
            at ? at.input : branchInput,
            { ...frame, queryLanguage: def.QueryLanguage ?? frame.queryLanguage },
            at?.state,
          );
          this.settleBranch(fanout, i, { status: 'done', output: results[i], tail: frame.chain.last });
        } catch (e) {
          if (!failure && e instanceof StatesError) {
            failure = e;
            failedTail = frame.chain.last;
            controller.abort(new Cancelled('branchFailed'));
          } else if (!failure && !(e instanceof Cancelled)) throw e;
          if (e instanceof Cancelled && !failure) throw e;
        } finally {
          tails[i] = frame.chain.last;
        }
      });
    } finally {
      dispose();
    }
    if (this.frame.signal.aborted) throw this.frame.signal.reason;
    if (failure) {
      this.frame.chain.last = failedTail;
      throw failure;
    }
    const last = Math.max(...tails, startedId);
    this.frame.chain.last = last;
    h.add(this.frame.chain, 'ParallelStateSucceeded', undefined, { keepChain: true });
    return this.finishWithResult(results, effective);
  }

  private async map(): Promise<StepResult> {
    try {
      return await this.mapBody();
    } catch (e) {
      // The Map's own evaluation failures are recorded before the MapStateFailed that follows them.
      if (e instanceof QueryEvaluationError) {
        this.exec.reportEvaluationFailure(e, this.frame.chain, this.frame.history, this.enteredPrev);
      }
      throw e;
    }
  }

  /** MaxConcurrency / ToleratedFailure* and their Path forms, validated with AWS's messages. */
  private async mapLimit(field: string, data: unknown, kind: 'integer' | 'float'): Promise<number | undefined> {
    const path = this.state[`${field}Path`];
    if (!this.jsonata && typeof path === 'string') {
      const raw = this.selectPath(path, data);
      // Numeric strings are accepted, as recorded on AWS.
      const v = typeof raw === 'string' && raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
      if (typeof v !== 'number' || (kind === 'integer' && !Number.isInteger(v))) {
        const shown = typeof raw === 'string' ? raw : JSON.stringify(raw);
        throw this.runtimeError(
          `The ${field}Path field refers to value "${shown}" which is not a valid ${kind}: ${path}`,
        );
      }
      return v;
    }
    return this.numberField(field, data);
  }

  private async mapBody(): Promise<StepResult> {
    const s = this.state;
    const processor = (s.ItemProcessor ?? s.Iterator) as Definition;
    const distributed = processor.ProcessorConfig?.Mode === 'DISTRIBUTED';
    const resumed = this.takeFanout();
    const effective = this.jsonata ? this.input : this.selectPath(s.InputPath, this.input);
    let items: unknown;
    if (this.jsonata) {
      if (s.Items === undefined) items = this.input;
      else {
        const text = expressionOf(s.Items);
        items = await this.evalField('Items', s.Items, this.statesVar());
        if (!Array.isArray(items)) {
          throw new QueryEvaluationError(
            this.site('Items'),
            `The JSONata expression '${text ?? JSON.stringify(s.Items)}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${typeOfJson(items)}' for value: ${JSON.stringify(items)}`,
          );
        }
      }
      if (!Array.isArray(items)) {
        // No Items field to blame: AWS's EvaluationFailed then carries no location.
        throw new QueryEvaluationError(
          { ...this.site('Items'), field: undefined },
          `Map state input must be an array but was: ${JSON.stringify(items)}`,
        );
      }
    } else {
      items = s.ItemsPath === undefined ? effective : this.selectPath(s.ItemsPath, effective);
      if (!Array.isArray(items)) {
        throw this.runtimeError(`Map state input must be an array but was: ${JSON.stringify(items)}`);
      }
    }
    const list = items as unknown[];
    const h = this.frame.history;
    const chain = this.frame.chain;
    const maxConcurrency = (await this.mapLimit('MaxConcurrency', effective, 'integer')) ?? 0;
    if (!resumed) h.add(chain, 'MapStateStarted', { length: list.length });
    const toleratedCount = await this.mapLimit('ToleratedFailureCount', effective, 'integer');
    const toleratedPercentage = await this.mapLimit('ToleratedFailurePercentage', effective, 'float');
    if (toleratedCount !== undefined && toleratedCount < 0)
      throw this.runtimeError('ToleratedFailureCount cannot be negative.');
    if (toleratedPercentage !== undefined && (toleratedPercentage < 0 || toleratedPercentage > 100)) {
      throw this.runtimeError('ToleratedFailurePercentage must be between 0 and 100.');
    }
    if (distributed && !resumed) {
      h.add(chain, 'MapRunStarted', {
        mapRunArn: `${this.exec.init.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${s.Label ?? this.name}:${randomUUID()}`,
      });
    }
    const fanout: Fanout = resumed ?? {
      startedId: chain.last,
      lastTail: chain.last,
      lastEndId: chain.last,
      branches: {},
    };
    if (!resumed && this.frame.save) this.checkpoint('enter', { fanout });
    const selector = s.ItemSelector ?? s.Parameters;
    const { controller, dispose } = childController(this.frame.signal);
    const results: unknown[] = new Array(list.length);
    let failures = 0;
    let failure: StatesError | undefined;
    // Developer Guide ("Setting failure thresholds for Distributed Map states"): the Map fails once the failed items
    // exceed a threshold that is set; with none set, any failed item fails it.
    const threshold = (): boolean => {
      if (toleratedCount === undefined && toleratedPercentage === undefined) return failures > 0;
      if (toleratedCount !== undefined && failures > toleratedCount) return true;
      return toleratedPercentage !== undefined && (failures * 100) / Math.max(1, list.length) > toleratedPercentage;
    };
    /** An inline iteration's end event; the next iteration starts after this iteration's last event. */
    const endIteration = (type: 'MapIterationSucceeded' | 'MapIterationFailed', index: number, tail: Chain): void => {
      fanout.lastEndId = h.add(tail, type, { index, name: this.name }, { keepChain: true });
      fanout.lastTail = tail.last;
    };
    try {
      await this.schedule(list.length, maxConcurrency, controller.signal, async (index, onBlock) => {
        const progress = fanout.branches[index];
        if (progress?.status === 'done') {
          results[index] = progress.output;
          return;
        }
        if (progress?.status === 'failed') {
          failures++;
          results[index] = { Error: progress.error, Cause: progress.cause };
          return;
        }
        const at = progress?.status === 'running' ? progress.at : undefined;
        const item = list[index];
        const mapContext = { Map: { Item: { Index: index, Value: item } } };
        let itemInput: unknown = item;
        if (selector !== undefined && !at) {
          itemInput = this.jsonata
            ? await this.evalField('ItemSelector', selector, this.statesVar({}, mapContext))
            : this.payload(selector, this.pathScope(effective, undefined, mapContext));
        }
        const childHistory = distributed ? new HistoryRecorder(false) : h;
        const startId =
          progress?.status === 'running'
            ? progress.startId
            : distributed
              ? 0
              : h.add(
                  { last: fanout.lastTail },
                  'MapIterationStarted',
                  { index, name: this.name },
                  { keepChain: true },
                );
        const save = this.branchSaver(fanout, index, startId);
        // Developer Guide ("Passing data between states with variables"): a Distributed Map's child workflows
        // cannot reference the outer variables; inline iterations and Parallel branches can read them.
        const frame = this.childFrame(
          controller.signal,
          startId,
          onBlock,
          childHistory,
          save,
          at,
          distributed ? {} : undefined,
        );
        // Started before its first state checkpoints: a restart in between starts it again from its MapIterationStarted.
        if (!progress) fanout.branches[index] = { status: 'running', startId };
        try {
          results[index] = await this.exec.runBranch(
            processor,
            at ? at.input : itemInput,
            { ...frame, queryLanguage: processor.QueryLanguage ?? frame.queryLanguage },
            at?.state,
          );
          if (!distributed) endIteration('MapIterationSucceeded', index, frame.chain);
          this.settleBranch(fanout, index, { status: 'done', output: results[index], tail: frame.chain.last });
        } catch (e) {
          if (!(e instanceof StatesError)) {
            if (e instanceof Cancelled && failure && !distributed) {
              h.add(frame.chain, 'MapIterationAborted', { index, name: this.name }, { keepChain: true });
              return;
            }
            throw e;
          }
          failures++;
          results[index] = { Error: e.error, Cause: e.cause };
          if (!distributed) endIteration('MapIterationFailed', index, frame.chain);
          this.settleBranch(fanout, index, {
            status: 'failed',
            error: e.error,
            cause: e.cause,
            tail: frame.chain.last,
          });
          if (!failure && threshold()) {
            failure = distributed
              ? new StatesError(
                  StatesErrors.ExceedToleratedFailureThreshold,
                  'The specified tolerated failure threshold was exceeded',
                )
              : e;
            if (!distributed) chain.last = frame.chain.last;
            controller.abort(new Cancelled('branchFailed'));
          }
        }
      });
    } finally {
      dispose();
    }
    if (this.frame.signal.aborted) throw this.frame.signal.reason;
    if (failure) {
      if (distributed) {
        h.add(chain, 'MapRunFailed', { error: failure.error, cause: failure.cause });
      }
      throw failure;
    }
    if (distributed) {
      // AWS is not consistent about what a distributed Map's MapStateExited follows. In the recordings
      // (../shared/conformance) it follows MapRunSucceeded in 31 of 33 runs where the Map is the first state,
      // and MapRunStarted in 14 of 19 runs where a state came before it; this keeps the majority of each.
      const runDone = h.add(chain, 'MapRunSucceeded', undefined, { keepChain: true });
      h.add({ last: runDone }, 'MapStateSucceeded', undefined, { keepChain: true });
      if (this.enteredPrev === 0) chain.last = runDone;
      return this.finishWithResult(results, effective);
    }
    if (list.length > 0) chain.last = fanout.lastEndId;
    h.add(chain, 'MapStateSucceeded', undefined, { keepChain: true });
    return this.finishWithResult(results, effective);
  }
}
