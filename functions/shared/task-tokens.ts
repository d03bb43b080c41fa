import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { OrderEventRecord } from './order';
import { logger } from './powertools';

/** Errors Step Functions answers for a token that was already used, timed out or never existed. */
const SPENT_TOKEN_ERRORS = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/** How a wait ends: the event that ended it, or a failure the lifecycle routes on by name. */
export type WaitCompletion =
  | { kind: 'success'; output: OrderEventRecord }
  | { kind: 'failure'; error: 'OrderRejected' | 'OrderCancelled'; cause: string };

/** The completion that an order event means for the workflow (contract: rejections are failures). */
export function completionFor(event: OrderEventRecord): WaitCompletion {
  if (event.type === 'OrderRejected') {
    return { kind: 'failure', error: 'OrderRejected', cause: event.reason ?? 'Rejected by the restaurant' };
  }
  return { kind: 'success', output: event };
}

/**
 * Completes a task token. A spent token means this is a duplicate (at-least-once delivery, or a race
 * another path already won): it is dropped quietly and reported as `false`. Anything else throws so the
 * delivery retries.
 */
export async function completeWait(client: SFNClient, taskToken: string, completion: WaitCompletion): Promise<boolean> {
  try {
    if (completion.kind === 'success') {
      await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(completion.output) }));
    } else {
      await client.send(new SendTaskFailureCommand({ taskToken, error: completion.error, cause: completion.cause }));
    }
    return true;
  } catch (error) {
    if (error instanceof Error && SPENT_TOKEN_ERRORS.has(error.name)) {
      logger.info('Task token already spent; dropping the duplicate', { errorName: error.name });
      return false;
    }
    throw error;
  }
}
