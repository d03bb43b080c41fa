import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { RestaurantsRepository } from '#shared/restaurants-repository';
import { pathParameter } from '#shared/validation';

const restaurants = new RestaurantsRepository(documentClient(), requiredEnv('RESTAURANTS_TABLE_NAME'));

/** GET /restaurants/{restaurantId}: any signed-in user; the restaurant with its menu, or 404. */
export const handler = apiRoute(async ({ event, requestId }) => {
  const restaurantId = pathParameter(event, 'restaurantId');
  const restaurant = await restaurants.get(restaurantId);
  const menu = await restaurants.menu(restaurantId);
  return jsonResponse(200, { ...restaurant, menu }, requestId);
});
