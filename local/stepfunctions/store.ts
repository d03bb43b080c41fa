import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Checkpoint, ExecutionStatus } from './engine/execution';
import type { HistoryEvent } from './history';

/** A state machine as the API describes it. */
export interface MachineRecord {
  readonly stateMachineArn: string;
  readonly name: string;
  definition: string;
  roleArn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly creationDate: number;
  updateDate?: number;
  loggingConfiguration: Record<string, unknown>;
  tracingConfiguration: Record<string, unknown>;
}

/** An activity (CreateActivity or `AWS::StepFunctions::Activity`). */
export interface ActivityRecord {
  readonly activityArn: string;
  readonly name: string;
  readonly creationDate: number;
}

/** A Standard execution: its description, its history and where to resume it. */
export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: number;
  /** The definition it started with (an update of the machine does not change running executions). */
  readonly definition: string;
  readonly roleArn: string;
  status: ExecutionStatus;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  readonly history: HistoryEvent[];
  checkpoint?: Checkpoint;
}

type JournalEntry =
  | { k: 'm'; v: MachineRecord }
  | { k: 'md'; a: string }
  | { k: 'a'; v: ActivityRecord }
  | { k: 'ad'; a: string }
  | { k: 'x'; v: Omit<ExecutionRecord, 'history' | 'checkpoint'> }
  | { k: 'e'; a: string; v: HistoryEvent }
  | { k: 'c'; a: string; v: Checkpoint | null };

/**
 * In-memory state of the service, optionally journaled to `<dataDir>/stepfunctions/journal.jsonl`: one
 * JSON line per change (machine, execution status, history event, checkpoint), appended in batches on the
 * next tick. Loading replays the journal; `compact()` rewrites it from memory. An append log keeps the cost
 * per state transition to one buffered line instead of rewriting a file per execution.
 */
export class StepFunctionsStore {
  readonly machines = new Map<string, MachineRecord>();
  readonly executions = new Map<string, ExecutionRecord>();
  readonly activities = new Map<string, ActivityRecord>();
  private readonly file: string | undefined;
  private buffer: string[] = [];
  private readonly dirtyCheckpoints = new Set<ExecutionRecord>();
  private flushScheduled = false;
  private closed = false;

  constructor(dataDir: string | undefined) {
    if (dataDir) {
      const dir = join(dataDir, 'stepfunctions');
      mkdirSync(dir, { recursive: true });
      this.file = join(dir, 'journal.jsonl');
      this.load();
    }
  }

  private load(): void {
    if (!this.file || !existsSync(this.file)) return;
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line) continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        // A torn last line after a crash: everything before it is intact.
        continue;
      }
      this.apply(entry);
    }
  }

  private apply(entry: JournalEntry): void {
    switch (entry.k) {
      case 'm':
        this.machines.set(entry.v.stateMachineArn, entry.v);
        break;
      case 'md':
        this.machines.delete(entry.a);
        break;
      case 'a':
        this.activities.set(entry.v.activityArn, entry.v);
        break;
      case 'ad':
        this.activities.delete(entry.a);
        break;
      case 'x': {
        const existing = this.executions.get(entry.v.executionArn);
        if (existing) Object.assign(existing, entry.v);
        else this.executions.set(entry.v.executionArn, { ...entry.v, history: [] });
        break;
      }
      case 'e':
        this.executions.get(entry.a)?.history.push(entry.v);
        break;
      case 'c': {
        const x = this.executions.get(entry.a);
        if (x) x.checkpoint = entry.v ?? undefined;
        break;
      }
    }
  }

  private write(entry: JournalEntry): void {
    if (!this.file || this.closed) return;
    this.buffer.push(JSON.stringify(entry));
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes buffered journal lines now (also called on stop). */
  flush(): void {
    this.flushScheduled = false;
    if (!this.file || this.closed) return;
    // Only an execution's latest checkpoint matters: it is serialised once per flush, after the events it
    // follows, however often the engine moved it (a Map's branches move it at every state).
    for (const record of this.dirtyCheckpoints) {
      this.buffer.push(JSON.stringify({ k: 'c', a: record.executionArn, v: record.checkpoint ?? null }));
    }
    this.dirtyCheckpoints.clear();
    if (this.buffer.length === 0) return;
    const text = `${this.buffer.join('\n')}\n`;
    this.buffer = [];
    appendFileSync(this.file, text);
  }

  /** Flushes and stops journaling (a stopped service must not write behind the next process's back). */
  close(): void {
    this.flush();
    this.closed = true;
  }

  /** Rewrites the journal with only the current state (drops superseded checkpoints and statuses). */
  compact(): void {
    if (!this.file) return;
    this.flush();
    const lines: string[] = [];
    for (const m of this.machines.values()) lines.push(JSON.stringify({ k: 'm', v: m }));
    for (const a of this.activities.values()) lines.push(JSON.stringify({ k: 'a', v: a }));
    for (const x of this.executions.values()) {
      const { history, checkpoint, ...record } = x;
      lines.push(JSON.stringify({ k: 'x', v: record }));
      for (const e of history) lines.push(JSON.stringify({ k: 'e', a: x.executionArn, v: e }));
      if (checkpoint && x.status === 'RUNNING')
        lines.push(JSON.stringify({ k: 'c', a: x.executionArn, v: checkpoint }));
    }
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, lines.length ? `${lines.join('\n')}\n` : '');
    renameSync(tmp, this.file);
  }

  putMachine(machine: MachineRecord): void {
    this.machines.set(machine.stateMachineArn, machine);
    this.write({ k: 'm', v: machine });
  }

  deleteMachine(arn: string): void {
    this.machines.delete(arn);
    this.write({ k: 'md', a: arn });
  }

  putActivity(activity: ActivityRecord): void {
    this.activities.set(activity.activityArn, activity);
    this.write({ k: 'a', v: activity });
  }

  deleteActivity(arn: string): void {
    this.activities.delete(arn);
    this.write({ k: 'ad', a: arn });
  }

  putExecution(record: ExecutionRecord): void {
    this.executions.set(record.executionArn, record);
    this.saveExecution(record);
  }

  /** Journals the execution's description fields after a change of status. */
  saveExecution(record: ExecutionRecord): void {
    const { history, checkpoint, ...rest } = record;
    this.write({ k: 'x', v: rest });
  }

  /** Journals an event the engine has already appended to `record.history`. */
  journalEvent(record: ExecutionRecord, event: HistoryEvent): void {
    this.write({ k: 'e', a: record.executionArn, v: event });
  }

  setCheckpoint(record: ExecutionRecord, checkpoint: Checkpoint | undefined): void {
    record.checkpoint = checkpoint;
    if (!this.file || this.closed) return;
    this.dirtyCheckpoints.add(record);
    this.scheduleFlush();
  }
}
