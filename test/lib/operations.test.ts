import { Template } from 'aws-cdk-lib/assertions';
import { synthApp } from '../workflows/support/synth-workflows';

const synthesized = synthApp('dev');
const template = Template.fromJSON(synthesized.stateless);
const resolved = <T>(value: unknown) => synthesized.resolver.resolve(value) as T;

interface AlarmProperties {
  MetricName?: string;
  Namespace?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Statistic?: string;
  ExtendedStatistic?: string;
  Threshold: number;
  EvaluationPeriods: number;
  ComparisonOperator: string;
  AlarmActions: unknown[];
  Metrics?: { Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[];
}

const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([logicalId, alarm]) => ({
  logicalId,
  ...(alarm.Properties as AlarmProperties),
}));
const alarmsOf = (metricName: string) => alarms.filter((alarm) => alarm.MetricName === metricName);
const topicLogicalId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];

/** The dashboard body, with every CloudFormation token resolved to a placeholder value. */
function dashboardBody(): { widgets: { type: string; properties: { title?: string; metrics?: unknown[][] } }[] } {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  return JSON.parse(resolved<string>(dashboards[0]?.Properties.DashboardBody));
}

const functionNames = Object.values(template.findResources('AWS::Lambda::Function')).length;

describe('operations: dashboard', () => {
  const body = dashboardBody();
  const titles = body.widgets.map((widget) => widget.properties.title).filter((title) => title !== undefined);
  const widget = (title: string) => body.widgets.find((candidate) => candidate.properties.title === title);
  /** The metric names of a widget: `[namespace, name, ...dimensions, options]` rows, math rows excluded. */
  const metricNames = (title: string) =>
    (widget(title)?.properties.metrics ?? [])
      .filter((row) => typeof row[0] === 'string')
      .map((row) => `${row[0]}/${row[1]}`);

  it('is named after the stage and exported as DashboardName', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'dishpatch-dev' });
    template.hasOutput('DashboardName', { Export: { Name: 'dishpatch-dev-DashboardName' } });
  });

  it('has a widget for every signal issue 8 asks for', () => {
    expect(titles).toEqual(
      expect.arrayContaining([
        'Orders placed, accepted, rejected, cancelled, delivered',
        'Payments declined',
        'Order value (cents)',
        'Time to accept (seconds)',
        'Time to deliver (seconds)',
        'API requests, 4XX and 5XX',
        'API latency p50 and p99 (ms)',
        'API p99 latency by route (ms)',
        'API requests by route group',
        'API 4XX by route group',
        'API 5XX by route group',
        'OrderLifecycle executions started, succeeded, failed, timed out',
        'OrderLifecycle execution duration p50 and p99 (ms)',
        'PlaceOrder executions started, succeeded, failed, timed out',
        'PlaceOrder execution duration p50 and p99 (ms)',
        'Lambda errors by function',
        'Lambda throttles by function',
        'Lambda duration p99 by function (ms)',
        'Lambda concurrent executions by function',
        'Queue depth (visible messages)',
        'Dead-letter queue depth (visible messages)',
        'Oldest message age (seconds)',
        'Events matched by rule',
        'Event target invocations failed by rule',
      ]),
    );
  });

  it('graphs the business metrics the handlers emit, with their service dimension', () => {
    const rows = widget('Orders placed, accepted, rejected, cancelled, delivered')?.properties.metrics ?? [];
    expect(rows.map((row) => row.slice(0, 4))).toEqual(
      ['OrdersPlaced', 'OrdersAccepted', 'OrdersRejected', 'OrdersCancelled', 'OrdersDelivered'].map((name) => [
        'dishpatch',
        name,
        'service',
        'orders',
      ]),
    );
    expect(metricNames('Time to accept (seconds)')).toEqual([
      'dishpatch/TimeToAcceptSeconds',
      'dishpatch/TimeToAcceptSeconds',
    ]);
    expect(metricNames('Time to deliver (seconds)')).toContain('dishpatch/TimeToDeliverSeconds');
  });

  it('shows every function of the stack in each Lambda widget', () => {
    for (const title of ['Lambda errors by function', 'Lambda throttles by function']) {
      expect(metricNames(title)).toHaveLength(functionNames);
    }
  });

  it('sums the API counts per route group, one line per first path segment', () => {
    const rows = widget('API requests by route group')?.properties.metrics ?? [];
    const labels = rows
      .map((row) => (row.at(-1) as { label?: string; expression?: string }).label)
      .filter((label) => label !== undefined);
    expect(labels).toEqual(expect.arrayContaining(['/restaurants requests', '/orders requests']));
    const dimensions = rows.filter((row) => row[1] === 'Count').map((row) => row.slice(2, 10));
    expect(dimensions).toContainEqual(
      expect.arrayContaining(['ApiName', 'dishpatch-dev', 'Resource', '/orders/{orderId}', 'Method', 'GET', 'Stage']),
    );
  });

  it('measures rules on the custom bus under EventBusName and RuleName', () => {
    const rows = widget('Events matched by rule')?.properties.metrics ?? [];
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      expect(row.slice(0, 3)).toEqual(['AWS/Events', 'MatchedEvents', 'EventBusName']);
      expect(row[4]).toBe('RuleName');
    }
  });
});

