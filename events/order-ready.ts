import type { z } from 'zod';
import { defineEvent, EventSource } from './contract';
import { restaurantEventDetail } from './fields';

/** `dishpatch.restaurant` / `OrderReady`: the order is ready for pickup. */
export const OrderReady = defineEvent({
  source: EventSource.restaurant,
  detailType: 'OrderReady',
  version: 1,
  schema: restaurantEventDetail,
});

/** Detail of `OrderReady`. */
export type OrderReadyDetail = z.infer<typeof OrderReady.schema>;
