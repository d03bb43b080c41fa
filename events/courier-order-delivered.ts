import type { z } from 'zod';
import { defineEvent, EventSource } from './contract';
import { courierEventDetail } from './fields';

/** `dishpatch.courier` / `OrderDelivered`: the assigned courier handed the order over. */
export const CourierOrderDelivered = defineEvent({
  source: EventSource.courier,
  detailType: 'OrderDelivered',
  version: 1,
  schema: courierEventDetail,
});

/** Detail of the courier's `OrderDelivered`. */
export type CourierOrderDeliveredDetail = z.infer<typeof CourierOrderDelivered.schema>;
