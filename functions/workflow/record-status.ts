import { z } from 'zod';
import { documentClient } from '#shared/clients';
import { retryOnConflict } from '#shared/dynamo';
import { requiredEnv } from '#shared/env';
import type { EventPublisher } from '#shared/event-publisher';
import { clientsForLifecycle } from '#shared/lifecycle-deps';
import { workflowStep } from '#shared/middleware';
import { type HistoryEntry, type OrderRecord, type OrderView, restaurantStatusKey, toOrderView } from '#shared/order';
import { statusEvents } from '#shared/order-announcements';
import { assertTransition, ORDER_STATUSES, type OrderStatus } from '#shared/order-status';
import type { OrdersRepository } from '#shared/orders-repository';
import { type CountedMetricName, countMetric, type ElapsedMetricName, recordElapsed } from '#shared/powertools';
import { idSchema } from '#shared/schemas';
import { fromStepMessage } from '#shared/step-errors';
import { StockLedger } from '#shared/stock';

/** Input of `RecordStatus`. `actor` may be an id or the task output of the event that caused it. */
export const recordStatusInput = z.object({
  orderId: idSchema,
  status: z.enum(ORDER_STATUSES),
  // Nullable: the lifecycle passes what its variables hold, which may be null for "no reason". A caught
  // error's `Cause` (a Lambda error as JSON, with its stack) is reduced to its message: a status write
  // must never fail on the length of its reason.
  reason: z
    .string()
    .nullish()
    .transform((reason) => (reason ? readableReason(reason) : undefined)),
  actor: z.union([z.string(), z.object({ actorId: z.string() }).loose()]).nullish(),
});

/** The longest reason kept in the history and the events. */
const MAX_REASON_LENGTH = 500;

/** A short human reason: the `errorMessage` of a Lambda error cause, or the text itself, truncated. */
export function readableReason(reason: string): string {
  let text = reason;
  try {
    const parsed = JSON.parse(reason) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') text = fromStepMessage(parsed.errorMessage).message;
  } catch {
    // Not JSON: a plain reason.
  }
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}

/** Dependencies of {@link recordStatusStep}. */
export interface RecordStatusDeps {
  orders: Pick<OrdersRepository, 'get' | 'update'>;
  publisher: Pick<EventPublisher, 'publish'>;
  stock: Pick<StockLedger, 'settleAll'>;
  now: () => string;
}

/** The business metric a status counts towards. */
const statusMetric: Partial<Record<OrderStatus, CountedMetricName>> = {
  ACCEPTED: 'OrdersAccepted',
  REJECTED: 'OrdersRejected',
  CANCELLED: 'OrdersCancelled',
  DELIVERED: 'OrdersDelivered',
  PAYMENT_FAILED: 'PaymentsDeclined',
};

/** The milestones whose time since placement the dashboard shows. */
const elapsedMetric: Partial<Record<OrderStatus, ElapsedMetricName>> = {
  ACCEPTED: 'TimeToAcceptSeconds',
  DELIVERED: 'TimeToDeliverSeconds',
};

/**
 * Writes a status the workflow decided: conditional on the transition table and the order's version,
 * with a history entry; clears the spent task token; then announces it. Replaying a status the order
 * already has re-publishes (the first attempt may have failed after its write) and succeeds; this is also
 * how the lifecycle escalates a late wait (same status, an `ESCALATED_*` reason, announced again). Metrics
 * count only the real transition.
 */
export async function recordStatusStep(
  input: z.infer<typeof recordStatusInput>,
  deps: RecordStatusDeps,
): Promise<OrderView> {
  const { order, previous, changed } = await retryOnConflict(async () => {
    const current = await deps.orders.get(input.orderId);
    if (current.status === input.status) {
      return { order: current, previous: current.history?.at(-2)?.status, changed: false };
    }
    assertTransition(current.status, input.status);
    const at = deps.now();
    const actor = typeof input.actor === 'string' ? input.actor : (input.actor?.actorId ?? undefined);
    const entry: HistoryEntry = {
      status: input.status,
      at,
      ...(input.reason ? { reason: input.reason } : {}),
      ...(actor ? { actor } : {}),
    };
    const updated: OrderRecord = await deps.orders.update(current, {
      set: {
        status: input.status,
        restaurantStatus: restaurantStatusKey(current.restaurantId, input.status),
        updatedAt: at,
        history: [...(current.history ?? []), entry],
      },
      remove: ['taskToken', 'awaiting', 'completing'],
      expectedStatus: current.status,
      visible: true,
    });
    return { order: updated, previous: current.status, changed: true };
  });
  // Delivered: the reserved stock is consumed for good. Also on a replay, in case the first attempt failed here.
  if (order.status === 'DELIVERED' && order.stockReserved) {
    await deps.stock.settleAll(order.restaurantId, order.orderId, order.stockReserved);
  }
  await deps.publisher.publish(statusEvents(order, previous, changed ? undefined : (input.reason ?? undefined)));
  const metric = statusMetric[order.status];
  if (changed && metric) countMetric(metric);
  const elapsed = elapsedMetric[order.status];
  if (changed && elapsed) recordElapsed(elapsed, order.placedAt, order.updatedAt);
  return toOrderView(order);
}

const deps: RecordStatusDeps = {
  ...clientsForLifecycle(),
  stock: new StockLedger(documentClient(), requiredEnv('RESTAURANTS_TABLE_NAME')),
  now: () => new Date().toISOString(),
};

/** Lambda entry of the `RecordStatus` step. */
export const handler = workflowStep(recordStatusInput, (input) => recordStatusStep(input, deps));
