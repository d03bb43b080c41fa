import { ulid } from 'ulid';
import { z } from 'zod';
import { assertManagesRestaurant } from '#shared/auth';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { ValidationError } from '#shared/errors';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { RestaurantsRepository } from '#shared/restaurants-repository';
import { idSchema } from '#shared/schemas';
import { jsonBody, parseInput, pathParameter } from '#shared/validation';

/** Body of PUT /restaurants/{restaurantId}/menu: the whole menu (items not listed are removed). */
export const putMenuBody = z.object({
  items: z
    .array(
      z.object({
        menuItemId: idSchema.regex(/^[A-Za-z0-9_-]+$/).optional(),
        name: z.string().trim().min(1).max(120),
        priceCents: z.number().int().min(0).max(1_000_000),
        available: z.boolean().default(true),
        stock: z.number().int().min(0).max(100_000).optional(),
      }),
    )
    .max(200),
});

const restaurants = new RestaurantsRepository(documentClient(), requiredEnv('RESTAURANTS_TABLE_NAME'));

/** PUT /restaurants/{restaurantId}/menu: that restaurant's staff or an admin replace the menu. */
export const handler = apiRoute(async ({ event, caller, requestId }) => {
  const restaurantId = pathParameter(event, 'restaurantId');
  assertManagesRestaurant(caller, restaurantId);
  const body = parseInput(putMenuBody, jsonBody(event), 'body');
  const items = body.items.map((item) => ({ ...item, menuItemId: item.menuItemId ?? ulid() }));
  const ids = items.map((item) => item.menuItemId);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) {
    throw new ValidationError('Duplicate menu item', [{ field: 'body.items', message: `${duplicate} appears twice` }]);
  }
  await restaurants.get(restaurantId);
  const menu = await restaurants.replaceMenu(restaurantId, items);
  return jsonResponse(200, { restaurantId, menu }, requestId);
});
