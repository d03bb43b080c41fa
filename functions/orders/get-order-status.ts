import { assertOrderAccess } from '#shared/auth';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { emptyResponse, jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { OrdersRepository } from '#shared/orders-repository';
import { header, pathParameter } from '#shared/validation';

const orders = new OrdersRepository(documentClient(), requiredEnv('ORDERS_TABLE_NAME'));

/** The weak ETag of an order status: the version changes with every write of the order. */
export function statusEtag(version: number): string {
  return `W/"${version}"`;
}

/** Whether an `If-None-Match` header names the current ETag (lists and `*` included). */
export function matchesIfNoneMatch(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/** GET /orders/{orderId}/status: the cheap polling endpoint, with ETag and 304. */
export const handler = apiRoute(async ({ event, caller, requestId }) => {
  const order = await orders.get(pathParameter(event, 'orderId'));
  assertOrderAccess(caller, order, 'read');
  const etag = statusEtag(order.version);
  const headers = { ETag: etag, 'cache-control': 'no-cache' };
  if (matchesIfNoneMatch(header(event, 'If-None-Match'), etag)) return emptyResponse(304, requestId, headers);
  return jsonResponse(
    200,
    { orderId: order.orderId, status: order.status, updatedAt: order.updatedAt, version: order.version },
    requestId,
    headers,
  );
});
