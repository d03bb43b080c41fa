import { z } from 'zod';
import { defineEvent, EventSource } from './contract';
import { orderEventBase } from './fields';

/** `dishpatch.orders` / `OrderCancelled`: the order ended CANCELLED (customer cancel or timeout). */
export const OrderCancelled = defineEvent({
  source: EventSource.orders,
  detailType: 'OrderCancelled',
  version: 1,
  schema: orderEventBase.extend({ reason: z.string().optional() }),
});

/** Detail of `OrderCancelled`. */
export type OrderCancelledDetail = z.infer<typeof OrderCancelled.schema>;
