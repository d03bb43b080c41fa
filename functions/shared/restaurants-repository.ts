import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, updateExpression } from './dynamo';
import { RestaurantNotFoundError } from './errors';
import type { PageKey } from './pagination';

/** Sort key of a restaurant's own item in `RestaurantsTable`. */
export const RESTAURANT_SK = 'RESTAURANT';
/** Sort key prefix of its menu items. */
export const ITEM_SK_PREFIX = 'ITEM#';

/** A restaurant as stored (`pk` = restaurantId, `sk` = RESTAURANT). */
export interface RestaurantRecord {
  restaurantId: string;
  name: string;
  cuisine?: string;
  open: boolean;
  currency?: string;
}

/** A menu item (`sk` = ITEM#id). `stock` absent means unlimited. */
export interface MenuItemRecord {
  menuItemId: string;
  name: string;
  priceCents: number;
  available: boolean;
  stock?: number;
}

/** What a menu item looks like in a PUT body (the id is optional: new items get one). */
export type MenuItemInput = Omit<MenuItemRecord, 'menuItemId'> & { menuItemId: string };

interface StoredItem extends Record<string, unknown> {
  pk: string;
  sk: string;
}

function toRestaurant(item: StoredItem): RestaurantRecord {
  const restaurant: RestaurantRecord = {
    restaurantId: item.pk,
    name: String(item.name ?? ''),
    open: item.open === true,
  };
  if (typeof item.cuisine === 'string') restaurant.cuisine = item.cuisine;
  if (typeof item.currency === 'string') restaurant.currency = item.currency;
  return restaurant;
}

function toMenuItem(item: StoredItem): MenuItemRecord {
  const menuItem: MenuItemRecord = {
    menuItemId: item.sk.slice(ITEM_SK_PREFIX.length),
    name: String(item.name ?? ''),
    priceCents: Number(item.priceCents ?? 0),
    available: item.available !== false,
  };
  if (typeof item.stock === 'number') menuItem.stock = item.stock;
  return menuItem;
}

/** Reads and writes `RestaurantsTable` (restaurants and their menus). */
export class RestaurantsRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** A restaurant, or undefined. */
  async find(restaurantId: string): Promise<RestaurantRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: restaurantId, sk: RESTAURANT_SK } }),
    );
    return Item ? toRestaurant(Item as StoredItem) : undefined;
  }

  /** A restaurant, or {@link RestaurantNotFoundError}. */
  async get(restaurantId: string): Promise<RestaurantRecord> {
    const restaurant = await this.find(restaurantId);
    if (!restaurant) throw new RestaurantNotFoundError(restaurantId);
    return restaurant;
  }

  /** A restaurant's whole menu (strongly consistent, as pricing and stock decisions are taken on it). */
  async menu(restaurantId: string): Promise<MenuItemRecord[]> {
    const items: MenuItemRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': restaurantId, ':prefix': ITEM_SK_PREFIX },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(page.Items ?? []).map((item) => toMenuItem(item as StoredItem)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Restaurants by name through the `byType` index (no scan). */
  async list(
    limit: number,
    startKey?: PageKey,
  ): Promise<{ restaurants: RestaurantRecord[]; lastKey?: Record<string, unknown> }> {
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byType',
        KeyConditionExpression: 'entityType = :type',
        ExpressionAttributeValues: { ':type': 'RESTAURANT' },
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    return {
      restaurants: (Items ?? []).map((item) => toRestaurant(item as StoredItem)),
      ...(LastEvaluatedKey ? { lastKey: LastEvaluatedKey } : {}),
    };
  }

  /** Opens or closes a restaurant; {@link RestaurantNotFoundError} when it does not exist. */
  async setOpen(restaurantId: string, open: boolean): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: restaurantId, sk: RESTAURANT_SK },
          UpdateExpression: 'SET #open = :open',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: { ':open': open },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new RestaurantNotFoundError(restaurantId);
      throw error;
    }
  }

  /**
   * Replaces a menu: upserts the given items (an update, so the stock reservation markers of live
   * orders survive) and deletes the items no longer listed.
   */
  async replaceMenu(restaurantId: string, items: readonly MenuItemInput[]): Promise<MenuItemRecord[]> {
    const existing = await this.menu(restaurantId);
    for (const item of items) {
      const { menuItemId, stock, ...fields } = item;
      const expression = updateExpression(
        { ...fields, entityType: 'MENU_ITEM', ...(stock !== undefined ? { stock } : {}) },
        stock === undefined ? ['stock'] : [],
      );
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: restaurantId, sk: `${ITEM_SK_PREFIX}${menuItemId}` },
          ...expression,
        }),
      );
    }
    const kept = new Set(items.map((item) => item.menuItemId));
    const removed = existing.filter((item) => !kept.has(item.menuItemId));
    for (let i = 0; i < removed.length; i += 25) {
      const chunk = removed.slice(i, i + 25);
      let requests: Record<string, unknown>[] | undefined = chunk.map((item) => ({
        DeleteRequest: { Key: { pk: restaurantId, sk: `${ITEM_SK_PREFIX}${item.menuItemId}` } },
      }));
      // BatchWrite may leave items unprocessed under throttling; send those again until none is left.
      while (requests && requests.length > 0) {
        const result = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = result.UnprocessedItems?.[this.tableName] as Record<string, unknown>[] | undefined;
      }
    }
    return items.map((item) => ({ ...item }));
  }
}
