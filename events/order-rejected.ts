import type { z } from 'zod';
import { defineEvent, EventSource } from './contract';
import { restaurantEventDetail } from './fields';

/** `dishpatch.restaurant` / `OrderRejected`: the restaurant rejects the order (allowed until it is READY). */
export const OrderRejected = defineEvent({
  source: EventSource.restaurant,
  detailType: 'OrderRejected',
  version: 1,
  schema: restaurantEventDetail,
});

/** Detail of `OrderRejected`. */
export type OrderRejectedDetail = z.infer<typeof OrderRejected.schema>;
