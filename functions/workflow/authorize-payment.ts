import { z } from 'zod';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { workflowStep } from '#shared/middleware';
import { PaymentService } from '#shared/payments';
import { idSchema } from '#shared/schemas';

/** Input of `AuthorizePayment`. */
export const authorizePaymentInput = z.object({
  orderId: idSchema,
  totalCents: z.number().int().nonnegative(),
  paymentToken: z.string().min(1).max(256),
});

const payments = new PaymentService(documentClient(), requiredEnv('PAYMENTS_TABLE_NAME'));

/**
 * Lambda entry of `AuthorizePayment`: idempotent per order. Throws `PaymentDeclinedError` (business, not
 * retried) or `PaymentProviderUnavailableError` (transient: the state machine retries with backoff).
 */
export const handler = workflowStep(authorizePaymentInput, (input) =>
  payments.authorize(input.orderId, input.totalCents, input.paymentToken),
);
