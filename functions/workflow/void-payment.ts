import { z } from 'zod';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { workflowStep } from '#shared/middleware';
import { PaymentService } from '#shared/payments';
import { idSchema } from '#shared/schemas';

/** Input of `VoidPayment`. */
export const voidPaymentInput = z.object({ orderId: idSchema });

const payments = new PaymentService(documentClient(), requiredEnv('PAYMENTS_TABLE_NAME'));

/** Lambda entry of `VoidPayment` (a compensation): idempotent, a no-op when nothing is authorized. */
export const handler = workflowStep(voidPaymentInput, (input) => payments.void(input.orderId));
