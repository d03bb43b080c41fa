import { ArnFormat, Stack, type StackProps } from 'aws-cdk-lib';
import type { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { OrderLifecycleWorkflow } from '../workflows/order-lifecycle/order-lifecycle-workflow';
import { PlaceOrderWorkflow } from '../workflows/place-order/place-order-workflow';
import { DishpatchApi } from './api/dishpatch-api';
import { EventRoutes } from './api/event-routes';
import { OrderRoutes } from './api/order-routes';
import { RestaurantRoutes } from './api/restaurant-routes';
import type { StageConfig } from './config/stages';
import { ServiceFunction } from './constructs/service-function';
import { discoverOperatedResources } from './operations/operated-resources';
import { OperationalAlarms } from './operations/operational-alarms';
import { OperationsDashboard } from './operations/operations-dashboard';
import { OrderEventRouting } from './orders/order-event-routing';
import { WorkflowSteps } from './orders/workflow-steps';
import { ProfileService } from './profile/profile-service';
import type { StatefulResources } from './resources';

/** Props of {@link StatelessStack}. */
export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  /** Tables, bus and user pool from the stateful stack. */
  readonly resources: StatefulResources;
}

/**
 * Everything that can be replaced without losing data: functions, the REST API, the two workflows, the event
 * rules, queues and alarms. Each service is one construct; a new service (profile, issue 7) adds its own
 * construct here and its routes through {@link DishpatchApi}.
 */
export class StatelessStack extends Stack {
  public readonly api: DishpatchApi;
  public readonly workflowSteps: WorkflowSteps;
  public readonly orderLifecycle: OrderLifecycleWorkflow;
  public readonly placeOrder: PlaceOrderWorkflow;
  public readonly orderEvents: OrderEventRouting;
  public readonly restaurantRoutes: RestaurantRoutes;
  public readonly orderRoutes: OrderRoutes;
  public readonly profile: ProfileService;
  /** The stage's CloudWatch dashboard `dishpatch-<stage>`. */
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, resources } = props;

    const orderLifecycleName = `dishpatch-${config.stage}-order-lifecycle`;
    this.workflowSteps = new WorkflowSteps(this, 'WorkflowSteps', {
      config,
      resources,
      orderLifecycleArn: this.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: orderLifecycleName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    });
    const steps = this.workflowSteps;

    this.orderLifecycle = new OrderLifecycleWorkflow(this, 'OrderLifecycle', {
      config,
      stateMachineName: orderLifecycleName,
      timeouts: config.timeouts,
      authorizePayment: steps.authorizePayment,
      voidPayment: steps.voidPayment,
      capturePayment: steps.capturePayment,
      releaseStock: steps.releaseStock,
      awaitEvent: steps.awaitEvent,
      recordStatus: steps.recordStatus,
    });
    this.placeOrder = new PlaceOrderWorkflow(this, 'PlaceOrder', {
      config,
      stateMachineName: `dishpatch-${config.stage}-place-order`,
      priceOrder: steps.priceOrder,
      reserveStock: steps.reserveStock,
      releaseStock: steps.releaseStock,
      ordersTable: resources.ordersTable,
      orderLifecycle: this.orderLifecycle.stateMachine,
    });

    this.orderEvents = new OrderEventRouting(this, 'OrderEvents', {
      config,
      resources,
      orderLifecycle: this.orderLifecycle.stateMachine,
    });

    const authorizer = new ServiceFunction(this, 'Authorizer', {
      entry: 'functions/auth/authorizer.ts',
      config,
      service: 'auth',
      environment: {
        USER_POOL_ID: resources.userPool.userPoolId,
        USER_POOL_CLIENT_ID: resources.userPoolClient.userPoolClientId,
      },
    });
    this.api = new DishpatchApi(this, 'Api', { config, authorizerFunction: authorizer });
    this.restaurantRoutes = new RestaurantRoutes(this, 'Restaurants', { config, resources, api: this.api });
    this.orderRoutes = new OrderRoutes(this, 'Orders', {
      config,
      resources,
      api: this.api,
      placeOrder: this.placeOrder.stateMachine,
      orderLifecycle: this.orderLifecycle.stateMachine,
    });
    new EventRoutes(this, 'Events', { api: this.api, eventBus: resources.eventBus });
    this.profile = new ProfileService(this, 'Profile', {
      config,
      api: this.api,
      profileTable: resources.profileTable,
      restaurantsTable: resources.restaurantsTable,
      eventBus: resources.eventBus,
      userPool: resources.userPool,
      savedAddressReaders: [this.orderRoutes.placeOrderApi, this.orderRoutes.editOrder],
    });

    // Last, so the dashboard and the alarms find every function, queue and rule the services above created.
    const operated = discoverOperatedResources(this);
    const stateMachines = {
      OrderLifecycle: this.orderLifecycle.stateMachine,
      PlaceOrder: this.placeOrder.stateMachine,
    };
    new OperationalAlarms(this, 'Alarms', {
      config,
      api: this.api.restApi,
      stateMachines,
      ...operated,
      functionsWithBusinessErrors: [steps.priceOrder, steps.reserveStock, steps.authorizePayment],
    });
    this.dashboard = new OperationsDashboard(this, 'Dashboard', {
      config,
      api: this.api.restApi,
      stateMachines,
      ...operated,
    }).dashboard;
  }
}
