import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import { ServiceFunction } from '../constructs/service-function';
import type { StatefulResources } from '../resources';

/** Props of {@link WorkflowSteps}. */
export interface WorkflowStepsProps {
  readonly config: StageConfig;
  readonly resources: StatefulResources;
  /**
   * ARN of the OrderLifecycle state machine, built from its fixed name: the lifecycle references `AwaitEvent`,
   * so `AwaitEvent`'s policy cannot reference the lifecycle resource without a dependency cycle.
   */
  readonly orderLifecycleArn: string;
}

/** The Lambda functions the two state machines invoke (docs/app-contract.md, "Workflow steps"). */
export class WorkflowSteps extends Construct {
  public readonly priceOrder: ServiceFunction;
  public readonly reserveStock: ServiceFunction;
  public readonly releaseStock: ServiceFunction;
  public readonly authorizePayment: ServiceFunction;
  public readonly voidPayment: ServiceFunction;
  public readonly capturePayment: ServiceFunction;
  public readonly awaitEvent: ServiceFunction;
  public readonly recordStatus: ServiceFunction;

  constructor(scope: Construct, id: string, props: WorkflowStepsProps) {
    super(scope, id);
    const { config, resources } = props;
    const step = (stepId: string, file: string, service: string) =>
      new ServiceFunction(this, stepId, { entry: `functions/workflow/${file}.ts`, config, service });

    this.priceOrder = step('PriceOrder', 'price-order', 'orders').bindTable({
      table: resources.restaurantsTable,
      access: 'read',
      env: 'RESTAURANTS_TABLE_NAME',
    });
    this.reserveStock = step('ReserveStock', 'reserve-stock', 'orders').bindTable({
      table: resources.restaurantsTable,
      access: 'readWrite',
      env: 'RESTAURANTS_TABLE_NAME',
    });
    this.releaseStock = step('ReleaseStock', 'release-stock', 'orders')
      .bindTable({ table: resources.restaurantsTable, access: 'readWrite', env: 'RESTAURANTS_TABLE_NAME' })
      // Reads `stockReserved` from the order when the caller passes no reservation.
      .bindTable({ table: resources.ordersTable, access: 'read', env: 'ORDERS_TABLE_NAME' });

    const paymentStep = (stepId: string, file: string) =>
      step(stepId, file, 'payments').bindTable({
        table: resources.paymentsTable,
        access: 'readWrite',
        env: 'PAYMENTS_TABLE_NAME',
      });
    this.authorizePayment = paymentStep('AuthorizePayment', 'authorize-payment');
    this.voidPayment = paymentStep('VoidPayment', 'void-payment');
    this.capturePayment = paymentStep('CapturePayment', 'capture-payment');

    this.awaitEvent = step('AwaitEvent', 'await-event', 'orders').bindTable({
      table: resources.ordersTable,
      access: 'readWrite',
      env: 'ORDERS_TABLE_NAME',
    });
    this.awaitEvent.addEnvironment('EVENT_BUS_NAME', resources.eventBus.eventBusName);
    resources.eventBus.grantPutEventsTo(this.awaitEvent);
    // Honours an early event itself by completing its own task token.
    iam.Grant.addToPrincipal({
      grantee: this.awaitEvent,
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
      resourceArns: [props.orderLifecycleArn],
    });

    this.recordStatus = step('RecordStatus', 'record-status', 'orders')
      .bindTable({ table: resources.ordersTable, access: 'readWrite', env: 'ORDERS_TABLE_NAME' })
      // Settles a delivered order's stock reservation (removes its marker from the menu items).
      .bindTable({ table: resources.restaurantsTable, access: 'readWrite', env: 'RESTAURANTS_TABLE_NAME' });
    this.recordStatus.addEnvironment('EVENT_BUS_NAME', resources.eventBus.eventBusName);
    resources.eventBus.grantPutEventsTo(this.recordStatus);
  }
}
