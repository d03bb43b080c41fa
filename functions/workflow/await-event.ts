import { z } from 'zod';
import { sfnClient } from '#shared/clients';
import { retryOnConflict } from '#shared/dynamo';
import type { EventPublisher } from '#shared/event-publisher';
import { clientsForLifecycle } from '#shared/lifecycle-deps';
import { workflowStep } from '#shared/middleware';
import type { OrderEventRecord, OrderRecord } from '#shared/order';
import { orderPlacedEvent } from '#shared/order-announcements';
import {
  canTransition,
  isReachableLater,
  ORDER_EVENT_RULES,
  type OrderEventType,
  type OrderStatus,
  statusForEvent,
} from '#shared/order-status';
import type { OrdersRepository } from '#shared/orders-repository';
import { idSchema } from '#shared/schemas';
import { completeWait, completionFor, type WaitCompletion } from '#shared/task-tokens';

const eventTypes = Object.keys(ORDER_EVENT_RULES) as [OrderEventType, ...OrderEventType[]];

/** Input of `AwaitEvent` (invoked with `.waitForTaskToken`). */
export const awaitEventInput = z.object({
  orderId: idSchema,
  taskToken: z.string().min(1),
  awaiting: z.array(z.enum(eventTypes)).min(1),
  announce: z.literal('OrderPlaced').nullish(),
});

/** Dependencies of {@link awaitEventStep}. */
export interface AwaitEventDeps {
  orders: Pick<OrdersRepository, 'get' | 'update'>;
  publisher: Pick<EventPublisher, 'publish'>;
  completeWait: (taskToken: string, completion: WaitCompletion) => Promise<boolean>;
}

/** Whether an early event may still apply to an order in `status` (now or after later transitions). */
function stillApplies(status: OrderStatus, event: OrderEventRecord): boolean {
  const to = statusForEvent(event.type);
  return canTransition(status, to) || isReachableLater(status, to);
}

/**
 * Decides, on one revision of the order, whether the wait that begins is already over: a customer cancel
 * recorded while the order is PLACED fails it, and an early event it waits for completes it.
 */
function decide(order: OrderRecord, awaiting: readonly OrderEventType[]) {
  const pending = (order.pendingEvents ?? []).filter((event) => stillApplies(order.status, event));
  if (order.cancelRequested && order.status === 'PLACED') {
    const completion: WaitCompletion = { kind: 'failure', error: 'OrderCancelled', cause: 'Cancelled by the customer' };
    return { completion, pending };
  }
  const match = pending.find(
    (event) => awaiting.includes(event.type) && canTransition(order.status, statusForEvent(event.type)),
  );
  if (!match) return { completion: undefined, pending };
  return { completion: completionFor(match), pending: pending.filter((event) => event !== match) };
}

/**
 * Begins a wait: stores the task token and what it waits for on the order (never sent to restaurants),
 * honours a matching early event or a pending cancel at once, then announces the order if asked. All on
 * one revision of the order, so an event handled concurrently either sees the token or is seen here.
 */
export async function awaitEventStep(
  input: z.infer<typeof awaitEventInput>,
  deps: AwaitEventDeps,
): Promise<{ waiting: boolean }> {
  const { order, completion } = await retryOnConflict(async () => {
    const current = await deps.orders.get(input.orderId);
    const { completion, pending } = decide(current, input.awaiting);
    const updated = await deps.orders.update(current, {
      set: { taskToken: input.taskToken, awaiting: input.awaiting, pendingEvents: pending },
      remove: ['completing'],
    });
    return { order: updated, completion };
  });
  if (completion) await deps.completeWait(input.taskToken, completion);
  if (input.announce === 'OrderPlaced' && completion?.kind !== 'failure') {
    await deps.publisher.publish([orderPlacedEvent(order)]);
  }
  return { waiting: completion === undefined };
}

const deps: AwaitEventDeps = {
  ...clientsForLifecycle(),
  completeWait: (taskToken, completion) => completeWait(sfnClient(), taskToken, completion),
};

/** Lambda entry of the `AwaitEvent` step. */
export const handler = workflowStep(awaitEventInput, (input) => awaitEventStep(input, deps));
