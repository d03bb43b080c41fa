import type { z } from 'zod';
import { defineEvent, EventSource } from './contract';
import { courierEventDetail } from './fields';

/** `dishpatch.courier` / `OrderPickedUp`: a courier took the order; the first one to do so is assigned. */
export const OrderPickedUp = defineEvent({
  source: EventSource.courier,
  detailType: 'OrderPickedUp',
  version: 1,
  schema: courierEventDetail,
});

/** Detail of `OrderPickedUp`. */
export type OrderPickedUpDetail = z.infer<typeof OrderPickedUp.schema>;
