import { Duration } from 'aws-cdk-lib';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import { ServiceFunction } from '../constructs/service-function';
import { ORDERS_INDEXES, type StatefulResources } from '../resources';
import type { DishpatchApi } from './dishpatch-api';

/** Props of {@link OrderRoutes}. */
export interface OrderRoutesProps {
  readonly config: StageConfig;
  readonly resources: StatefulResources;
  readonly api: DishpatchApi;
  /** EXPRESS PlaceOrder, run synchronously by `POST /orders`. */
  readonly placeOrder: IStateMachine;
  /** The lifecycle a cancel fails the restaurant wait of. */
  readonly orderLifecycle: IStateMachine;
}

/** DESIGN §2 "Orders". */
export class OrderRoutes extends Construct {
  public readonly placeOrderApi: ServiceFunction;
  public readonly listOrders: ServiceFunction;
  public readonly getOrder: ServiceFunction;
  public readonly getOrderStatus: ServiceFunction;
  public readonly editOrder: ServiceFunction;
  public readonly cancelOrder: ServiceFunction;

  constructor(scope: Construct, id: string, props: OrderRoutesProps) {
    super(scope, id);
    const { config, resources, api } = props;
    const handler = (fnId: string, file: string, timeout?: Duration) =>
      new ServiceFunction(this, fnId, { entry: `functions/orders/${file}.ts`, config, service: 'orders', timeout });
    const orders = (access: 'read' | 'readWrite') =>
      ({ table: resources.ordersTable, access, env: 'ORDERS_TABLE_NAME' }) as const;

    // Waits for the EXPRESS workflow (itself capped at 20 s), inside API Gateway's 29 s integration limit.
    this.placeOrderApi = handler('PlaceOrderApi', 'place-order', Duration.seconds(25)).bindTable({
      table: resources.idempotencyTable,
      access: 'readWrite',
      env: 'IDEMPOTENCY_TABLE_NAME',
    });
    this.placeOrderApi.addEnvironment('PLACE_ORDER_STATE_MACHINE_ARN', props.placeOrder.stateMachineArn);
    props.placeOrder.grantStartSyncExecution(this.placeOrderApi);

    this.listOrders = handler('ListOrders', 'list-orders').bindTable({
      ...orders('read'),
      indexes: [ORDERS_INDEXES.byCustomer],
    });
    this.getOrder = handler('GetOrder', 'get-order').bindTable(orders('read'));
    this.getOrderStatus = handler('GetOrderStatus', 'get-order-status').bindTable(orders('read'));
    this.editOrder = handler('EditOrder', 'edit-order')
      .bindTable(orders('readWrite'))
      // Re-prices from the menu (prices never come from the client) and moves the stock reservation.
      .bindTable({ table: resources.restaurantsTable, access: 'readWrite', env: 'RESTAURANTS_TABLE_NAME' });
    this.cancelOrder = handler('CancelOrder', 'cancel-order').bindTable(orders('readWrite'));
    props.orderLifecycle.grantTaskResponse(this.cancelOrder);

    api.addLambdaRoute('POST', '/orders', this.placeOrderApi, {
      body: 'PlaceOrderRequest',
      requiredHeaders: ['Idempotency-Key'],
    });
    api.addLambdaRoute('GET', '/orders', this.listOrders);
    api.addLambdaRoute('GET', '/orders/{orderId}', this.getOrder);
    api.addLambdaRoute('GET', '/orders/{orderId}/status', this.getOrderStatus);
    api.addLambdaRoute('PATCH', '/orders/{orderId}', this.editOrder, { body: 'EditOrderRequest' });
    // No body: the order id is in the path and the caller in the token.
    api.addLambdaRoute('POST', '/orders/{orderId}/cancel', this.cancelOrder);
  }
}
