import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { AddressAdded, AddressRemoved, AddressUpdated } from '#events/index';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { instrumented } from '#shared/middleware';
import { logger } from '#shared/powertools';
import { parseInput } from '#shared/validation';
import { ProfileRepository, type WriteOutcome } from './profile-repository';

/** An address command as the writer accepts it: the contract chosen by the event's detail-type. */
const addressCommand = z.discriminatedUnion('detail-type', [
  z.object({ 'detail-type': z.literal(AddressAdded.detailType), detail: AddressAdded.schema }),
  z.object({ 'detail-type': z.literal(AddressUpdated.detailType), detail: AddressUpdated.schema }),
  z.object({ 'detail-type': z.literal(AddressRemoved.detailType), detail: AddressRemoved.schema }),
]);

/** A parsed address command. */
export type AddressCommand = z.infer<typeof addressCommand>;

/**
 * Applies one address command. Added and updated both store the whole address (PUT semantics: create or
 * replace), which is what makes an update that overtakes its add harmless; removed stores a tombstone.
 */
export function applyAddressCommand(command: AddressCommand, repository: ProfileRepository): Promise<WriteOutcome> {
  const { userId, addressId, commandId, requestedAt } = command.detail;
  const stamp = { commandId, requestedAt };
  switch (command['detail-type']) {
    case 'AddressAdded':
    case 'AddressUpdated':
      return repository.putAddress(userId, addressId, command.detail.address, stamp);
    case 'AddressRemoved':
      return repository.removeAddress(userId, addressId, stamp);
  }
}

const repository = new ProfileRepository(documentClient(), requiredEnv('PROFILE_TABLE_NAME'));

/**
 * `AddressWriter`: the rule on `dishpatch.profile` invokes it for every address command. A malformed command
 * throws (400-class input should never get here: the gateway validated it), so it ends in the dead-letter
 * queue for a human rather than vanishing; a superseded command is logged and succeeds.
 */
export const handler = instrumented<EventBridgeEvent<string, unknown>, { outcome: WriteOutcome }>(
  async (event) => {
    const command = parseInput(addressCommand, event, 'event');
    const outcome = await applyAddressCommand(command, repository);
    logger.info('Address command handled', {
      type: command['detail-type'],
      addressId: command.detail.addressId,
      commandId: command.detail.commandId,
      outcome,
    });
    return { outcome };
  },
  { correlationIdPath: 'id' },
);
