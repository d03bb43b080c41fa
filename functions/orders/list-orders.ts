import { z } from 'zod';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { toOrderView } from '#shared/order';
import { ORDER_STATUSES } from '#shared/order-status';
import { ORDER_INDEX_KEYS, OrdersRepository } from '#shared/orders-repository';
import { decodeNextToken, encodeNextToken, pageQuery } from '#shared/pagination';
import { parseInput } from '#shared/validation';

/** Query of GET /orders. */
export const listOrdersQuery = pageQuery.extend({ status: z.enum(ORDER_STATUSES).optional() });

const orders = new OrdersRepository(documentClient(), requiredEnv('ORDERS_TABLE_NAME'));

/**
 * GET /orders: the caller's own orders, newest first. The customer id is the verified caller, so the
 * token is checked to stay in that partition.
 */
export const handler = apiRoute(async ({ event, caller, requestId }) => {
  const query = parseInput(listOrdersQuery, event.queryStringParameters ?? {}, 'query');
  const startKey = decodeNextToken(query.nextToken, ORDER_INDEX_KEYS.byCustomer, { customerId: caller.userId });
  const page = await orders.listByCustomer(caller.userId, {
    limit: query.limit,
    ...(startKey ? { startKey } : {}),
    ...(query.status ? { status: query.status } : {}),
  });
  const nextToken = encodeNextToken(page.lastKey);
  return jsonResponse(200, { orders: page.orders.map(toOrderView), ...(nextToken ? { nextToken } : {}) }, requestId);
});
