import type { z } from 'zod';
import { addressCommandBase, savedAddress } from './address-fields';
import { defineEvent, EventSource } from './contract';

/** `dishpatch.profile` / `AddressUpdated`: a customer replaced a saved address (create or replace, as PUT). Put on the bus by API Gateway itself (no Lambda in front). */
export const AddressUpdated = defineEvent({
  source: EventSource.profile,
  detailType: 'AddressUpdated',
  version: 1,
  schema: addressCommandBase.extend({ address: savedAddress }),
});

/** Detail of `AddressUpdated`. */
export type AddressUpdatedDetail = z.infer<typeof AddressUpdated.schema>;
