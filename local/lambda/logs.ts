/** One line a function wrote, with the invocation it belongs to. */
export interface FunctionLogLine {
  readonly at: number; // epoch ms
  readonly requestId: string;
  readonly message: string;
}

/**
 * A bounded log per function: the newest lines win, so a chatty function cannot grow memory without limit.
 * This is what a console shows instead of a CloudWatch log group.
 */
export class FunctionLogs {
  private readonly lines = new Map<string, FunctionLogLine[]>();

  constructor(private readonly maxLinesPerFunction = 2000) {}

  append(functionName: string, requestId: string, messages: readonly string[]): void {
    let log = this.lines.get(functionName);
    if (!log) {
      log = [];
      this.lines.set(functionName, log);
    }
    const at = Date.now();
    for (const message of messages) log.push({ at, requestId, message });
    if (log.length > this.maxLinesPerFunction) log.splice(0, log.length - this.maxLinesPerFunction);
  }

  /** The newest lines of a function, oldest first; `requestId` narrows to one invocation. */
  read(functionName: string, options: { limit?: number; requestId?: string; since?: number } = {}): FunctionLogLine[] {
    let log = this.lines.get(functionName) ?? [];
    if (options.requestId) log = log.filter((line) => line.requestId === options.requestId);
    if (options.since !== undefined) {
      const since = options.since;
      log = log.filter((line) => line.at >= since);
    }
    return log.slice(-(options.limit ?? 200));
  }
}

/** Lambda's `X-Amz-Log-Result`: the last 4 KB of the invocation's log, base64. */
export const logTail = (lines: readonly string[]): string => {
  const text = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
  return text.subarray(Math.max(0, text.length - 4096)).toString('base64');
};
