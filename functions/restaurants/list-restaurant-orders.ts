import { z } from 'zod';
import { assertManagesRestaurant } from '#shared/auth';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { restaurantStatusKey, toOrderView } from '#shared/order';
import { ORDER_STATUSES } from '#shared/order-status';
import { ORDER_INDEX_KEYS, OrdersRepository } from '#shared/orders-repository';
import { decodeNextToken, encodeNextToken, pageQuery } from '#shared/pagination';
import { parseInput, pathParameter } from '#shared/validation';

/** Query of GET /restaurants/{restaurantId}/orders. */
export const restaurantOrdersQuery = pageQuery.extend({ status: z.enum(ORDER_STATUSES).optional() });

const orders = new OrdersRepository(documentClient(), requiredEnv('ORDERS_TABLE_NAME'));

/** GET /restaurants/{restaurantId}/orders: that restaurant's staff or an admin; newest first. */
export const handler = apiRoute(async ({ event, caller, requestId }) => {
  const restaurantId = pathParameter(event, 'restaurantId');
  assertManagesRestaurant(caller, restaurantId);
  const query = parseInput(restaurantOrdersQuery, event.queryStringParameters ?? {}, 'query');
  const startKey = query.status
    ? decodeNextToken(query.nextToken, ORDER_INDEX_KEYS.byRestaurantStatus, {
        restaurantStatus: restaurantStatusKey(restaurantId, query.status),
      })
    : decodeNextToken(query.nextToken, ORDER_INDEX_KEYS.byRestaurant, { restaurantId });
  const page = await orders.listByRestaurant(restaurantId, {
    limit: query.limit,
    ...(startKey ? { startKey } : {}),
    ...(query.status ? { status: query.status } : {}),
  });
  const nextToken = encodeNextToken(page.lastKey);
  return jsonResponse(200, { orders: page.orders.map(toOrderView), ...(nextToken ? { nextToken } : {}) }, requestId);
});
