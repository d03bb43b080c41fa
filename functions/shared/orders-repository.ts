import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { updateExpression } from './dynamo';
import { OrderNotFoundError } from './errors';
import { type OrderRecord, restaurantStatusKey } from './order';
import type { OrderStatus } from './order-status';
import type { PageKey } from './pagination';

/** One page of orders. */
export interface OrderPage {
  orders: OrderRecord[];
  lastKey?: Record<string, unknown>;
}

/** Options of a list query. */
export interface PageOptions {
  limit: number;
  startKey?: PageKey;
  status?: OrderStatus;
}

/** Key attributes of the indexes, which a `nextToken` must carry exactly (app contract). */
export const ORDER_INDEX_KEYS = {
  byCustomer: ['orderId', 'customerId', 'placedAt'],
  byRestaurant: ['orderId', 'restaurantId', 'placedAt'],
  byRestaurantStatus: ['orderId', 'restaurantStatus', 'placedAt'],
} as const;

/** A change to an order, written only if the order is still the one it was decided on. */
export interface OrderChange {
  set?: Record<string, unknown>;
  remove?: readonly string[];
  /** Also require this status (belt and braces next to the revision). */
  expectedStatus?: OrderStatus;
  /**
   * The change is visible through the API (a status, an edit): bump the public `version`, which is the
   * status ETag. Internal bookkeeping (task token, early events, cancel flag) leaves it alone, so polling
   * clients are not told about changes they cannot see.
   */
  visible?: boolean;
}

/**
 * Reads and writes `OrdersTable`. Every write is conditional on the order's internal `revision`, which
 * every write bumps (the optimistic lock that serializes the API, the workflow steps and the event
 * handler); `version` is the public counter of visible changes.
 */
export class OrdersRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Reads an order (strongly consistent: decisions are taken on it). */
  async find(orderId: string): Promise<OrderRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item as OrderRecord | undefined;
  }

  /** Reads an order or throws {@link OrderNotFoundError}. */
  async get(orderId: string): Promise<OrderRecord> {
    const order = await this.find(orderId);
    if (!order) throw new OrderNotFoundError(orderId);
    return order;
  }

  /** A customer's orders, newest first, optionally of one status. */
  async listByCustomer(customerId: string, options: PageOptions): Promise<OrderPage> {
    return this.page({
      IndexName: 'byCustomer',
      KeyConditionExpression: 'customerId = :pk',
      ExpressionAttributeValues: { ':pk': customerId, ...(options.status ? { ':status': options.status } : {}) },
      ...(options.status
        ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }
        : {}),
      limit: options.limit,
      startKey: options.startKey,
    });
  }

  /** A restaurant's orders, newest first; by status through the `byRestaurantStatus` index. */
  async listByRestaurant(restaurantId: string, options: PageOptions): Promise<OrderPage> {
    if (options.status) {
      return this.page({
        IndexName: 'byRestaurantStatus',
        KeyConditionExpression: 'restaurantStatus = :pk',
        ExpressionAttributeValues: { ':pk': restaurantStatusKey(restaurantId, options.status) },
        limit: options.limit,
        startKey: options.startKey,
      });
    }
    return this.page({
      IndexName: 'byRestaurant',
      KeyConditionExpression: 'restaurantId = :pk',
      ExpressionAttributeValues: { ':pk': restaurantId },
      limit: options.limit,
      startKey: options.startKey,
    });
  }

  /**
   * Writes a change if the order still has the revision it was read with (and the status, when given);
   * returns the new order. A lost race surfaces as `ConditionalCheckFailedException` for `retryOnConflict`.
   */
  async update(order: OrderRecord, change: OrderChange): Promise<OrderRecord> {
    const set: Record<string, unknown> = { ...change.set, revision: (order.revision ?? 0) + 1 };
    if (change.visible) set.version = order.version + 1;
    const expression = updateExpression(set, change.remove);
    const names: Record<string, string> = { ...expression.ExpressionAttributeNames, '#revision': 'revision' };
    const values: Record<string, unknown> = { ...expression.ExpressionAttributeValues };
    // Orders written by the PlaceOrder workflow start without a revision.
    let condition = 'attribute_not_exists(#revision)';
    if (order.revision !== undefined) {
      values[':expectedRevision'] = order.revision;
      condition = '#revision = :expectedRevision';
    }
    if (change.expectedStatus) {
      names['#expectedStatus'] = 'status';
      values[':expectedStatus'] = change.expectedStatus;
      condition += ' AND #expectedStatus = :expectedStatus';
    }
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { orderId: order.orderId },
        UpdateExpression: expression.UpdateExpression,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes as OrderRecord;
  }

  private async page(query: {
    IndexName: string;
    KeyConditionExpression: string;
    ExpressionAttributeValues: Record<string, unknown>;
    FilterExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    limit: number;
    startKey: PageKey | undefined;
  }): Promise<OrderPage> {
    const { limit, startKey, ...rest } = query;
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        ...rest,
        ScanIndexForward: false,
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    return { orders: (Items ?? []) as OrderRecord[], ...(LastEvaluatedKey ? { lastKey: LastEvaluatedKey } : {}) };
  }
}
