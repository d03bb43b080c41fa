import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetDashboardCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { type CloudWatchService, createCloudWatchService } from '../../../local/cloudwatch';
import { awsCli, awsCliAvailable, eventually, resource, sdkOverEdge, TestCloud, testContext } from '../lambda/support';

const minute = 60_000;
/** The start of the current minute, so a test's samples fall into known one-minute buckets. */
const thisMinute = () => Math.floor(Date.now() / minute) * minute;

describe('local CloudWatch metrics', () => {
  let cloud: TestCloud;
  let cw: CloudWatchService;
  const published: any[] = [];

  beforeAll(async () => {
    cloud = new TestCloud(testContext());
    cloud.register({
      name: 'sns',
      protocol: 'query',
      operations: { Publish: async (input: unknown) => published.push(input) },
    });
    cw = (await cloud.add(createCloudWatchService)) as CloudWatchService;
    await cw.provision?.([
      resource(
        'AWS::CloudWatch::Alarm',
        'Errors',
        {
          MetricName: 'Errors',
          Namespace: 'AWS/Lambda',
          Dimensions: [{ Name: 'FunctionName', Value: 'pay' }],
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: ['arn:aws:sns:us-east-1:000000000000:alarms'],
        },
        'pay-errors',
        { Arn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:pay-errors' },
      ),
      resource(
        'AWS::CloudWatch::Alarm',
        'ErrorRate',
        {
          Metrics: [
            {
              Id: 'm1',
              ReturnData: false,
              MetricStat: { Metric: { Namespace: 'rate', MetricName: 'Errors' }, Period: 60, Stat: 'Sum' },
            },
            {
              Id: 'm2',
              ReturnData: false,
              MetricStat: { Metric: { Namespace: 'rate', MetricName: 'Invocations' }, Period: 60, Stat: 'Sum' },
            },
            { Id: 'e1', Expression: 'm1 / m2 * 100', ReturnData: true },
          ],
          EvaluationPeriods: 1,
          Threshold: 20,
          ComparisonOperator: 'GreaterThanThreshold',
        },
        'error-rate',
      ),
      resource('AWS::CloudWatch::Dashboard', 'Board', { DashboardBody: '{"widgets":[]}' }, 'ops-board'),
    ]);
  });

  const call = (operation: string, input: unknown) => cloud.call('monitoring', operation, input);

  it('aggregates samples per period with Sum, Average, Minimum, Maximum, SampleCount and p99', async () => {
    const t0 = thisMinute() - 5 * minute;
    const data = [1, 2, 3, 4, 100].map((value, i) => ({
      MetricName: 'Latency',
      Dimensions: [{ Name: 'Api', Value: 'orders' }],
      Timestamp: new Date(t0 + i * 1000),
      Value: value,
      Unit: 'Milliseconds',
    }));
    await call('PutMetricData', { Namespace: 'app', MetricData: data });
    await call('PutMetricData', {
      Namespace: 'app',
      MetricData: [
        {
          MetricName: 'Latency',
          Dimensions: [{ Name: 'Api', Value: 'orders' }],
          Timestamp: new Date(t0 + minute),
          Values: [7, 9],
          Counts: [1, 3],
        },
      ],
    });

    const stats = await call('GetMetricStatistics', {
      Namespace: 'app',
      MetricName: 'Latency',
      Dimensions: [{ Name: 'Api', Value: 'orders' }],
      StartTime: new Date(t0),
      EndTime: new Date(t0 + 2 * minute),
      Period: 60,
      Statistics: ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'],
      ExtendedStatistics: ['p99'],
    });

    expect(stats.Datapoints).toEqual([
      {
        Timestamp: t0 / 1000,
        Sum: 110,
        Average: 22,
        Minimum: 1,
        Maximum: 100,
        SampleCount: 5,
        ExtendedStatistics: { p99: 100 },
        Unit: 'Milliseconds',
      },
      {
        Timestamp: (t0 + minute) / 1000,
        Sum: 34,
        Average: 8.5,
        Minimum: 7,
        Maximum: 9,
        SampleCount: 4,
        ExtendedStatistics: { p99: 9 },
        Unit: 'Milliseconds',
      },
    ]);
  });

  it('answers GetMetricData newest first and lists metrics by dimension', async () => {
    const t0 = thisMinute() - 10 * minute;
    for (let i = 0; i < 3; i++) {
      await call('PutMetricData', {
        Namespace: 'app',
        MetricData: [
          {
            MetricName: 'Orders',
            Dimensions: [{ Name: 'service', Value: 'orders' }],
            Timestamp: new Date(t0 + i * minute),
            Value: i + 1,
          },
        ],
      });
    }

    const answer = await call('GetMetricData', {
      StartTime: new Date(t0),
      EndTime: new Date(t0 + 3 * minute),
      MetricDataQueries: [
        {
          Id: 'orders',
          MetricStat: {
            Metric: { Namespace: 'app', MetricName: 'Orders', Dimensions: [{ Name: 'service', Value: 'orders' }] },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
    });
    const listed = await call('ListMetrics', { Namespace: 'app', Dimensions: [{ Name: 'service' }] });

    expect(answer.MetricDataResults[0]).toMatchObject({ Id: 'orders', Values: [3, 2, 1], StatusCode: 'Complete' });
    expect(listed.Metrics).toEqual([
      { Namespace: 'app', MetricName: 'Orders', Dimensions: [{ Name: 'service', Value: 'orders' }] },
    ]);
  });

  it('evaluates metric-math expressions over the other queries of GetMetricData', async () => {
    const t0 = thisMinute() - 15 * minute;
    const put = (name: string, value: number, at: number) =>
      call('PutMetricData', {
        Namespace: 'math',
        MetricData: [{ MetricName: name, Timestamp: new Date(at), Value: value }],
      });
    await put('Invocations', 10, t0);
    await put('Errors', 1, t0);
    await put('Invocations', 4, t0 + minute);
    await put('Errors', 2, t0 + minute);
    const stat = (id: string, name: string) => ({
      Id: id,
      ReturnData: false,
      MetricStat: { Metric: { Namespace: 'math', MetricName: name }, Period: 60, Stat: 'Sum' },
    });

    const answer = await call('GetMetricData', {
      StartTime: new Date(t0),
      EndTime: new Date(t0 + 2 * minute),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        stat('inv', 'Invocations'),
        stat('err', 'Errors'),
        { Id: 'rate', Expression: '100 * err / inv', Label: 'Error rate' },
        { Id: 'all', Expression: 'SUM(METRICS())' },
        { Id: 'bad', Expression: 'ANOMALY_DETECTION_BAND(inv)' },
      ],
    });

    expect(answer.MetricDataResults).toEqual([
      {
        Id: 'rate',
        Label: 'Error rate',
        Timestamps: [t0 / 1000, (t0 + minute) / 1000],
        Values: [10, 50],
        StatusCode: 'Complete',
      },
      {
        Id: 'all',
        Label: 'all',
        Timestamps: [t0 / 1000, (t0 + minute) / 1000],
        Values: [11, 6],
        StatusCode: 'Complete',
      },
      { Id: 'bad', Label: 'bad', Timestamps: [], Values: [], StatusCode: 'InternalError' },
    ]);
    expect(answer.Messages[0].Value).toMatch(/not supported locally/);
  });

  it('turns EMF log lines into metrics', async () => {
    const line = `2026-01-01T00:00:00.000Z\tabc\tINFO\t${JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          { Namespace: 'emf', Dimensions: [['service']], Metrics: [{ Name: 'Placed', Unit: 'Count' }] },
        ],
      },
      service: 'orders',
      Placed: [2, 3],
    })}`;

    expect(cw.ingestEmf(line)).toBe(true);
    expect(cw.ingestEmf('just text')).toBe(false);
    const listed = await call('ListMetrics', { Namespace: 'emf' });
    expect(listed.Metrics).toEqual([
      { Namespace: 'emf', MetricName: 'Placed', Dimensions: [{ Name: 'service', Value: 'orders' }] },
    ]);
  });

  it('evaluates a metric alarm and notifies its SNS action when it goes into ALARM', async () => {
    const before = await call('DescribeAlarms', { AlarmNames: ['pay-errors'] });
    expect(before.MetricAlarms[0].StateValue).toBe('INSUFFICIENT_DATA');

    await call('PutMetricData', {
      Namespace: 'AWS/Lambda',
      MetricData: [{ MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: 'pay' }], Value: 2 }],
    });
    const after = await call('DescribeAlarms', { AlarmNames: ['pay-errors'] });

    expect(after.MetricAlarms[0]).toMatchObject({ AlarmName: 'pay-errors', StateValue: 'ALARM', Threshold: 1 });
    const notification = await eventually(() =>
      published.find((p) => p.TopicArn === 'arn:aws:sns:us-east-1:000000000000:alarms'),
    );
    expect(JSON.parse(notification.Message)).toMatchObject({
      AlarmName: 'pay-errors',
      NewStateValue: 'ALARM',
      OldStateValue: 'INSUFFICIENT_DATA',
    });
  });

  it('evaluates a metric-math alarm', async () => {
    await call('PutMetricData', {
      Namespace: 'rate',
      MetricData: [
        { MetricName: 'Errors', Value: 5 },
        { MetricName: 'Invocations', Value: 10 },
      ],
    });

    const answer = await call('DescribeAlarms', { AlarmNames: ['error-rate'] });

    expect(answer.MetricAlarms[0]).toMatchObject({ AlarmName: 'error-rate', StateValue: 'ALARM' });
  });

  describe('through the AWS SDK (JSON 1.0) and the query protocol', () => {
    const sdk = sdkOverEdge(
      () => cloud,
      (config) => new CloudWatchClient(config),
    );

    it('puts and reads metrics, alarms and dashboards with the SDK client', async () => {
      const t0 = thisMinute() - 20 * minute;
      await sdk.client.send(
        new PutMetricDataCommand({
          Namespace: 'sdk',
          MetricData: [
            {
              MetricName: 'Hits',
              Dimensions: [{ Name: 'route', Value: '/orders' }],
              Timestamp: new Date(t0),
              Value: 4,
              Unit: 'Count',
            },
          ],
        }),
      );
      const data = await sdk.client.send(
        new GetMetricDataCommand({
          StartTime: new Date(t0),
          EndTime: new Date(t0 + minute),
          MetricDataQueries: [
            {
              Id: 'hits',
              MetricStat: {
                Metric: { Namespace: 'sdk', MetricName: 'Hits', Dimensions: [{ Name: 'route', Value: '/orders' }] },
                Period: 60,
                Stat: 'Sum',
              },
            },
          ],
        }),
      );
      const stats = await sdk.client.send(
        new GetMetricStatisticsCommand({
          Namespace: 'sdk',
          MetricName: 'Hits',
          Dimensions: [{ Name: 'route', Value: '/orders' }],
          StartTime: new Date(t0),
          EndTime: new Date(t0 + minute),
          Period: 60,
          Statistics: ['Sum'],
        }),
      );
      const metrics = await sdk.client.send(new ListMetricsCommand({ Namespace: 'sdk' }));
      const alarms = await sdk.client.send(new DescribeAlarmsCommand({}));
      const dashboard = await sdk.client.send(new GetDashboardCommand({ DashboardName: 'ops-board' }));

      expect(data.MetricDataResults?.[0]?.Values).toEqual([4]);
      expect(data.MetricDataResults?.[0]?.Timestamps?.[0]).toEqual(new Date(t0));
      expect(stats.Datapoints?.[0]).toMatchObject({ Sum: 4, Timestamp: new Date(t0) });
      expect(metrics.Metrics).toHaveLength(1);
      expect(alarms.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['pay-errors', 'error-rate']);
      expect(alarms.MetricAlarms?.[0]?.StateUpdatedTimestamp).toBeInstanceOf(Date);
      expect(dashboard.DashboardBody).toBe('{"widgets":[]}');
      await expect(sdk.client.send(new GetDashboardCommand({ DashboardName: 'missing' }))).rejects.toMatchObject({
        name: 'ResourceNotFound',
      });
    });

    it('answers the query protocol the CLI speaks, with ISO timestamps in XML', async () => {
      const t0 = thisMinute() - 30 * minute;
      const form = (params: Record<string, string>) =>
        fetch(sdk.edge.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization:
              'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=x',
          },
          body: new URLSearchParams({ Version: '2010-08-01', ...params }).toString(),
        });
      const put = await form({
        Action: 'PutMetricData',
        Namespace: 'cli',
        'MetricData.member.1.MetricName': 'Jobs',
        'MetricData.member.1.Value': '5',
        'MetricData.member.1.Timestamp': new Date(t0).toISOString(),
      });
      expect(put.status).toBe(200);

      const stats = await form({
        Action: 'GetMetricStatistics',
        Namespace: 'cli',
        MetricName: 'Jobs',
        StartTime: new Date(t0).toISOString(),
        EndTime: new Date(t0 + minute).toISOString(),
        Period: '60',
        'Statistics.member.1': 'Sum',
      });
      const xml = await stats.text();

      expect(xml).toContain(`<Timestamp>${new Date(t0).toISOString()}</Timestamp>`);
      expect(xml).toContain('<Sum>5</Sum>');
    });

    (awsCliAvailable ? it : it.skip)(
      'puts and reads a metric through the AWS CLI',
      async () => {
        const t0 = thisMinute() - 40 * minute;
        const put = await awsCli(sdk.edge.url, [
          'cloudwatch',
          'put-metric-data',
          '--namespace',
          'awscli',
          '--metric-name',
          'Runs',
          '--value',
          '6',
          '--timestamp',
          new Date(t0).toISOString(),
        ]);
        const stats = await awsCli(sdk.edge.url, [
          'cloudwatch',
          'get-metric-statistics',
          '--namespace',
          'awscli',
          '--metric-name',
          'Runs',
          '--start-time',
          new Date(t0).toISOString(),
          '--end-time',
          new Date(t0 + minute).toISOString(),
          '--period',
          '60',
          '--statistics',
          'Sum',
        ]);

        expect(put.status).toBe(0);
        expect(stats.json.Datapoints).toEqual([expect.objectContaining({ Sum: 6 })]);
      },
      30_000,
    );
  });
});

