import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import type { OperatedResources } from './operated-resources';
import {
  apiRoutes,
  type BusinessMetricName,
  businessMetric,
  PERIOD,
  routeGroup,
  routeMetric,
  ruleMetric,
} from './operations-metrics';

/** Props of {@link OperationsDashboard}. */
export interface OperationsDashboardProps extends OperatedResources {
  readonly config: StageConfig;
  /** The REST API; its routes are found on it and grouped by their first path segment. */
  readonly api: apigw.RestApi;
  /** The state machines, by display name. */
  readonly stateMachines: Readonly<Record<string, IStateMachine>>;
}

/** Half of the dashboard's 24 columns: two graphs a row. */
const HALF = 12;
/** A third of the dashboard's 24 columns. */
const THIRD = 8;
const HEIGHT = 6;

/**
 * The stage's CloudWatch dashboard `dishpatch-<stage>`: business outcomes first (what an on-call person asks
 * first), then the API, the workflows, the functions, the queues and the event rules. Titles are stable: the
 * local console renders this same dashboard from the locally collected metrics.
 */
export class OperationsDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `dishpatch-${props.config.stage}`,
      periodOverride: cloudwatch.PeriodOverride.AUTO,
    });
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Orders', width: 24, height: 1 }));
    this.dashboard.addWidgets(...businessWidgets());
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# API', width: 24, height: 1 }));
    this.dashboard.addWidgets(...apiWidgets(props.api));
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Workflows', width: 24, height: 1 }));
    this.dashboard.addWidgets(...workflowWidgets(props.stateMachines));
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Functions', width: 24, height: 1 }));
    this.dashboard.addWidgets(...functionWidgets(props.functions));
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '# Queues and event rules', width: 24, height: 1 }),
    );
    this.dashboard.addWidgets(...queueWidgets(props), ...ruleWidgets(props.rules));
  }
}

const graph = (title: string, left: cloudwatch.IMetric[], width = HALF, unit?: string): cloudwatch.GraphWidget =>
  new cloudwatch.GraphWidget({
    title,
    left,
    width,
    height: HEIGHT,
    leftYAxis: { min: 0, ...(unit === undefined ? {} : { label: unit, showUnits: false }) },
  });

function businessWidgets(): cloudwatch.IWidget[] {
  const orders: BusinessMetricName[] = [
    'OrdersPlaced',
    'OrdersAccepted',
    'OrdersRejected',
    'OrdersCancelled',
    'OrdersDelivered',
  ];
  const percentiles = (name: BusinessMetricName, label: string) => [
    businessMetric(name, { statistic: cloudwatch.Stats.p(50), label: `${label} p50` }),
    businessMetric(name, { statistic: cloudwatch.Stats.p(99), label: `${label} p99` }),
  ];
  return [
    graph(
      'Orders placed, accepted, rejected, cancelled, delivered',
      orders.map((name) => businessMetric(name)),
      HALF,
    ),
    graph('Payments declined', [businessMetric('PaymentsDeclined')], HALF / 2),
    graph(
      'Order value (cents)',
      [
        businessMetric('OrderValueCents'),
        businessMetric('OrderValueCents', { statistic: cloudwatch.Stats.SUM, label: 'order value total (cents)' }),
      ],
      HALF / 2,
    ),
    graph('Time to accept (seconds)', percentiles('TimeToAcceptSeconds', 'time to accept'), HALF, 'seconds'),
    graph('Time to deliver (seconds)', percentiles('TimeToDeliverSeconds', 'time to deliver'), HALF, 'seconds'),
  ];
}

