import { MenuItemUnavailableError, RestaurantClosedError } from './errors';
import type { OrderLine } from './order';
import type { MenuItemRecord, RestaurantRecord } from './restaurants-repository';

/** A line as the customer asks for it: an item and a quantity, never a price. */
export interface RequestedLine {
  menuItemId: string;
  quantity: number;
}

/** An order priced from the menu. */
export interface PricedOrder {
  restaurant: { restaurantId: string; name: string };
  items: OrderLine[];
  totalCents: number;
  currency: string;
}

/** Currency of a restaurant that does not say otherwise. */
export const DEFAULT_CURRENCY = 'USD';

/**
 * Prices requested lines from the menu (DESIGN §2: prices come from the menu, never from the client).
 * Pure: throws {@link RestaurantClosedError} for a closed restaurant and {@link MenuItemUnavailableError}
 * listing every unknown or unavailable item.
 */
export function priceOrder(
  restaurant: RestaurantRecord,
  menu: readonly MenuItemRecord[],
  lines: readonly RequestedLine[],
): PricedOrder {
  if (!restaurant.open) throw new RestaurantClosedError(restaurant.restaurantId);
  const byId = new Map(menu.map((item) => [item.menuItemId, item]));
  const unavailable = lines
    .map((line) => line.menuItemId)
    .filter((id) => {
      const item = byId.get(id);
      return !item?.available;
    });
  if (unavailable.length > 0) {
    const ids = [...new Set(unavailable)];
    throw new MenuItemUnavailableError(
      `Unavailable menu items: ${ids.join(', ')}`,
      ids.map((menuItemId) => ({ menuItemId })),
    );
  }
  const items = lines.map((line): OrderLine => {
    const item = byId.get(line.menuItemId) as MenuItemRecord;
    return {
      menuItemId: item.menuItemId,
      name: item.name,
      quantity: line.quantity,
      unitPriceCents: item.priceCents,
      lineTotalCents: item.priceCents * line.quantity,
    };
  });
  return {
    restaurant: { restaurantId: restaurant.restaurantId, name: restaurant.name },
    items,
    totalCents: items.reduce((sum, line) => sum + line.lineTotalCents, 0),
    currency: restaurant.currency ?? DEFAULT_CURRENCY,
  };
}

/** How much of each limited-stock item the lines need (lines for the same item add up). */
export function limitedStockNeeds(
  menu: readonly MenuItemRecord[],
  lines: readonly RequestedLine[],
): Record<string, number> {
  const limited = new Set(menu.filter((item) => item.stock !== undefined).map((item) => item.menuItemId));
  const needs: Record<string, number> = {};
  for (const line of lines) {
    if (limited.has(line.menuItemId)) needs[line.menuItemId] = (needs[line.menuItemId] ?? 0) + line.quantity;
  }
  return needs;
}
