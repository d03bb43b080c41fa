import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import type { EventBridgeEvent } from 'aws-lambda';
import { EventSource } from '#events/contract';
import { courierEvents, restaurantEvents } from '#events/index';
import { documentClient, sfnClient } from '#shared/clients';
import { retryOnConflict } from '#shared/dynamo';
import { requiredEnv } from '#shared/env';
import { instrumented } from '#shared/middleware';
import type { OrderEventRecord, OrderRecord } from '#shared/order';
import {
  canTransition,
  isOrderEventType,
  isReachableLater,
  type OrderEventType,
  statusForEvent,
} from '#shared/order-status';
import { OrdersRepository } from '#shared/orders-repository';
import { logger } from '#shared/powertools';
import { completeWait, completionFor, type WaitCompletion } from '#shared/task-tokens';

/** A restaurant or courier event, validated against its contract. */
export interface IncomingOrderEvent {
  type: OrderEventType;
  actor: 'restaurant' | 'courier';
  orderId: string;
  /** restaurantId for restaurant events, courierId for courier events. */
  actorPartyId: string;
  record: OrderEventRecord;
}

/** What became of an event (for logs and tests). */
export type EventOutcome = 'completed' | 'pending' | 'duplicate' | 'rejected' | 'invalid';

/** Dependencies of {@link handleOrderEvent}. */
export interface OrderEventDeps {
  orders: Pick<OrdersRepository, 'find' | 'update'>;
  completeWait: (taskToken: string, completion: WaitCompletion) => Promise<boolean>;
}

const contracts = [...restaurantEvents, ...courierEvents];

/**
 * Validates an EventBridge event against the contract of its source and detail-type. `undefined` for
 * anything malformed: a malformed event will never become valid, so it is logged, not retried.
 */
export function parseOrderEvent(raw: unknown): IncomingOrderEvent | undefined {
  const envelope = EventBridgeSchema.safeParse(raw);
  if (!envelope.success) return undefined;
  const { source, 'detail-type': detailType, detail, time } = envelope.data;
  const contract = contracts.find((c) => c.source === source && c.detailType === detailType);
  if (!contract || !isOrderEventType(detailType)) return undefined;
  const parsed = contract.schema.safeParse(detail);
  if (!parsed.success) return undefined;
  const at = new Date(time).toISOString();
  if (source === EventSource.restaurant && 'restaurantId' in parsed.data) {
    const { orderId, restaurantId, staffId, reason, etaMinutes } = parsed.data;
    return {
      type: detailType,
      actor: 'restaurant',
      orderId,
      actorPartyId: restaurantId,
      record: {
        type: detailType,
        actorId: staffId ?? restaurantId,
        at,
        ...(reason !== undefined ? { reason } : {}),
        ...(etaMinutes !== undefined ? { etaMinutes } : {}),
      },
    };
  }
  if ('courierId' in parsed.data) {
    const { orderId, courierId } = parsed.data;
    return {
      type: detailType,
      actor: 'courier',
      orderId,
      actorPartyId: courierId,
      record: { type: detailType, actorId: courierId, at },
    };
  }
  return undefined;
}

/**
 * Whether the sender may move this order: the order's own restaurant; for couriers, the first courier
 * to report on the order is assigned, and every later report must come from that courier.
 */
function actorMayAct(event: IncomingOrderEvent, order: OrderRecord): boolean {
  if (event.actor === 'restaurant') return order.restaurantId === event.actorPartyId;
  return order.courierId === undefined || order.courierId === event.actorPartyId;
}

/**
 * Turns a restaurant/courier event into the completion of the workflow's wait, after checking the
 * actor and the transition (DESIGN §5). An event legal later is kept on the order for `AwaitEvent`; an
 * unknown order, a wrong actor or an illegal transition is logged and dropped (retrying would not
 * change the answer); a duplicate is dropped quietly. Only transient faults throw, so the delivery retries.
 */
export async function handleOrderEvent(event: IncomingOrderEvent, deps: OrderEventDeps): Promise<EventOutcome> {
  const target = statusForEvent(event.type);
  const log = { orderId: event.orderId, type: event.type, actorId: event.record.actorId };
  return retryOnConflict(async (): Promise<EventOutcome> => {
    const order = await deps.orders.find(event.orderId);
    if (!order) {
      logger.warn('Event for an unknown order dropped', log);
      return 'rejected';
    }
    if (!actorMayAct(event, order)) {
      logger.warn('Event from an actor not on this order dropped', log);
      return 'rejected';
    }
    if (order.status === target || order.pendingEvents?.some((pending) => pending.type === event.type)) {
      logger.info('Duplicate event dropped', log);
      return 'duplicate';
    }
    const assignCourier =
      event.actor === 'courier' && order.courierId === undefined ? { courierId: event.actorPartyId } : {};
    const waitingForIt = order.taskToken !== undefined && (order.awaiting ?? []).includes(event.type);
    if (canTransition(order.status, target) && waitingForIt) {
      if (order.cancelRequested && order.status === 'PLACED') {
        // The customer's cancel won the race for this order: the lifecycle is cancelling it.
        logger.info('Event for an order being cancelled dropped', log);
        return 'rejected';
      }
      // Claimed on this revision first: a cancel that lost the race sees the claim and answers 409.
      await deps.orders.update(order, { set: { completing: event.type, ...assignCourier } });
      const sent = await deps.completeWait(order.taskToken as string, completionFor(event.record));
      return sent ? 'completed' : 'duplicate';
    }
    if (canTransition(order.status, target) || isReachableLater(order.status, target)) {
      await deps.orders.update(order, {
        set: { pendingEvents: [...(order.pendingEvents ?? []), event.record], ...assignCourier },
      });
      logger.info('Early event kept until the workflow waits for it', log);
      return 'pending';
    }
    logger.warn('Event with an illegal transition dropped', { ...log, status: order.status, target });
    return 'rejected';
  });
}

const deps: OrderEventDeps = {
  orders: new OrdersRepository(documentClient(), requiredEnv('ORDERS_TABLE_NAME')),
  completeWait: (taskToken, completion) => completeWait(sfnClient(), taskToken, completion),
};

/** Lambda entry: EventBridge rule target for `dishpatch.restaurant` and `dishpatch.courier` events. */
export const handler = instrumented(
  async (event: EventBridgeEvent<string, unknown>): Promise<{ outcome: EventOutcome }> => {
    const parsed = parseOrderEvent(event);
    if (!parsed) {
      logger.warn('Malformed order event dropped', { source: event.source, detailType: event['detail-type'] });
      return { outcome: 'invalid' };
    }
    return { outcome: await handleOrderEvent(parsed, deps) };
  },
  { correlationIdPath: 'id' },
);
