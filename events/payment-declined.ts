import { z } from 'zod';
import { defineEvent, EventSource } from './contract';
import { cents, orderEventBase } from './fields';

/** `dishpatch.orders` / `PaymentDeclined`: the order ended PAYMENT_FAILED. */
export const PaymentDeclined = defineEvent({
  source: EventSource.orders,
  detailType: 'PaymentDeclined',
  version: 1,
  schema: orderEventBase.extend({ totalCents: cents.optional(), reason: z.string().optional() }),
});

/** Detail of `PaymentDeclined`. */
export type PaymentDeclinedDetail = z.infer<typeof PaymentDeclined.schema>;
