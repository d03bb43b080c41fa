/** Raised into pending waits when a branch or the execution is cancelled; `reason` says why. */
export class Cancelled extends Error {
  override readonly name = 'Cancelled';
  constructor(readonly reason: 'stopped' | 'timedOut' | 'branchFailed' | 'shutdown') {
    super(reason);
  }
}

/** Resolves after `ms` (already scaled), rejects with the signal's reason when it aborts first. */
export const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal.reason);
    };
    const timer = longTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** An AbortController that also aborts when its parent signal does (branch under execution). */
export const childController = (parent: AbortSignal): { controller: AbortController; dispose: () => void } => {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, dispose: () => {} };
  }
  const onAbort = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
};

const MAX_TIMER = 2_147_483_647;

/** setTimeout for any delay: Node fires longer delays after 1 ms, so long ones are chained. */
export const longTimeout = (fn: () => void, ms: number): { cancel: () => void } => {
  let timer: NodeJS.Timeout;
  const arm = (remaining: number): void => {
    timer = setTimeout(
      () => (remaining > MAX_TIMER ? arm(remaining - MAX_TIMER) : fn()),
      Math.max(0, Math.min(remaining, MAX_TIMER)),
    );
  };
  arm(ms);
  return { cancel: () => clearTimeout(timer) };
};
