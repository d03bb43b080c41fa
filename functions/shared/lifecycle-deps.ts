import { documentClient, eventBridgeClient } from './clients';
import { requiredEnv } from './env';
import { EventPublisher } from './event-publisher';
import { OrdersRepository } from './orders-repository';

/** The orders table and the event producer, as the lifecycle's functions use them (read at cold start). */
export function clientsForLifecycle(): { orders: OrdersRepository; publisher: EventPublisher } {
  return {
    orders: new OrdersRepository(documentClient(), requiredEnv('ORDERS_TABLE_NAME')),
    publisher: new EventPublisher(eventBridgeClient(), requiredEnv('EVENT_BUS_NAME')),
  };
}
