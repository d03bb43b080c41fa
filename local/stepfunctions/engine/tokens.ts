import { randomBytes } from 'node:crypto';

/** What a waiting `.waitForTaskToken` task does when the token is answered. */
export interface TokenWaiter {
  readonly executionArn: string;
  succeed(output: unknown): void;
  fail(error: string | undefined, cause: string | undefined): void;
  heartbeat(): void;
}

/** Why a token no longer accepts answers (SendTaskSuccess then answers TaskTimedOut or TaskDoesNotExist). */
export type ClosedReason = 'timedOut' | 'done';

const PREFIX = 'AQ';

/**
 * The tokens of all executions of one engine. A token names its execution inside (base64url), so a
 * token that does not decode is `InvalidToken` while a well-formed but unknown one is `TaskDoesNotExist`.
 */
export class TokenRegistry {
  private readonly waiters = new Map<string, TokenWaiter>();
  private readonly closed = new Map<string, ClosedReason>();

  /** A new token for a task of the execution. */
  static create(executionArn: string): string {
    return `${PREFIX}${Buffer.from(`${executionArn}#${randomBytes(12).toString('hex')}`).toString('base64url')}`;
  }

  /** The execution ARN inside a token, or undefined when the token is not one of ours. */
  static executionOf(token: string): string | undefined {
    if (!token.startsWith(PREFIX) || token.length > 1024) return undefined;
    const decoded = Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8');
    const hash = decoded.lastIndexOf('#');
    return decoded.startsWith('arn:') && hash > 0 ? decoded.slice(0, hash) : undefined;
  }

  add(token: string, waiter: TokenWaiter): void {
    const reserved = this.waiters.get(token) as (TokenWaiter & { replay?: ((w: TokenWaiter) => void)[] }) | undefined;
    this.waiters.set(token, waiter);
    for (const answer of reserved?.replay ?? []) answer(waiter);
  }

  /**
   * Holds a token of a restored execution before its task is waiting again, so an answer that arrives in
   * between is kept and handed over when the task re-registers.
   */
  reserve(token: string, executionArn: string): void {
    const replay: ((w: TokenWaiter) => void)[] = [];
    const placeholder: TokenWaiter & { replay: typeof replay } = {
      executionArn,
      replay,
      succeed: (output) => replay.push((w) => w.succeed(output)),
      fail: (error, cause) => replay.push((w) => w.fail(error, cause)),
      heartbeat: () => replay.push((w) => w.heartbeat()),
    };
    this.waiters.set(token, placeholder);
  }

  get(token: string): TokenWaiter | undefined {
    return this.waiters.get(token);
  }

  close(token: string, reason: ClosedReason): void {
    this.waiters.delete(token);
    this.closed.set(token, reason);
    // Only recent closures matter for the error code; keep the map bounded.
    if (this.closed.size > 50_000) {
      const first = this.closed.keys().next().value;
      if (first !== undefined) this.closed.delete(first);
    }
  }

  closedReason(token: string): ClosedReason | undefined {
    return this.closed.get(token);
  }

  /** Tokens still waiting (durability writes them with the execution). */
  get size(): number {
    return this.waiters.size;
  }
}
