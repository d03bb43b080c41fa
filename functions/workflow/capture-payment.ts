import { z } from 'zod';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { workflowStep } from '#shared/middleware';
import { PaymentService } from '#shared/payments';
import { idSchema } from '#shared/schemas';

/**
 * Input of `CapturePayment`. `totalCents` (the order's final total, which an edit may have changed after
 * authorization) is optional (null when the workflow has none); without it the authorized amount is captured.
 */
export const capturePaymentInput = z.object({
  orderId: idSchema,
  totalCents: z.number().int().nonnegative().nullish(),
});

const payments = new PaymentService(documentClient(), requiredEnv('PAYMENTS_TABLE_NAME'));

/** Lambda entry of `CapturePayment`: idempotent; a payment that is not authorized is a technical failure. */
export const handler = workflowStep(capturePaymentInput, async (input) => {
  const amount = input.totalCents ?? (await payments.find(input.orderId))?.amountCents ?? 0;
  return payments.capture(input.orderId, amount);
});
