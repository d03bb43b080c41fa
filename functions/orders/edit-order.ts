import { z } from 'zod';
import { assertOrderAccess, type Caller } from '#shared/auth';
import { documentClient } from '#shared/clients';
import { retryOnConflict } from '#shared/dynamo';
import { requiredEnv } from '#shared/env';
import { NotFoundError, OrderNotEditableError } from '#shared/errors';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { type OrderRecord, type OrderView, toOrderView } from '#shared/order';
import { OrdersRepository } from '#shared/orders-repository';
import { limitedStockNeeds, priceOrder } from '#shared/pricing';
import { RestaurantsRepository } from '#shared/restaurants-repository';
import { deliveryAddressSchema, idSchema, notesSchema, requestedLinesSchema } from '#shared/schemas';
import { StockLedger } from '#shared/stock';
import { jsonBody, parseInput, pathParameter } from '#shared/validation';
import { type AddressView, ProfileRepository } from '../profile/profile-repository';

/** Body of PATCH /orders/{orderId}: what may change while the order is PLACED. Never prices. */
export const editOrderBody = z
  .strictObject({
    items: requestedLinesSchema.optional(),
    deliveryAddress: deliveryAddressSchema.optional(),
    addressId: idSchema.optional(),
    notes: notesSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'Nothing to change' })
  .refine((body) => !(body.deliveryAddress && body.addressId), {
    message: 'Give deliveryAddress or addressId, not both',
    path: ['addressId'],
  });

/** A validated edit. */
export type OrderEdit = z.infer<typeof editOrderBody>;

/** Dependencies of {@link editOrder}. */
export interface EditOrderDeps {
  orders: Pick<OrdersRepository, 'get' | 'update'>;
  restaurants: Pick<RestaurantsRepository, 'get' | 'menu'>;
  stock: Pick<StockLedger, 'change'>;
  /** The caller's saved address by id (the caller's own partition: another user's id is not found). */
  findAddress: (userId: string, addressId: string) => Promise<AddressView | undefined>;
  now: () => string;
}

/**
 * Edits an order its owner placed, only while PLACED: new lines are re-priced from the menu, the stock
 * reservation moves to the new quantities, and the write is conditional on the revision it was decided
 * on; if that write loses a race the stock move is undone and the edit is decided again.
 */
export async function editOrder(
  caller: Caller,
  orderId: string,
  edit: OrderEdit,
  deps: EditOrderDeps,
): Promise<OrderView> {
  const updated = await retryOnConflict(async (): Promise<OrderRecord> => {
    const order = await deps.orders.get(orderId);
    assertOrderAccess(caller, order, 'owner');
    if (order.status !== 'PLACED' || order.cancelRequested) {
      throw new OrderNotEditableError(`Order ${orderId} is ${order.status} and can no longer be edited`);
    }
    const set: Record<string, unknown> = { updatedAt: deps.now() };
    if (edit.deliveryAddress) set.deliveryAddress = edit.deliveryAddress;
    if (edit.addressId) {
      // As POST /orders: a saved address of the owner, stored with its id; another user's id is a 404.
      const saved = await deps.findAddress(order.customerId, edit.addressId);
      if (saved === undefined) throw new NotFoundError(`Address ${edit.addressId} not found`);
      set.deliveryAddress = saved;
    }
    if (edit.notes !== undefined) set.notes = edit.notes;
    let undoStock: (() => Promise<void>) | undefined;
    if (edit.items) {
      const restaurant = await deps.restaurants.get(order.restaurantId);
      const menu = await deps.restaurants.menu(order.restaurantId);
      const priced = priceOrder(restaurant, menu, edit.items);
      const from = order.stockReserved ?? {};
      const to = limitedStockNeeds(menu, edit.items);
      await deps.stock.change(order.restaurantId, orderId, from, to);
      undoStock = () => deps.stock.change(order.restaurantId, orderId, to, from);
      Object.assign(set, { items: priced.items, totalCents: priced.totalCents, stockReserved: to });
    }
    try {
      return await deps.orders.update(order, { set, expectedStatus: 'PLACED', visible: true });
    } catch (error) {
      await undoStock?.();
      throw error;
    }
  });
  return toOrderView(updated);
}

const restaurantsTable = requiredEnv('RESTAURANTS_TABLE_NAME');
const profiles = new ProfileRepository(documentClient(), requiredEnv('PROFILE_TABLE_NAME'));
const deps: EditOrderDeps = {
  orders: new OrdersRepository(documentClient(), requiredEnv('ORDERS_TABLE_NAME')),
  restaurants: new RestaurantsRepository(documentClient(), restaurantsTable),
  stock: new StockLedger(documentClient(), restaurantsTable),
  findAddress: (userId, addressId) => profiles.getAddress(userId, addressId),
  now: () => new Date().toISOString(),
};

/** PATCH /orders/{orderId}: the owner edits a PLACED order; 200 with the re-priced order. */
export const handler = apiRoute(async ({ event, caller, requestId }) => {
  const orderId = pathParameter(event, 'orderId');
  const edit = parseInput(editOrderBody, jsonBody(event), 'body');
  return jsonResponse(200, await editOrder(caller, orderId, edit, deps), requestId);
});
