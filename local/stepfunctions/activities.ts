/**
 * Activities (Developer Guide, "Learn about Activities in Step Functions"): a Task whose Resource is an activity
 * ARN waits until a worker polls `GetActivityTask`, takes the task (its token and input) and answers with
 * `SendTaskSuccess`/`SendTaskFailure`. The board holds, per activity, the tasks no worker has taken yet and the
 * workers long-polling for one; it lives in memory (a restarted execution queues its task again).
 */

/** One task queued for an activity's workers. */
export interface ActivityTask {
  readonly token: string;
  readonly input: unknown;
  /** Called once, when a worker takes the task (the history's `ActivityStarted`). */
  readonly onStarted: (workerName: string | undefined) => void;
}

/** What the engine needs to run activity tasks. */
export interface ActivityDispatcher {
  exists(activityArn: string): boolean;
  /** Queues a task for the activity's workers; the function returned withdraws it if no worker took it yet. */
  schedule(activityArn: string, task: ActivityTask): () => void;
}

/** What `GetActivityTask` answers: the task, or nothing when none came during the poll. */
export type ActivityPoll = { taskToken: string; input: string } | Record<string, never>;

interface Poller {
  readonly take: (task: ActivityTask) => void;
  /** Ends the poll with no task. */
  readonly end: () => void;
}

/** The queues of tasks and waiting workers, per activity ARN. */
export class ActivityBoard implements ActivityDispatcher {
  private readonly tasks = new Map<string, ActivityTask[]>();
  private readonly pollers = new Map<string, Poller[]>();

  constructor(private readonly known: (activityArn: string) => boolean) {}

  exists(activityArn: string): boolean {
    return this.known(activityArn);
  }

  schedule(activityArn: string, task: ActivityTask): () => void {
    const poller = this.pollers.get(activityArn)?.shift();
    if (poller) {
      poller.take(task);
      return () => {};
    }
    const queue = this.tasks.get(activityArn) ?? [];
    queue.push(task);
    this.tasks.set(activityArn, queue);
    return () => {
      const i = queue.indexOf(task);
      if (i >= 0) queue.splice(i, 1);
    };
  }

  /**
   * A worker's poll (API Reference, GetActivityTask): the oldest queued task at once, else the first one scheduled
   * within `waitMs` (AWS holds the poll for up to 60 seconds), else nothing. `signal` ends the poll early.
   */
  poll(
    activityArn: string,
    workerName: string | undefined,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<ActivityPoll> {
    const queued = this.tasks.get(activityArn)?.shift();
    if (queued) return Promise.resolve(this.hand(queued, workerName));
    return new Promise((resolve) => {
      const waiting = this.pollers.get(activityArn) ?? [];
      const done = (answer: ActivityPoll): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', giveUp);
        const i = waiting.indexOf(poller);
        if (i >= 0) waiting.splice(i, 1);
        resolve(answer);
      };
      const giveUp = (): void => done({});
      const poller: Poller = { take: (task) => done(this.hand(task, workerName)), end: giveUp };
      const timer = setTimeout(giveUp, waitMs);
      signal?.addEventListener('abort', giveUp, { once: true });
      waiting.push(poller);
      this.pollers.set(activityArn, waiting);
    });
  }

  /** Drops an activity's queue and answers its waiting workers with nothing (DeleteActivity). */
  forget(activityArn: string): void {
    this.tasks.delete(activityArn);
    for (const poller of [...(this.pollers.get(activityArn) ?? [])]) poller.end();
    this.pollers.delete(activityArn);
  }

  private hand(task: ActivityTask, workerName: string | undefined): ActivityPoll {
    task.onStarted(workerName);
    return { taskToken: task.token, input: JSON.stringify(task.input) };
  }
}