describe('operations: alarms', () => {
  it('notify the alarm topic, every one of them', () => {
    expect(alarms.length).toBeGreaterThan(20);
    for (const alarm of alarms) {
      expect({ id: alarm.logicalId, actions: alarm.AlarmActions }).toEqual({
        id: alarm.logicalId,
        actions: [{ Ref: topicLogicalId }],
      });
      expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    }
  });

  it('fire on the first message in any dead-letter queue', () => {
    const dlqs = Object.keys(template.findResources('AWS::SQS::Queue')).filter((id) =>
      /DeadLetterQueue|FailureQueue/.test(id),
    );
    const watched = alarmsOf('ApproximateNumberOfMessagesVisible');
    expect(
      watched.map((alarm) => (alarm.Dimensions?.[0]?.Value as { 'Fn::GetAtt'?: string[] })?.['Fn::GetAtt']?.[0]).sort(),
    ).toEqual(dlqs.sort());
    for (const alarm of watched)
      expect(alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, Statistic: 'Maximum' });
  });

  it('fire on a FAILED or TIMED_OUT execution of both state machines', () => {
    for (const metricName of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      const watched = alarmsOf(metricName);
      expect(watched).toHaveLength(2);
      for (const alarm of watched)
        expect(alarm).toMatchObject({ Namespace: 'AWS/States', Threshold: 1, Statistic: 'Sum' });
    }
  });

  it('fire on the API 5XX rate and p99 latency of the stage', () => {
    const [serverErrors] = alarmsOf('5XXError');
    expect(serverErrors).toMatchObject({ Statistic: 'Average', Threshold: 0.05, EvaluationPeriods: 2 });
    expect(serverErrors?.Dimensions?.map((dimension) => dimension.Name).sort()).toEqual(['ApiName', 'Stage']);
    const [latency] = alarmsOf('Latency');
    expect(latency).toMatchObject({ ExtendedStatistic: 'p99', Threshold: 3000, EvaluationPeriods: 3 });
  });

  it('fire on Lambda throttles of every function, and on errors: first error, or a rate where errors are business', () => {
    expect(alarmsOf('Throttles')).toHaveLength(functionNames);
    const rateAlarms = alarms.filter((alarm) =>
      alarm.Metrics?.some((m) => m.Expression === '100 * errors / invocations'),
    );
    expect(rateAlarms.map((alarm) => alarm.logicalId.replace(/ErrorRate.*/, '').replace(/^Alarms/, '')).sort()).toEqual(
      ['AuthorizePayment', 'PriceOrder', 'ReserveStock'],
    );
    for (const alarm of rateAlarms) expect(alarm).toMatchObject({ Threshold: 50, EvaluationPeriods: 3 });
    expect(alarmsOf('Errors')).toHaveLength(functionNames - rateAlarms.length);
    for (const alarm of alarmsOf('Errors')) expect(alarm).toMatchObject({ Threshold: 1, Statistic: 'Sum' });
  });

  it('fire when a work queue holds a message for more than 5 minutes', () => {
    const watched = alarmsOf('ApproximateAgeOfOldestMessage');
    expect(watched.length).toBeGreaterThanOrEqual(1);
    for (const alarm of watched) expect(alarm).toMatchObject({ Threshold: 300, Statistic: 'Maximum' });
  });
});

describe('operations: alarm topic', () => {
  it('e-mails the on-call address of stages that have one', () => {
    const prod = Template.fromJSON(synthApp('prod').stateless);
    prod.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@dishpatch.example' });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});
