import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import { ServiceFunction } from '../constructs/service-function';
import { COURIER_EVENT_TYPES, EVENT_SOURCES, RESTAURANT_EVENT_TYPES } from '../event-names';
import type { StatefulResources } from '../resources';

/** Props of {@link OrderEventRouting}. */
export interface OrderEventRoutingProps {
  readonly config: StageConfig;
  readonly resources: StatefulResources;
  /** The lifecycle whose task tokens the handler completes. */
  readonly orderLifecycle: IStateMachine;
}

/**
 * Restaurant and courier events on the bus → `OrderEventHandler`, which completes the lifecycle's task token.
 *
 * Two safety nets, because EventBridge invokes Lambda asynchronously: the rule targets retry for up to
 * {@link OrderEventRouting.MAX_EVENT_AGE} and then dead-letter to `targetDeadLetterQueue` (EventBridge could not
 * invoke); the function's own async retries end in `handlerFailureQueue` (the handler threw every time).
 */
export class OrderEventRouting extends Construct {
  /** How long an event is retried before it is dead-lettered: long enough to outlast a wait that starts late. */
  public static readonly MAX_EVENT_AGE = Duration.hours(2);

  public readonly handler: ServiceFunction;
  public readonly targetDeadLetterQueue: DeadLetterQueue;
  public readonly handlerFailureQueue: DeadLetterQueue;
  public readonly rules: readonly events.Rule[];

  constructor(scope: Construct, id: string, props: OrderEventRoutingProps) {
    super(scope, id);
    const { resources } = props;

    this.handlerFailureQueue = new DeadLetterQueue(this, 'HandlerFailureQueue');
    this.targetDeadLetterQueue = new DeadLetterQueue(this, 'TargetDeadLetterQueue');

    this.handler = new ServiceFunction(this, 'OrderEventHandler', {
      entry: 'functions/order-events/handle-order-event.ts',
      config: props.config,
      service: 'orders',
      description: 'Turns restaurant and courier events into SendTaskSuccess/SendTaskFailure',
    }).bindTable({ table: resources.ordersTable, access: 'readWrite', env: 'ORDERS_TABLE_NAME' });
    props.orderLifecycle.grantTaskResponse(this.handler);
    this.handler.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.handlerFailureQueue),
      retryAttempts: 2,
      maxEventAge: OrderEventRouting.MAX_EVENT_AGE,
    });

    const target = new targets.LambdaFunction(this.handler, {
      deadLetterQueue: this.targetDeadLetterQueue,
      maxEventAge: OrderEventRouting.MAX_EVENT_AGE,
      retryAttempts: 8,
    });
    this.rules = [
      new events.Rule(this, 'RestaurantEventsRule', {
        eventBus: resources.eventBus,
        description: 'Restaurant decisions and kitchen progress move the order lifecycle',
        eventPattern: { source: [EVENT_SOURCES.restaurant], detailType: [...RESTAURANT_EVENT_TYPES] },
        targets: [target],
      }),
      new events.Rule(this, 'CourierEventsRule', {
        eventBus: resources.eventBus,
        description: 'Courier pickups and deliveries move the order lifecycle',
        eventPattern: { source: [EVENT_SOURCES.courier], detailType: [...COURIER_EVENT_TYPES] },
        targets: [target],
      }),
    ];
  }
}
