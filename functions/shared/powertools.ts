import { Logger } from '@aws-lambda-powertools/logger';
import { search } from '@aws-lambda-powertools/logger/correlationId';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one logger of a function; service name and level come from the Powertools environment. The
 * JMESPath search lets the middleware pick the correlation id (API request id, EventBridge event id).
 */
export const logger = new Logger({ correlationIdSearchFn: search });

/**
 * The one metrics emitter (EMF); namespace from `POWERTOOLS_METRICS_NAMESPACE` (`dishpatch`). Its own
 * messages go through the structured logger at ERROR only: most handlers emit no business metric, and
 * Powertools would otherwise log a "no application metrics" warning on every such invocation.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'dishpatch',
  logger: logger.createChild({ logLevel: 'ERROR' }),
});

/** The one tracer; it wraps the SDK clients in `clients.ts`. */
export const tracer = new Tracer();

/** Business metric names, the only ones the code emits (DESIGN issue 2). */
export const MetricName = {
  OrdersPlaced: 'OrdersPlaced',
  OrdersAccepted: 'OrdersAccepted',
  OrdersRejected: 'OrdersRejected',
  OrdersCancelled: 'OrdersCancelled',
  OrdersDelivered: 'OrdersDelivered',
  PaymentsDeclined: 'PaymentsDeclined',
  OrderValueCents: 'OrderValueCents',
} as const;

/** A business metric name. */
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** Counts one occurrence of a business event. */
export function countMetric(name: Exclude<MetricName, 'OrderValueCents'>): void {
  metrics.addMetric(name, MetricUnit.Count, 1);
}

/** Records the value of a placed order, in cents (a plain number: CloudWatch has no currency unit). */
export function recordOrderValue(totalCents: number): void {
  metrics.addMetric(MetricName.OrderValueCents, MetricUnit.NoUnit, totalCents);
}
