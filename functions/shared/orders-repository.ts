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

/** A change to an order, written only if the order still has the version it was decided on. */
export interface OrderChange {
  set?: Record<string, unknown>;
  remove?: readonly string[];
  /** Also require this status (belt and braces next to the version). */
  expectedStatus?: OrderStatus;
  /** Bump `version`: every change the API or the workflow must serialize against does. */
  bumpVersion?: boolean;
}

/** Reads and writes `OrdersTable`. All writes are conditional on the order's `version`. */
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
   * Writes a change if the order still has `order.version` (and status, when given); returns the new
   * order. A lost race surfaces as `ConditionalCheckFailedException` for `retryOnConflict`.
   */
  async update(order: OrderRecord, change: OrderChange): Promise<OrderRecord> {
    const set = { ...change.set };
    if (change.bumpVersion !== false) set.version = order.version + 1;
    const expression = updateExpression(set, change.remove);
    const names: Record<string, string> = { ...expression.ExpressionAttributeNames, '#version': 'version' };
    const values: Record<string, unknown> = {
      ...expression.ExpressionAttributeValues,
      ':expectedVersion': order.version,
    };
    let condition = '#version = :expectedVersion';
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
