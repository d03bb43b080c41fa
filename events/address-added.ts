import type { z } from 'zod';
import { addressCommandBase, savedAddress } from './address-fields';
import { defineEvent, EventSource } from './contract';

/** `dishpatch.profile` / `AddressAdded`: a customer saved a new address (the gateway assigned `addressId`). Put on the bus by API Gateway itself (no Lambda in front). */
export const AddressAdded = defineEvent({
  source: EventSource.profile,
  detailType: 'AddressAdded',
  version: 1,
  schema: addressCommandBase.extend({ address: savedAddress }),
});

/** Detail of `AddressAdded`. */
export type AddressAddedDetail = z.infer<typeof AddressAdded.schema>;
