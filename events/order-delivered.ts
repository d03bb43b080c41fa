import type { z } from 'zod';
import { defineEvent, EventSource } from './contract';
import { cents, id, orderEventBase } from './fields';

/**
 * `dishpatch.orders` / `OrderDelivered`: the order ended DELIVERED and the payment was captured.
 * Not to be confused with the courier's report of the same name (`courier-order-delivered.ts`).
 */
export const OrderDelivered = defineEvent({
  source: EventSource.orders,
  detailType: 'OrderDelivered',
  version: 1,
  schema: orderEventBase.extend({ totalCents: cents, courierId: id.optional() }),
});

/** Detail of `OrderDelivered` (orders source). */
export type OrderDeliveredDetail = z.infer<typeof OrderDelivered.schema>;
