import { z } from 'zod';
import { assertManagesRestaurant } from '#shared/auth';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { RestaurantsRepository } from '#shared/restaurants-repository';
import { jsonBody, parseInput, pathParameter } from '#shared/validation';

/** Body of PUT /restaurants/{restaurantId}/open. */
export const setOpenBody = z.object({ open: z.boolean() });

const restaurants = new RestaurantsRepository(documentClient(), requiredEnv('RESTAURANTS_TABLE_NAME'));

/** PUT /restaurants/{restaurantId}/open: that restaurant's staff or an admin open or close it. */
export const handler = apiRoute(async ({ event, caller, requestId }) => {
  const restaurantId = pathParameter(event, 'restaurantId');
  assertManagesRestaurant(caller, restaurantId);
  const { open } = parseInput(setOpenBody, jsonBody(event), 'body');
  await restaurants.setOpen(restaurantId, open);
  return jsonResponse(200, { restaurantId, open }, requestId);
});
