import { z } from 'zod';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { workflowStep } from '#shared/middleware';
import { type PricedOrder, priceOrder } from '#shared/pricing';
import { RestaurantsRepository } from '#shared/restaurants-repository';
import { idSchema, requestedLinesSchema } from '#shared/schemas';

/** Input of `PriceOrder` (extra fields of the execution input are ignored). */
export const priceOrderInput = z.object({
  orderId: idSchema,
  customerId: idSchema,
  restaurantId: idSchema,
  items: requestedLinesSchema,
});

/** Dependencies of {@link priceOrderStep}. */
export interface PriceOrderDeps {
  restaurants: Pick<RestaurantsRepository, 'get' | 'menu'>;
}

/**
 * Loads the restaurant and its menu and prices the order server-side. Throws `RestaurantNotFoundError`,
 * `RestaurantClosedError` or `MenuItemUnavailableError`.
 */
export async function priceOrderStep(
  input: z.infer<typeof priceOrderInput>,
  deps: PriceOrderDeps,
): Promise<PricedOrder> {
  const restaurant = await deps.restaurants.get(input.restaurantId);
  const menu = await deps.restaurants.menu(input.restaurantId);
  return priceOrder(restaurant, menu, input.items);
}

const restaurants = new RestaurantsRepository(documentClient(), requiredEnv('RESTAURANTS_TABLE_NAME'));

/** Lambda entry of the `PriceOrder` step. */
export const handler = workflowStep(priceOrderInput, (input) => priceOrderStep(input, { restaurants }));
