import { AwsError } from '../core/errors.ts';
import { FunctionWorker, type InvokeRequest, type WorkerResult } from './worker.ts';

export interface PoolOptions {
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly memoryMb: number;
  /** ReservedConcurrentExecutions, when the template sets it. */
  readonly reserved: number | undefined;
  /** Cap on live environments for functions without a reservation (each one is a node process). */
  readonly unreservedCap: number;
  /** Idle environments are discarded after this long. */
  readonly idleMs: number;
}

const throttled = (): AwsError => {
  const error = new AwsError('TooManyRequestsException', 'Rate Exceeded.', 429);
  error.fields = { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' };
  return error;
};

/** Whether an invocation may wait for a free environment (queues, pollers) or is throttled at once (sync). */
export type Admission = 'throttle' | 'wait';

/**
 * The execution environments of one function: warm ones are reused, new ones pay a cold start, and the
 * reserved concurrency bounds how many run at once (beyond it a synchronous invoke is throttled, as Lambda
 * answers 429; event queues and pollers wait for a slot instead, as Lambda's internal queue does).
 */
export class FunctionPool {
  private readonly idle: FunctionWorker[] = [];
  private readonly waiters: Array<() => void> = [];
  private inFlight = 0;
  private closed = false;
  private readonly reaper: NodeJS.Timeout;

  constructor(private readonly options: PoolOptions) {
    this.reaper = setInterval(() => this.reap(), Math.max(1000, options.idleMs / 4));
    this.reaper.unref();
  }

  /** Invocations running now (the ConcurrentExecutions metric). */
  get concurrent(): number {
    return this.inFlight;
  }

  private get limit(): number {
    return this.options.reserved ?? this.options.unreservedCap;
  }

  private async admit(admission: Admission): Promise<void> {
    if (this.inFlight < this.limit) {
      this.inFlight++;
      return;
    }
    if (admission === 'throttle' && this.options.reserved !== undefined) {
      throw throttled();
    }
    if (this.limit <= 0) {
      throw throttled();
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    this.waiters.shift()?.();
  }

  async invoke(request: InvokeRequest, admission: Admission): Promise<WorkerResult> {
    await this.admit(admission);
    try {
      let worker = this.idle.pop();
      while (worker && !worker.alive) worker = this.idle.pop();
      const environment = worker ?? new FunctionWorker(this.options);
      const result = await environment.invoke(request);
      if (environment.alive && !this.closed) this.idle.push(environment);
      else environment.kill();
      return result;
    } finally {
      this.release();
    }
  }

  private reap(): void {
    const cutoff = Date.now() - this.options.idleMs;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const worker = this.idle[i];
      if (worker && worker.lastUsed < cutoff) {
        worker.kill();
        this.idle.splice(i, 1);
      }
    }
  }

  /** Discard every environment (the next invocation is a cold start). */
  close(): void {
    this.closed = true;
    clearInterval(this.reaper);
    for (const worker of this.idle.splice(0)) worker.kill();
  }
}
