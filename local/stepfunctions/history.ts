/**
 * Execution history in the `GetExecutionHistory` format: each event has an id, the id of the event it
 * follows (`previousEventId`), a type and one `<type>EventDetails` object. Inputs and outputs are JSON text.
 */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  /** Epoch milliseconds; the wire format turns it into epoch seconds. */
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

/** Where the next event of a branch (the execution, a Parallel branch, a Map iteration) attaches. */
export interface Chain {
  last: number;
}

/** Receives every event as it is recorded (persistence, logs). */
export type HistorySink = (event: HistoryEvent) => void;

/** The details key AWS uses for an event type: `TaskStateEntered` -> `stateEnteredEventDetails`. */
const keys = new Map<string, string>();
export const detailsKey = (type: string): string => {
  let key = keys.get(type);
  if (key === undefined) {
    if (type.endsWith('StateEntered')) key = 'stateEnteredEventDetails';
    else if (type.endsWith('StateExited')) key = 'stateExitedEventDetails';
    else key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
    keys.set(type, key);
  }
  return key;
};

interface AddOptions {
  readonly prev?: number;
  readonly keepChain?: boolean;
}
const NO_OPTIONS: AddOptions = {};

/** Appends events with consecutive ids; a disabled recorder (distributed Map children, Express) only counts. */
export class HistoryRecorder {
  private nextId: number;

  /** `events` is used in place (the service hands in the stored history so it is kept once in memory). */
  constructor(
    private readonly enabled: boolean,
    private readonly sink?: HistorySink,
    readonly events: HistoryEvent[] = [],
  ) {
    this.nextId = events.length + 1;
  }

  /**
   * Records one event after `chain.last` and moves the chain to it unless `keepChain` is set (AWS leaves the
   * chain where it was for some bookkeeping events, e.g. a Map iteration's end).
   */
  add(chain: Chain, type: string, details?: Record<string, unknown>, options: AddOptions = NO_OPTIONS): number {
    const id = this.nextId++;
    if (!this.enabled) {
      if (!options.keepChain) chain.last = id;
      return id;
    }
    const event: Record<string, unknown> = {
      id,
      previousEventId: options.prev ?? chain.last,
      timestamp: Date.now(),
      type,
    };
    if (details) event[detailsKey(type)] = details;
    this.events.push(event as unknown as HistoryEvent);
    this.sink?.(event as unknown as HistoryEvent);
    if (!options.keepChain) chain.last = id;
    return id;
  }
}

/**
 * The `inputDetails` / `outputDetails` of every event (nothing is ever truncated locally): one frozen object
 * shared by all events rather than one per event.
 */
export const NOT_TRUNCATED: Readonly<{ truncated: false }> = Object.freeze({ truncated: false });

/** `{input, inputDetails}` as the entered events write it. */
export const withInput = (input: unknown): Record<string, unknown> => ({
  input: JSON.stringify(input),
  inputDetails: NOT_TRUNCATED,
});

/** `{output, outputDetails}` as the exited and succeeded events write it. */
export const withOutput = (output: unknown): Record<string, unknown> => ({
  output: JSON.stringify(output),
  outputDetails: NOT_TRUNCATED,
});
