import { assertOrderAccess, type Caller } from '#shared/auth';
import { documentClient, sfnClient } from '#shared/clients';
import { retryOnConflict } from '#shared/dynamo';
import { requiredEnv } from '#shared/env';
import { OrderNotCancellableError } from '#shared/errors';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import type { OrderStatus } from '#shared/order-status';
import { OrdersRepository } from '#shared/orders-repository';
import { completeWait, type WaitCompletion } from '#shared/task-tokens';
import { pathParameter } from '#shared/validation';

/** Dependencies of {@link requestCancel}. */
export interface CancelOrderDeps {
  orders: Pick<OrdersRepository, 'get' | 'update'>;
  completeWait: (taskToken: string, completion: WaitCompletion) => Promise<boolean>;
}

const cancelled: WaitCompletion = { kind: 'failure', error: 'OrderCancelled', cause: 'Cancelled by the customer' };

/**
 * A customer cancel (app contract): allowed only while PLACED and before the restaurant's answer is claimed.
 * It is recorded on the order, and if the workflow is already waiting for the restaurant its wait fails with
 * `OrderCancelled`; otherwise `AwaitEvent` sees the flag when the wait begins. The lifecycle compensates and
 * writes CANCELLED. Repeating a cancel is harmless. Both this write and the answer's claim are conditional on
 * the order's revision, so exactly one of a racing cancel and acceptance wins.
 */
export async function requestCancel(
  caller: Caller,
  orderId: string,
  deps: CancelOrderDeps,
): Promise<{ orderId: string; status: OrderStatus }> {
  const order = await retryOnConflict(async () => {
    const current = await deps.orders.get(orderId);
    assertOrderAccess(caller, current, 'owner');
    if (current.status !== 'PLACED') {
      throw new OrderNotCancellableError(`Order ${orderId} is ${current.status} and can no longer be cancelled`);
    }
    if (current.completing) {
      // The restaurant's answer was claimed first (see handleOrderEvent): it decides the order.
      throw new OrderNotCancellableError(
        `Order ${orderId} is being answered by the restaurant and can no longer be cancelled`,
      );
    }
    if (current.cancelRequested) return current;
    // Not a visible change: the order stays PLACED until the lifecycle writes CANCELLED.
    return deps.orders.update(current, { set: { cancelRequested: true }, expectedStatus: 'PLACED' });
  });
  if (order.taskToken && order.awaiting?.includes('OrderAccepted')) {
    await deps.completeWait(order.taskToken, cancelled);
  }
  return { orderId: order.orderId, status: order.status };
}

const deps: CancelOrderDeps = {
  orders: new OrdersRepository(documentClient(), requiredEnv('ORDERS_TABLE_NAME')),
  completeWait: (taskToken, completion) => completeWait(sfnClient(), taskToken, completion),
};

/** POST /orders/{orderId}/cancel: the owner cancels a PLACED order; 202 `{orderId, status}`. */
export const handler = apiRoute(async ({ event, caller, requestId }) => {
  return jsonResponse(202, await requestCancel(caller, pathParameter(event, 'orderId'), deps), requestId);
});
