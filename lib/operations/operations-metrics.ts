import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';

/** The namespace of the business metrics (`POWERTOOLS_METRICS_NAMESPACE` of every function). */
export const BUSINESS_NAMESPACE = 'dishpatch';

/**
 * The Powertools service that emits the order metrics (`POWERTOOLS_SERVICE_NAME` of `PlaceOrderApi` and
 * `RecordStatus`): Powertools adds it as the `service` dimension of every metric.
 */
export const ORDERS_SERVICE = 'orders';

/** The business metrics of `functions/shared/powertools.ts`, with the statistic that makes sense for each. */
export const BUSINESS_METRICS = {
  OrdersPlaced: { label: 'placed', statistic: cloudwatch.Stats.SUM, unit: cloudwatch.Unit.COUNT },
  OrdersAccepted: { label: 'accepted', statistic: cloudwatch.Stats.SUM, unit: cloudwatch.Unit.COUNT },
  OrdersRejected: { label: 'rejected', statistic: cloudwatch.Stats.SUM, unit: cloudwatch.Unit.COUNT },
  OrdersCancelled: { label: 'cancelled', statistic: cloudwatch.Stats.SUM, unit: cloudwatch.Unit.COUNT },
  OrdersDelivered: { label: 'delivered', statistic: cloudwatch.Stats.SUM, unit: cloudwatch.Unit.COUNT },
  PaymentsDeclined: { label: 'payments declined', statistic: cloudwatch.Stats.SUM, unit: cloudwatch.Unit.COUNT },
  OrderValueCents: { label: 'order value (cents)', statistic: cloudwatch.Stats.AVERAGE, unit: cloudwatch.Unit.NONE },
  TimeToAcceptSeconds: { label: 'time to accept', statistic: cloudwatch.Stats.p(50), unit: cloudwatch.Unit.SECONDS },
  TimeToDeliverSeconds: { label: 'time to deliver', statistic: cloudwatch.Stats.p(50), unit: cloudwatch.Unit.SECONDS },
} as const;

/** A business metric name. */
export type BusinessMetricName = keyof typeof BUSINESS_METRICS;

/** The default period of dashboard graphs and alarms. */
export const PERIOD = Duration.minutes(1);

/** A business metric as the handlers emit it (namespace `dishpatch`, dimension `service=orders`). */
export function businessMetric(name: BusinessMetricName, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  const { label, statistic } = BUSINESS_METRICS[name];
  return new cloudwatch.Metric({
    namespace: BUSINESS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: ORDERS_SERVICE },
    statistic,
    label,
    period: PERIOD,
    ...options,
  });
}

/** One API method, as API Gateway's detailed metrics name it. */
export interface ApiRoute {
  readonly resource: string;
  readonly method: string;
}

/** Every route of `api` except CORS preflights, in declaration order. */
export function apiRoutes(api: apigw.RestApi): ApiRoute[] {
  return api.methods
    .filter((method) => method.httpMethod !== 'OPTIONS')
    .map((method) => ({ resource: method.resource.path, method: method.httpMethod }));
}

/** The route group of a path: its first segment (`/orders/{orderId}/cancel` → `/orders`). */
export function routeGroup(resource: string): string {
  return `/${resource.split('/')[1] ?? ''}`;
}

/** An API Gateway metric of one route (detailed metrics are enabled on every stage). */
export function routeMetric(
  stage: apigw.Stage,
  route: ApiRoute,
  metricName: string,
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/ApiGateway',
    metricName,
    dimensionsMap: {
      ApiName: stage.restApi.restApiName,
      Stage: stage.stageName,
      Resource: route.resource,
      Method: route.method,
    },
    statistic: cloudwatch.Stats.SUM,
    period: PERIOD,
    label: `${route.method} ${route.resource}`,
    ...options,
  });
}

/**
 * An `AWS/Events` metric of a rule. Rules on a custom bus are measured under both `EventBusName` and
 * `RuleName`; `RuleName` alone is the default bus.
 */
export function ruleMetric(rule: events.Rule, metricName: string, label: string): cloudwatch.Metric {
  const cfnRule = rule.node.defaultChild as events.CfnRule;
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName,
    dimensionsMap: {
      ...(cfnRule.eventBusName === undefined ? {} : { EventBusName: cfnRule.eventBusName }),
      RuleName: rule.ruleName,
    },
    statistic: cloudwatch.Stats.SUM,
    period: PERIOD,
    label,
  });
}