describe('local CloudWatch persistence', () => {
  it('keeps metrics across a restart on the same data folder, so alarms evaluate on them again', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudwatch-test-'));
    const alarm = resource(
      'AWS::CloudWatch::Alarm',
      'Busy',
      {
        MetricName: 'Load',
        Namespace: 'kept',
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
      },
      'busy',
    );
    const boot = async () => {
      const cloud = new TestCloud(testContext({ dataDir }));
      const service = await cloud.add(createCloudWatchService);
      await service.provision?.([alarm]);
      return { cloud, service };
    };
    const first = await boot();
    await first.cloud.call('monitoring', 'PutMetricData', {
      Namespace: 'kept',
      MetricData: [{ MetricName: 'Load', Value: 9 }],
    });
    await first.cloud.call('monitoring', 'DescribeAlarms', {});
    await first.service.stop?.();

    const second = await boot();

    const metrics = await second.cloud.call('monitoring', 'ListMetrics', { Namespace: 'kept' });
    const alarms = await second.cloud.call('monitoring', 'DescribeAlarms', { AlarmNames: ['busy'] });
    expect(metrics.Metrics).toEqual([{ Namespace: 'kept', MetricName: 'Load', Dimensions: [] }]);
    expect(alarms.MetricAlarms[0].StateValue).toBe('ALARM');
    await second.service.stop?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
