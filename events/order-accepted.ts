import type { z } from 'zod';
import { defineEvent, EventSource } from './contract';
import { restaurantEventDetail } from './fields';

/** `dishpatch.restaurant` / `OrderAccepted`: the restaurant accepts the order. */
export const OrderAccepted = defineEvent({
  source: EventSource.restaurant,
  detailType: 'OrderAccepted',
  version: 1,
  schema: restaurantEventDetail,
});

/** Detail of `OrderAccepted`. */
export type OrderAcceptedDetail = z.infer<typeof OrderAccepted.schema>;
