import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

/** What a function's handler answered: a JSON payload, or Lambda's error shape. */
export interface WorkerResult {
  readonly payload?: string;
  readonly error?: { errorType: string; errorMessage: string; trace?: string[] };
  /** Lines the handler wrote during this invocation, in order. */
  readonly logs: string[];
  readonly durationMs: number;
  /** Init duration when this invocation paid a cold start. */
  readonly initMs?: number;
  readonly maxMemoryMb?: number;
  readonly timedOut?: boolean;
}

export interface InvokeRequest {
  readonly requestId: string;
  readonly payload: string;
  readonly invokedFunctionArn: string;
  readonly timeoutMs: number;
  readonly clientContext?: unknown;
}

interface WorkerOptions {
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly memoryMb: number;
}

const runtimePath = path.join(__dirname, 'runtime.cjs');
/** Lambda gives the init phase (module load) at most 10 seconds. */
const initLimitMs = 10_000;

type Message =
  | { type: 'ready'; initMs: number }
  | { type: 'init-error'; error: { errorType: string; errorMessage: string; trace?: string[] } }
  | { type: 'log'; text: string }
  | {
      type: 'result';
      id: string;
      payload?: string;
      error?: { errorType: string; errorMessage: string; trace?: string[] };
      rss: number;
    };

/**
 * One execution environment: a child process running the handler. A child process (rather than a worker
 * thread) gives each function its own `process.env`, heap limit and module cache, and can be killed outright
 * when an invocation overruns its timeout, as Lambda freezes and discards the sandbox.
 */
export class FunctionWorker {
  private readonly child: ChildProcess;
  private readonly ready: Promise<{ initMs: number } | { error: NonNullable<WorkerResult['error']> }>;
  private pending: { id: string; logs: string[]; resolve: (result: Message & { type: 'result' }) => void } | undefined;
  private initLogs: string[] = [];
  private exited = false;
  private initReported = false;
  /** When it last finished an invocation (for reaping idle environments). */
  lastUsed = Date.now();

  constructor(options: WorkerOptions) {
    this.child = fork(runtimePath, [], {
      env: options.env,
      cwd: options.cwd,
      execArgv: [`--max-old-space-size=${Math.max(64, options.memoryMb)}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    // A send to a process that just died reports here; the exit handler answers the pending invocation.
    this.child.on('error', () => undefined);
    const capture = (chunk: Buffer) => this.appendLog(chunk.toString('utf8'));
    this.child.stdout?.on('data', capture);
    this.child.stderr?.on('data', capture);
    this.ready = new Promise((resolve) => {
      this.child.on('message', (message: Message) => {
        if (message.type === 'ready') resolve({ initMs: message.initMs });
        else if (message.type === 'init-error') resolve({ error: message.error });
        else if (message.type === 'log') this.appendLog(message.text);
        else if (message.type === 'result' && this.pending?.id === message.id) {
          const pending = this.pending;
          this.pending = undefined;
          pending.resolve(message);
        }
      });
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        resolve({
          error: {
            errorType: 'Runtime.ExitError',
            errorMessage: `Runtime exited with error: ${signal ?? `exit status ${code}`}`,
          },
        });
        const pending = this.pending;
        this.pending = undefined;
        pending?.resolve({
          type: 'result',
          id: pending.id,
          rss: 0,
          error: {
            errorType: 'Runtime.ExitError',
            errorMessage: `RequestId: ${pending.id} Error: Runtime exited with error: ${signal ?? `exit status ${code}`}`,
          },
        });
      });
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  private appendLog(text: string): void {
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    (this.pending?.logs ?? this.initLogs).push(...lines);
  }

  /** Run one invocation; kills the process when the timeout passes. */
  async invoke(request: InvokeRequest): Promise<WorkerResult> {
    const started = performance.now();
    let initTimer: NodeJS.Timeout | undefined;
    const init = await Promise.race([
      this.ready,
      new Promise<{ error: NonNullable<WorkerResult['error']> }>((resolve) => {
        initTimer = setTimeout(
          () =>
            resolve({
              error: {
                errorType: 'Sandbox.Timedout',
                errorMessage: `RequestId: ${request.requestId} Error: Task timed out during initialization after ${(initLimitMs / 1000).toFixed(2)} seconds`,
              },
            }),
          initLimitMs,
        );
      }),
    ]);
    clearTimeout(initTimer);
    const logs = this.initLogs;
    this.initLogs = [];
    if ('error' in init) {
      this.kill();
      return { error: init.error, logs, durationMs: performance.now() - started };
    }
    const initMs = this.initReported ? undefined : init.initMs;
    this.initReported = true;
    const invokeStarted = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await new Promise<(Message & { type: 'result' }) | 'timeout'>((resolve) => {
      this.pending = { id: request.requestId, logs, resolve };
      timer = setTimeout(() => resolve('timeout'), request.timeoutMs);
      this.child.send({
        type: 'invoke',
        requestId: request.requestId,
        payload: request.payload,
        invokedFunctionArn: request.invokedFunctionArn,
        deadlineMs: Date.now() + request.timeoutMs,
        clientContext: request.clientContext,
      });
    });
    clearTimeout(timer);
    const durationMs = performance.now() - invokeStarted;
    this.lastUsed = Date.now();
    if (outcome === 'timeout') {
      this.pending = undefined;
      this.kill();
      const seconds = (request.timeoutMs / 1000).toFixed(2);
      logs.push(`${new Date().toISOString()} ${request.requestId} Task timed out after ${seconds} seconds`);
      return {
        error: {
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${request.requestId} Error: Task timed out after ${seconds} seconds`,
        },
        logs,
        durationMs,
        initMs,
        timedOut: true,
      };
    }
    if (outcome.error?.errorType.startsWith('Runtime.')) this.kill();
    return {
      payload: outcome.payload,
      error: outcome.error,
      logs,
      durationMs,
      initMs,
      maxMemoryMb: outcome.rss ? Math.ceil(outcome.rss / 1048576) : undefined,
    };
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
    this.exited = true;
  }
}