function apiWidgets(api: apigw.RestApi): cloudwatch.IWidget[] {
  const stage = api.deploymentStage;
  const options = { period: PERIOD };
  const groups = new Map<string, ReturnType<typeof apiRoutes>>();
  for (const route of apiRoutes(api)) {
    const group = routeGroup(route.resource);
    groups.set(group, [...(groups.get(group) ?? []), route]);
  }
  // One summed line per route group: per-route lines of every route would be unreadable, and a sum is exact for
  // counts (percentiles are not summable, so latency stays per API and per route).
  const byGroup = (metricName: string, label: string): cloudwatch.IMetric[] =>
    [...groups.entries()].map(
      ([group, routes], g) =>
        new cloudwatch.MathExpression({
          expression: routes.map((_, r) => `g${g}r${r}`).join(' + '),
          usingMetrics: Object.fromEntries(
            routes.map((route, r) => [`g${g}r${r}`, routeMetric(stage, route, metricName)]),
          ),
          label: `${group} ${label}`,
          period: PERIOD,
        }),
    );
  return [
    graph(
      'API requests, 4XX and 5XX',
      [
        stage.metricCount({ ...options, label: 'requests' }),
        stage.metricClientError({ ...options, statistic: cloudwatch.Stats.SUM, label: '4XX' }),
        stage.metricServerError({ ...options, statistic: cloudwatch.Stats.SUM, label: '5XX' }),
      ],
      THIRD,
    ),
    graph(
      'API latency p50 and p99 (ms)',
      [
        stage.metricLatency({ ...options, statistic: cloudwatch.Stats.p(50), label: 'p50' }),
        stage.metricLatency({ ...options, statistic: cloudwatch.Stats.p(99), label: 'p99' }),
      ],
      THIRD,
      'ms',
    ),
    graph(
      'API p99 latency by route (ms)',
      apiRoutes(api).map((route) => routeMetric(stage, route, 'Latency', { statistic: cloudwatch.Stats.p(99) })),
      THIRD,
      'ms',
    ),
    graph('API requests by route group', byGroup('Count', 'requests'), THIRD),
    graph('API 4XX by route group', byGroup('4XXError', '4XX'), THIRD),
    graph('API 5XX by route group', byGroup('5XXError', '5XX'), THIRD),
  ];
}

function workflowWidgets(stateMachines: Readonly<Record<string, IStateMachine>>): cloudwatch.IWidget[] {
  const options = { period: PERIOD, statistic: cloudwatch.Stats.SUM };
  return Object.entries(stateMachines).flatMap(([name, machine]) => [
    graph(`${name} executions started, succeeded, failed, timed out`, [
      machine.metricStarted({ ...options, label: 'started' }),
      machine.metricSucceeded({ ...options, label: 'succeeded' }),
      machine.metricFailed({ ...options, label: 'failed' }),
      machine.metricTimedOut({ ...options, label: 'timed out' }),
    ]),
    graph(
      `${name} execution duration p50 and p99 (ms)`,
      [
        machine.metricTime({ period: PERIOD, statistic: cloudwatch.Stats.p(50), label: 'p50' }),
        machine.metricTime({ period: PERIOD, statistic: cloudwatch.Stats.p(99), label: 'p99' }),
      ],
      HALF,
      'ms',
    ),
  ]);
}

function functionWidgets(functions: OperatedResources['functions']): cloudwatch.IWidget[] {
  const each = (metric: (fn: OperatedResources['functions'][string], label: string) => cloudwatch.IMetric) =>
    Object.entries(functions).map(([name, fn]) => metric(fn, name));
  const sum = { period: PERIOD, statistic: cloudwatch.Stats.SUM };
  return [
    graph(
      'Lambda errors by function',
      each((fn, label) => fn.metricErrors({ ...sum, label })),
    ),
    graph(
      'Lambda throttles by function',
      each((fn, label) => fn.metricThrottles({ ...sum, label })),
    ),
    graph(
      'Lambda duration p99 by function (ms)',
      each((fn, label) => fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99), label })),
      HALF,
      'ms',
    ),
    graph(
      'Lambda concurrent executions by function',
      each((fn, label) =>
        fn.metric('ConcurrentExecutions', { period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label }),
      ),
    ),
  ];
}

function queueWidgets(props: OperatedResources): cloudwatch.IWidget[] {
  const options = { period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM };
  const queues = { ...props.workQueues, ...props.deadLetterQueues };
  return [
    graph(
      'Queue depth (visible messages)',
      Object.entries(props.workQueues).map(([label, queue]) =>
        queue.metricApproximateNumberOfMessagesVisible({ ...options, label }),
      ),
      THIRD,
    ),
    graph(
      'Dead-letter queue depth (visible messages)',
      Object.entries(props.deadLetterQueues).map(([label, queue]) =>
        queue.metricApproximateNumberOfMessagesVisible({ ...options, label }),
      ),
      THIRD,
    ),
    graph(
      'Oldest message age (seconds)',
      Object.entries(queues).map(([label, queue]) => queue.metricApproximateAgeOfOldestMessage({ ...options, label })),
      THIRD,
      'seconds',
    ),
  ];
}

function ruleWidgets(rules: OperatedResources['rules']): cloudwatch.IWidget[] {
  return [
    graph(
      'Events matched by rule',
      Object.entries(rules).map(([name, rule]) => ruleMetric(rule, 'MatchedEvents', name)),
    ),
    graph(
      'Event target invocations failed by rule',
      Object.entries(rules).map(([name, rule]) => ruleMetric(rule, 'FailedInvocations', name)),
    ),
  ];
}
