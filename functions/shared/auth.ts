import type { APIGatewayProxyEvent } from 'aws-lambda';
import { z } from 'zod';
import { ForbiddenError, OrderNotFoundError, RestaurantNotFoundError, UnauthorizedError } from './errors';

/** Roles from Cognito groups (DESIGN §2): no group = customer. */
export const ROLES = ['customer', 'restaurant', 'courier', 'admin'] as const;

/** A caller's role. */
export type Role = (typeof ROLES)[number];

/** The verified caller, read from the authorizer context (never from the path or body). */
export interface Caller {
  userId: string;
  role: Role;
  /** Set for restaurant staff only: the restaurant they work for. */
  restaurantId?: string;
}

const authorizerContext = z.object({
  userId: z.string().min(1),
  role: z.enum(ROLES),
  restaurantId: z.string().min(1).optional(),
});

/**
 * Reads the caller from `requestContext.authorizer`. API Gateway only invokes a route after the
 * authorizer allowed it, so a missing or malformed context is a deployment fault: it answers 401 rather
 * than guessing an identity.
 */
export function callerFromEvent(event: Pick<APIGatewayProxyEvent, 'requestContext'>): Caller {
  const parsed = authorizerContext.safeParse(event.requestContext?.authorizer ?? undefined);
  if (!parsed.success) throw new UnauthorizedError('Missing or invalid caller identity');
  const { userId, role, restaurantId } = parsed.data;
  return role === 'restaurant' && restaurantId ? { userId, role, restaurantId } : { userId, role };
}

/** The fields of an order that decide who may see it. */
export interface OrderParties {
  customerId: string;
  restaurantId: string;
  courierId?: string;
}

/** Object-level access (DESIGN §2): the owner, that restaurant's staff, the courier on it, an admin. */
export function canSeeOrder(caller: Caller, order: OrderParties): boolean {
  switch (caller.role) {
    case 'admin':
      return true;
    case 'customer':
      return order.customerId === caller.userId;
    case 'restaurant':
      return caller.restaurantId !== undefined && order.restaurantId === caller.restaurantId;
    case 'courier':
      return order.courierId !== undefined && order.courierId === caller.userId;
  }
}

/**
 * Throws the 404 for an order the caller may not see (never a 403, which would confirm it exists),
 * and a 403 when the caller may see it but is not its owner (for owner-only writes).
 */
export function assertOrderAccess(
  caller: Caller,
  order: OrderParties & { orderId: string },
  access: 'read' | 'owner',
): void {
  if (!canSeeOrder(caller, order)) throw new OrderNotFoundError(order.orderId);
  if (access === 'owner' && order.customerId !== caller.userId) {
    throw new ForbiddenError('Only the customer who placed the order may change it');
  }
}

/** Whether the caller may manage a restaurant (its staff, or an admin). */
export function canManageRestaurant(caller: Caller, restaurantId: string): boolean {
  return caller.role === 'admin' || (caller.role === 'restaurant' && caller.restaurantId === restaurantId);
}

/**
 * Guards a staff route: other roles get 403 (they never may), staff of another restaurant get 404 (the
 * route's object — that restaurant's orders and settings — is not theirs to see).
 */
export function assertManagesRestaurant(caller: Caller, restaurantId: string): void {
  if (caller.role !== 'admin' && caller.role !== 'restaurant') {
    throw new ForbiddenError('Only restaurant staff and admins may do this');
  }
  if (!canManageRestaurant(caller, restaurantId)) throw new RestaurantNotFoundError(restaurantId);
}
