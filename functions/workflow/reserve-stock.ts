import { z } from 'zod';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { workflowStep } from '#shared/middleware';
import { limitedStockNeeds } from '#shared/pricing';
import { RestaurantsRepository } from '#shared/restaurants-repository';
import { idSchema, requestedLinesSchema } from '#shared/schemas';
import { type Quantities, StockLedger } from '#shared/stock';

/** Input of `ReserveStock`. */
export const reserveStockInput = z.object({
  orderId: idSchema,
  restaurantId: idSchema,
  items: requestedLinesSchema,
});

/** Dependencies of {@link reserveStockStep}. */
export interface ReserveStockDeps {
  restaurants: Pick<RestaurantsRepository, 'menu'>;
  stock: Pick<StockLedger, 'reserveAll'>;
}

/**
 * Reserves the limited-stock items of an order, all or nothing (`OutOfStockError`). Items without a
 * `stock` are unlimited and not reserved. Retrying with the same order id does not reserve twice.
 */
export async function reserveStockStep(
  input: z.infer<typeof reserveStockInput>,
  deps: ReserveStockDeps,
): Promise<{ reserved: Quantities }> {
  const menu = await deps.restaurants.menu(input.restaurantId);
  const needs = limitedStockNeeds(menu, input.items);
  return { reserved: await deps.stock.reserveAll(input.restaurantId, input.orderId, needs) };
}

const tableName = requiredEnv('RESTAURANTS_TABLE_NAME');
const deps: ReserveStockDeps = {
  restaurants: new RestaurantsRepository(documentClient(), tableName),
  stock: new StockLedger(documentClient(), tableName),
};

/** Lambda entry of the `ReserveStock` step. */
export const handler = workflowStep(reserveStockInput, (input) => reserveStockStep(input, deps));
