import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import type { StageConfig } from './config/stages';
import { ProfileConfirmation } from './profile/profile-store';
import { ORDERS_INDEXES, RESTAURANTS_INDEXES } from './resources';

/** Props of {@link StatefulStack}. */
export interface StatefulStackProps extends StackProps {
  /** The stage this stack belongs to. */
  readonly config: StageConfig;
}

/** Key schema and indexes of one table; everything else is the same for every table of the app. */
interface TableSpec {
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes?: readonly { readonly name: string; readonly partitionKey: string; readonly sortKey: string }[];
  readonly timeToLiveAttribute?: string;
}

/**
 * Everything that holds data and must outlive a redeploy of the code: the tables, the event bus and the
 * Cognito user pool. The stateless stack receives these as `ITable`/`IEventBus`/`IUserPool`.
 *
 * Later services add their own tables through {@link StatefulStack.addTable}, so they get the same billing,
 * encryption, PITR and removal policy as the order path.
 */
export class StatefulStack extends Stack {
  /** Orders, keyed by `orderId`, with `byCustomer`, `byRestaurant` and `byRestaurantStatus` indexes. */
  public readonly ordersTable: dynamodb.Table;
  /** Restaurants and their menu items (`pk` = restaurantId, `sk` = `RESTAURANT` | `ITEM#<id>`). */
  public readonly restaurantsTable: dynamodb.Table;
  /** Payment authorizations on the fake provider, keyed by `orderId`. */
  public readonly paymentsTable: dynamodb.Table;
  /** Powertools idempotency records of `POST /orders`. */
  public readonly idempotencyTable: dynamodb.Table;
  /** Profiles, saved addresses and favorites (pk `userId`, sk `PROFILE` | `ADDRESS#<id>` | `FAVORITE#<id>`). */
  public readonly profileTable: dynamodb.Table;
  /** The custom bus `dishpatch-<stage>`. */
  public readonly eventBus: events.EventBus;
  /** Users: customers (no group), `restaurant` staff, `courier`, `admin`. */
  public readonly userPool: cognito.UserPool;
  /** The public app client (no secret) used by every front end. */
  public readonly userPoolClient: cognito.UserPoolClient;

  private readonly config: StageConfig;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    this.config = props.config;

    this.ordersTable = this.addTable('OrdersTable', {
      partitionKey: 'orderId',
      indexes: [
        { name: ORDERS_INDEXES.byCustomer, partitionKey: 'customerId', sortKey: 'placedAt' },
        { name: ORDERS_INDEXES.byRestaurant, partitionKey: 'restaurantId', sortKey: 'placedAt' },
        { name: ORDERS_INDEXES.byRestaurantStatus, partitionKey: 'restaurantStatus', sortKey: 'placedAt' },
      ],
    });
    this.restaurantsTable = this.addTable('RestaurantsTable', {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: [{ name: RESTAURANTS_INDEXES.byType, partitionKey: 'entityType', sortKey: 'name' }],
    });
    this.paymentsTable = this.addTable('PaymentsTable', { partitionKey: 'orderId' });
    this.idempotencyTable = this.addTable('IdempotencyTable', {
      partitionKey: 'id',
      timeToLiveAttribute: 'expiration',
    });

    // Tombstones of removed addresses and favorites expire through `expiresAt` (functions/profile).
    this.profileTable = this.addTable('ProfileTable', {
      partitionKey: 'userId',
      sortKey: 'sk',
      timeToLiveAttribute: 'expiresAt',
    });

    this.eventBus = new events.EventBus(this, 'EventBus', { eventBusName: `dishpatch-${props.config.stage}` });

    this.userPool = this.createUserPool();
    this.userPoolClient = this.userPool.addClient('WebClient', {
      generateSecret: false,
      authFlows: { userPassword: true, userSrp: true },
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    new ProfileConfirmation(this, 'Profile', {
      config: props.config,
      userPool: this.userPool,
      profileTable: this.profileTable,
    });
  }

  /**
   * Adds a table with the app's common settings: on-demand billing, AWS-managed encryption, PITR and removal
   * policy from the stage, every GSI projecting ALL.
   */
  public addTable(id: string, spec: TableSpec): dynamodb.Table {
    const attribute = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    const table = new dynamodb.Table(this, id, {
      partitionKey: attribute(spec.partitionKey),
      sortKey: spec.sortKey === undefined ? undefined : attribute(spec.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: this.config.pointInTimeRecovery },
      removalPolicy: this.config.removalPolicy,
      deletionProtection: this.config.pointInTimeRecovery,
      timeToLiveAttribute: spec.timeToLiveAttribute,
    });
    for (const index of spec.indexes ?? []) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    if (!this.config.pointInTimeRecovery) {
      Validations.of(table).acknowledge({
        id: 'AwsSolutions-DDB3',
        reason: `Stage ${this.config.stage} holds disposable test data; staging and prod enable point-in-time recovery.`,
      });
    }
    return table;
  }

  private createUserPool(): cognito.UserPool {
    const pool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `dishpatch-${this.config.stage}`,
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        // Set by admins when they add a user to the `restaurant` group; surfaces as the `custom:restaurantId` claim.
        restaurantId: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { sms: false, otp: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy: this.config.removalPolicy,
      deletionProtection: this.config.pointInTimeRecovery,
    });
    Validations.of(pool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'Customers sign up themselves and must be able to order without a second factor; TOTP MFA is offered to everyone (optional).',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'Threat protection needs the Cognito Plus feature plan (paid per active user); revisit before public launch.',
      },
    );
    pool.addGroup('RestaurantGroup', {
      groupName: 'restaurant',
      description: 'Restaurant staff; their custom:restaurantId says which restaurant',
    });
    pool.addGroup('CourierGroup', { groupName: 'courier', description: 'Couriers delivering orders' });
    pool.addGroup('AdminGroup', { groupName: 'admin', description: 'Operators with access to everything' });
    return pool;
  }
}
