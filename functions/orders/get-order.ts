import { assertOrderAccess } from '#shared/auth';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { toOrderView } from '#shared/order';
import { OrdersRepository } from '#shared/orders-repository';
import { pathParameter } from '#shared/validation';

const orders = new OrdersRepository(documentClient(), requiredEnv('ORDERS_TABLE_NAME'));

/** GET /orders/{orderId}: the owner, that restaurant's staff, the courier on it, an admin; else 404. */
export const handler = apiRoute(async ({ event, caller, requestId }) => {
  const order = await orders.get(pathParameter(event, 'orderId'));
  assertOrderAccess(caller, order, 'read');
  return jsonResponse(200, toOrderView(order), requestId);
});
