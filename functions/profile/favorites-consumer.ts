import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { instrumented } from '#shared/middleware';
import { logger } from '#shared/powertools';
import { RestaurantsRepository } from '#shared/restaurants-repository';
import { idSchema } from '#shared/schemas';
import { parseInput } from '#shared/validation';
import { ProfileRepository, type WriteOutcome } from './profile-repository';

/** The two favorite commands (message attribute `command`). */
export const FAVORITE_COMMANDS = ['AddFavorite', 'RemoveFavorite'] as const;

/** A favorite command as it travels on the queue: everything but the body is a message attribute. */
const favoriteCommand = z.object({
  command: z.enum(FAVORITE_COMMANDS),
  userId: idSchema,
  commandId: idSchema,
  requestedAt: z.coerce.number().int().nonnegative(),
  restaurantId: idSchema,
});

/** A parsed favorite command. */
export type FavoriteCommand = z.infer<typeof favoriteCommand>;

/** Reads a command from an SQS record: attributes `command`, `userId`, `commandId`, `requestedAt`; body `{restaurantId}`. */
export function favoriteCommandFromRecord(record: SQSRecord): FavoriteCommand {
  const attribute = (name: string) => record.messageAttributes[name]?.stringValue;
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  return parseInput(
    favoriteCommand,
    {
      command: attribute('command'),
      userId: attribute('userId'),
      commandId: attribute('commandId'),
      requestedAt: attribute('requestedAt'),
      restaurantId: (body as { restaurantId?: unknown } | undefined)?.restaurantId,
    },
    'message',
  );
}

/** What became of a favorite command: the profile write's outcome, or `unknown-restaurant` (nothing written). */
export type FavoriteOutcome = WriteOutcome | 'unknown-restaurant';

/**
 * Applies one favorite command, conditional on being newer than what is stored. Adding a restaurant that does
 * not exist writes nothing: the command is valid, will never succeed, and must not cycle to the dead-letter
 * queue (which alarms operators for what is only a client's mistake). Removing is always applied.
 */
export async function applyFavoriteCommand(
  command: FavoriteCommand,
  repository: ProfileRepository,
  restaurants: Pick<RestaurantsRepository, 'find'>,
): Promise<FavoriteOutcome> {
  const stamp = { commandId: command.commandId, requestedAt: command.requestedAt };
  if (command.command === 'RemoveFavorite')
    return repository.removeFavorite(command.userId, command.restaurantId, stamp);
  if (!(await restaurants.find(command.restaurantId))) return 'unknown-restaurant';
  return repository.addFavorite(command.userId, command.restaurantId, stamp);
}

const repository = new ProfileRepository(documentClient(), requiredEnv('PROFILE_TABLE_NAME'));
const restaurants = new RestaurantsRepository(documentClient(), requiredEnv('RESTAURANTS_TABLE_NAME'));
const processor = new BatchProcessor(EventType.SQS);

/** One record: a malformed message or a failed write throws, so only that record goes back to the queue. */
async function recordHandler(record: SQSRecord): Promise<void> {
  const command = favoriteCommandFromRecord(record);
  const outcome = await applyFavoriteCommand(command, repository, restaurants);
  (outcome === 'unknown-restaurant' ? logger.warn : logger.info).call(logger, 'Favorite command handled', {
    command: command.command,
    restaurantId: command.restaurantId,
    commandId: command.commandId,
    outcome,
  });
}

/**
 * `FavoritesConsumer`: the favorites queue's event source mapping (ReportBatchItemFailures) calls it with a
 * batch; Powertools reports the failed records, SQS redelivers only those, and after the queue's
 * `maxReceiveCount` they move to the dead-letter queue while the rest of the batch is done.
 */
export const handler = instrumented<SQSEvent, SQSBatchResponse>(async (event, context) =>
  processPartialResponse(event, recordHandler, processor, { context }),
);
