import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from './dynamo';
import { OutOfStockError } from './errors';
import { ITEM_SK_PREFIX } from './restaurants-repository';

/** Quantities per menu item. */
export type Quantities = Record<string, number>;

type Outcome = 'applied' | 'already' | 'short';

/**
 * Limited stock on menu items. Each reservation leaves the order id in the item's `reservedOrders` string
 * set, in the same conditional update as the decrement, so a retried reservation or release is recognised
 * and applied once (DynamoDB has no transactions in the local engine, and a retry must not double-count).
 * A delivered order's marker is settled (removed without giving stock back), so the set holds only open
 * orders and an item stays far from DynamoDB's 400 KB item limit however many orders it has served.
 */
export class StockLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Reserves every quantity or none: on a shortfall, whatever this order holds is released again and
   * {@link OutOfStockError} lists the short items.
   */
  async reserveAll(restaurantId: string, orderId: string, needs: Quantities): Promise<Quantities> {
    const held: Quantities = {};
    for (const [menuItemId, quantity] of Object.entries(needs)) {
      const outcome = await this.reserve(restaurantId, orderId, menuItemId, quantity);
      if (outcome === 'short') {
        await this.releaseAll(restaurantId, orderId, held);
        throw new OutOfStockError(`Not enough stock for ${menuItemId}`, [{ menuItemId, requested: quantity }]);
      }
      held[menuItemId] = quantity;
    }
    return held;
  }

  /** Gives reserved quantities back; items this order does not hold (already released) are skipped. */
  async releaseAll(restaurantId: string, orderId: string, reserved: Quantities): Promise<Quantities> {
    const released: Quantities = {};
    for (const [menuItemId, quantity] of Object.entries(reserved)) {
      if ((await this.release(restaurantId, orderId, menuItemId, quantity)) === 'applied') {
        released[menuItemId] = quantity;
      }
    }
    return released;
  }

  /**
   * Settles a delivered order's reservation: the stock stays consumed and the order's marker leaves each item.
   * Idempotent; a release after it finds nothing to give back.
   */
  async settleAll(restaurantId: string, orderId: string, reserved: Quantities): Promise<string[]> {
    const settled: string[] = [];
    for (const menuItemId of Object.keys(reserved)) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(restaurantId, menuItemId),
            UpdateExpression: 'DELETE #reservedOrders :order',
            ConditionExpression: 'contains(#reservedOrders, :orderId)',
            ExpressionAttributeNames: { '#reservedOrders': 'reservedOrders' },
            ExpressionAttributeValues: { ':order': new Set([orderId]), ':orderId': orderId },
          }),
        );
        settled.push(menuItemId);
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    return settled;
  }

  /**
   * Moves an order's reservation from `from` to `to` (an edit): reserves new items, releases dropped ones,
   * adjusts changed ones. On a shortfall every step already taken is undone and {@link OutOfStockError}
   * is thrown, so the reservation stays exactly `from`.
   */
  async change(restaurantId: string, orderId: string, from: Quantities, to: Quantities): Promise<void> {
    const undo: Array<() => Promise<unknown>> = [];
    const ids = [...new Set([...Object.keys(from), ...Object.keys(to)])];
    for (const menuItemId of ids) {
      const before = from[menuItemId] ?? 0;
      const after = to[menuItemId] ?? 0;
      if (before === after) continue;
      let outcome: Outcome;
      if (before === 0) {
        outcome = await this.reserve(restaurantId, orderId, menuItemId, after);
        undo.push(() => this.release(restaurantId, orderId, menuItemId, after));
      } else if (after === 0) {
        outcome = await this.release(restaurantId, orderId, menuItemId, before);
        undo.push(() => this.reserve(restaurantId, orderId, menuItemId, before));
      } else {
        outcome = await this.adjust(restaurantId, orderId, menuItemId, after - before);
        undo.push(() => this.adjust(restaurantId, orderId, menuItemId, before - after));
      }
      if (outcome === 'short') {
        undo.pop();
        for (const step of undo.reverse()) await step();
        throw new OutOfStockError(`Not enough stock for ${menuItemId}`, [{ menuItemId, requested: after }]);
      }
    }
  }

  private key(restaurantId: string, menuItemId: string) {
    return { pk: restaurantId, sk: `${ITEM_SK_PREFIX}${menuItemId}` };
  }

  private async reserve(restaurantId: string, orderId: string, menuItemId: string, quantity: number): Promise<Outcome> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(restaurantId, menuItemId),
          UpdateExpression: 'SET #stock = #stock - :quantity ADD #reservedOrders :order',
          ConditionExpression: '#stock >= :quantity AND NOT contains(#reservedOrders, :orderId)',
          ExpressionAttributeNames: { '#stock': 'stock', '#reservedOrders': 'reservedOrders' },
          ExpressionAttributeValues: { ':quantity': quantity, ':order': new Set([orderId]), ':orderId': orderId },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'applied';
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // The item as it was is returned by DynamoDB, but not by every local engine: read it then.
      const old =
        (error as { Item?: Record<string, unknown> }).Item ??
        (
          await this.client.send(
            new GetCommand({
              TableName: this.tableName,
              Key: this.key(restaurantId, menuItemId),
              ConsistentRead: true,
            }),
          )
        ).Item;
      return holds(old, orderId) ? 'already' : 'short';
    }
  }

  private async release(restaurantId: string, orderId: string, menuItemId: string, quantity: number): Promise<Outcome> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(restaurantId, menuItemId),
          UpdateExpression: 'SET #stock = #stock + :quantity DELETE #reservedOrders :order',
          ConditionExpression: 'contains(#reservedOrders, :orderId)',
          ExpressionAttributeNames: { '#stock': 'stock', '#reservedOrders': 'reservedOrders' },
          ExpressionAttributeValues: { ':quantity': quantity, ':order': new Set([orderId]), ':orderId': orderId },
        }),
      );
      return 'applied';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'already';
      throw error;
    }
  }

  private async adjust(restaurantId: string, orderId: string, menuItemId: string, delta: number): Promise<Outcome> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(restaurantId, menuItemId),
          UpdateExpression: 'SET #stock = #stock - :delta',
          ConditionExpression:
            delta > 0
              ? 'contains(#reservedOrders, :orderId) AND #stock >= :delta'
              : 'contains(#reservedOrders, :orderId)',
          ExpressionAttributeNames: { '#stock': 'stock', '#reservedOrders': 'reservedOrders' },
          ExpressionAttributeValues: { ':delta': delta, ':orderId': orderId },
        }),
      );
      return 'applied';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'short';
      throw error;
    }
  }
}

/**
 * Whether an item already holds a reservation for the order: as `ReturnValuesOnConditionCheckFailure`
 * gives it (marshalled, the document client does not convert errors) or as a read gives it (a Set).
 */
function holds(item: Record<string, unknown> | undefined, orderId: string): boolean {
  const reserved = item?.reservedOrders as { SS?: string[] } | Set<string> | undefined;
  if (reserved instanceof Set) return reserved.has(orderId);
  return reserved?.SS?.includes(orderId) ?? false;
}
