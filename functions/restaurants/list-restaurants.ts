import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { decodeNextToken, encodeNextToken, pageQuery } from '#shared/pagination';
import { RestaurantsRepository } from '#shared/restaurants-repository';
import { parseInput } from '#shared/validation';

const restaurants = new RestaurantsRepository(documentClient(), requiredEnv('RESTAURANTS_TABLE_NAME'));

/** Key attributes of the `byType` index, which a `nextToken` must carry. */
const BY_TYPE_KEYS = ['pk', 'sk', 'entityType', 'name'] as const;

/** GET /restaurants: any signed-in user; restaurants by name, paginated. */
export const handler = apiRoute(async ({ event, requestId }) => {
  const query = parseInput(pageQuery, event.queryStringParameters ?? {}, 'query');
  const startKey = decodeNextToken(query.nextToken, BY_TYPE_KEYS, { entityType: 'RESTAURANT' });
  const page = await restaurants.list(query.limit, startKey);
  const nextToken = encodeNextToken(page.lastKey);
  return jsonResponse(
    200,
    {
      restaurants: page.restaurants.map(({ restaurantId, name, cuisine, open }) => ({
        restaurantId,
        name,
        cuisine,
        open,
      })),
      ...(nextToken ? { nextToken } : {}),
    },
    requestId,
  );
});
