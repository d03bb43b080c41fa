import { z } from 'zod';
import { defineEvent, EventSource } from './contract';
import { orderEventBase, orderStatusValue } from './fields';

/** `dishpatch.orders` / `OrderStatusChanged`: announced for every status the workflow writes. */
export const OrderStatusChanged = defineEvent({
  source: EventSource.orders,
  detailType: 'OrderStatusChanged',
  version: 1,
  schema: orderEventBase.extend({
    status: orderStatusValue,
    previousStatus: orderStatusValue.optional(),
    reason: z.string().optional(),
    orderVersion: z.number().int().positive(),
  }),
});

/** Detail of `OrderStatusChanged`. */
export type OrderStatusChangedDetail = z.infer<typeof OrderStatusChanged.schema>;
