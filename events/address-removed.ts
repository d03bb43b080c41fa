import type { z } from 'zod';
import { addressCommandBase } from './address-fields';
import { defineEvent, EventSource } from './contract';

/** `dishpatch.profile` / `AddressRemoved`: a customer removed a saved address. Put on the bus by API Gateway itself (no Lambda in front). */
export const AddressRemoved = defineEvent({
  source: EventSource.profile,
  detailType: 'AddressRemoved',
  version: 1,
  schema: addressCommandBase,
});

/** Detail of `AddressRemoved`. */
export type AddressRemovedDetail = z.infer<typeof AddressRemoved.schema>;
