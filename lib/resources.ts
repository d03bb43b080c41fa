import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';

/** The stateful resources the stateless stack builds on (what {@link StatefulStack} exposes). */
export interface StatefulResources {
  readonly ordersTable: ITable;
  readonly restaurantsTable: ITable;
  readonly paymentsTable: ITable;
  readonly idempotencyTable: ITable;
  /** The profile service's table (pk `userId`, sk `PROFILE` | `ADDRESS#<id>` | `FAVORITE#<restaurantId>`). */
  readonly profileTable: ITable;
  readonly eventBus: IEventBus;
  readonly userPool: cognito.IUserPool;
  readonly userPoolClient: cognito.IUserPoolClient;
}

/** Index names of the orders table (docs/app-contract.md). */
export const ORDERS_INDEXES = {
  byCustomer: 'byCustomer',
  byRestaurant: 'byRestaurant',
  byRestaurantStatus: 'byRestaurantStatus',
} as const;

/** Index names of the restaurants table. */
export const RESTAURANTS_INDEXES = { byType: 'byType' } as const;
