import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ConcurrentModificationError } from './errors';

/** Whether an SDK error is a failed `ConditionExpression` (a lost optimistic-lock race or a guard). */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}

/**
 * Runs a read-decide-write attempt again when its conditional write lost a race, so every decision is
 * made on the state it is written against. Gives up with a retryable {@link ConcurrentModificationError}.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, maxAttempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      if (i >= maxAttempts) throw new ConcurrentModificationError(`Gave up after ${maxAttempts} conflicting writes`);
    }
  }
}

/** Builds `SET`/`REMOVE` clauses with placeholder names, so attribute names never collide with keywords. */
export function updateExpression(
  set: Record<string, unknown>,
  remove: readonly string[] = [],
): {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const setClauses: string[] = [];
  Object.entries(set).forEach(([name, value], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = value;
    setClauses.push(`#s${i} = :s${i}`);
  });
  const removeClauses = remove.map((name, i) => {
    names[`#r${i}`] = name;
    return `#r${i}`;
  });
  const parts = [];
  if (setClauses.length > 0) parts.push(`SET ${setClauses.join(', ')}`);
  if (removeClauses.length > 0) parts.push(`REMOVE ${removeClauses.join(', ')}`);
  return { UpdateExpression: parts.join(' '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}
