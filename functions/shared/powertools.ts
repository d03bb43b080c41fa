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
  TimeToAcceptSeconds: 'TimeToAcceptSeconds',
  TimeToDeliverSeconds: 'TimeToDeliverSeconds',
} as const;

/** A business metric name. */
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** A business metric that counts occurrences. */
export type CountedMetricName = Exclude<MetricName, 'OrderValueCents' | ElapsedMetricName>;

/** A business metric that measures the time since an order was placed. */
export type ElapsedMetricName = 'TimeToAcceptSeconds' | 'TimeToDeliverSeconds';

/** Counts one occurrence of a business event. */
export function countMetric(name: CountedMetricName): void {
  metrics.addMetric(name, MetricUnit.Count, 1);
}

/** Records the value of a placed order, in cents (a plain number: CloudWatch has no currency unit). */
export function recordOrderValue(totalCents: number): void {
  metrics.addMetric(MetricName.OrderValueCents, MetricUnit.NoUnit, totalCents);
}

/** Records the seconds between an order's placement and a milestone (both ISO timestamps) for the dashboard. */
export function recordElapsed(name: ElapsedMetricName, placedAt: string, reachedAt: string): void {
  const seconds = (Date.parse(reachedAt) - Date.parse(placedAt)) / 1000;
  // A missing or unparsable timestamp must not poison the statistic.
  if (Number.isFinite(seconds) && seconds >= 0) metrics.addMetric(name, MetricUnit.Seconds, seconds);
}
