import type { z } from 'zod';
import { defineEvent, EventSource } from './contract';
import { restaurantEventDetail } from './fields';

/** `dishpatch.restaurant` / `OrderPreparing`: the kitchen started preparing the order. */
export const OrderPreparing = defineEvent({
  source: EventSource.restaurant,
  detailType: 'OrderPreparing',
  version: 1,
  schema: restaurantEventDetail,
});

/** Detail of `OrderPreparing`. */
export type OrderPreparingDetail = z.infer<typeof OrderPreparing.schema>;
