import { z } from 'zod';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { workflowStep } from '#shared/middleware';
import { OrdersRepository } from '#shared/orders-repository';
import { idSchema, quantitiesSchema } from '#shared/schemas';
import { type Quantities, StockLedger } from '#shared/stock';

/** Input of `ReleaseStock`: the reservation, or nothing to read it from the order. */
export const releaseStockInput = z.object({
  orderId: idSchema,
  restaurantId: idSchema.nullish(),
  reserved: quantitiesSchema.nullish(),
});

/** Dependencies of {@link releaseStockStep}. */
export interface ReleaseStockDeps {
  orders: Pick<OrdersRepository, 'find'>;
  stock: Pick<StockLedger, 'releaseAll'>;
}

/**
 * Gives an order's reserved stock back (a compensation). The order's `stockReserved` wins over the
 * input when the order exists, because an edit may have changed the reservation after the workflow
 * captured it; the input is used when the order was never written (or already discarded). Idempotent:
 * what was already released is skipped.
 */
export async function releaseStockStep(
  input: z.infer<typeof releaseStockInput>,
  deps: ReleaseStockDeps,
): Promise<{ released: Quantities }> {
  const order = await deps.orders.find(input.orderId);
  const restaurantId = order?.restaurantId ?? input.restaurantId;
  const reserved = order?.stockReserved ?? input.reserved;
  if (!restaurantId || !reserved) return { released: {} };
  return { released: await deps.stock.releaseAll(restaurantId, input.orderId, reserved) };
}

const deps: ReleaseStockDeps = {
  orders: new OrdersRepository(documentClient(), requiredEnv('ORDERS_TABLE_NAME')),
  stock: new StockLedger(documentClient(), requiredEnv('RESTAURANTS_TABLE_NAME')),
};

/** Lambda entry of the `ReleaseStock` step. */
export const handler = workflowStep(releaseStockInput, (input) => releaseStockStep(input, deps));
