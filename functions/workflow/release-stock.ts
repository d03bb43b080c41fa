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
  restaurantId: idSchema.optional(),
  reserved: quantitiesSchema.optional(),
});

/** Dependencies of {@link releaseStockStep}. */
export interface ReleaseStockDeps {
  orders: Pick<OrdersRepository, 'find'>;
  stock: Pick<StockLedger, 'releaseAll'>;
}

/**
 * Gives an order's reserved stock back (a compensation). Idempotent: what was already released is
 * skipped, and an order that never got written has nothing to release.
 */
export async function releaseStockStep(
  input: z.infer<typeof releaseStockInput>,
  deps: ReleaseStockDeps,
): Promise<{ released: Quantities }> {
  let { restaurantId, reserved } = input;
  if (!reserved || !restaurantId) {
    const order = await deps.orders.find(input.orderId);
    restaurantId ??= order?.restaurantId;
    reserved ??= order?.stockReserved;
  }
  if (!restaurantId || !reserved) return { released: {} };
  return { released: await deps.stock.releaseAll(restaurantId, input.orderId, reserved) };
}

const deps: ReleaseStockDeps = {
  orders: new OrdersRepository(documentClient, requiredEnv('ORDERS_TABLE_NAME')),
  stock: new StockLedger(documentClient, requiredEnv('RESTAURANTS_TABLE_NAME')),
};

/** Lambda entry of the `ReleaseStock` step. */
export const handler = workflowStep(releaseStockInput, (input) => releaseStockStep(input, deps));
