import { z } from 'zod';
import { defineEvent, EventSource } from './contract';
import { cents, orderEventBase, pricedLine } from './fields';

/** `dishpatch.orders` / `OrderPlaced`: payment is authorized and the restaurant is asked to accept. */
export const OrderPlaced = defineEvent({
  source: EventSource.orders,
  detailType: 'OrderPlaced',
  version: 1,
  schema: orderEventBase.extend({
    items: z.array(pricedLine).min(1),
    totalCents: cents,
    currency: z.string().length(3),
  }),
});

/** Detail of `OrderPlaced`. */
export type OrderPlacedDetail = z.infer<typeof OrderPlaced.schema>;
