import { AwsError } from '../core/errors.ts';
import type { CallContext, Cloud, LocalContext, ResolvedResource, Service, ServiceFactory } from '../core/types.ts';
import { emfToMetricData, type PutMetricDataInput, parseEmfLine } from './emf.ts';
import { MetricStore, parseTime } from './metrics.ts';

export { emfToMetricData, parseEmfLine };

/** The CloudWatch service plus what a console and other in-process readers use. */
export interface CloudWatchService extends Service {
  /** Ingest one log line; records its metrics when it is an EMF line. Answers whether it was. */
  ingestEmf(line: string): boolean;
  /** Dashboards from the template (name → body JSON text). */
  dashboards(): ReadonlyMap<string, string>;
}

type Input = Record<string, any>;

interface Alarm {
  readonly name: string;
  readonly arn: string;
  readonly properties: Record<string, any>;
  readonly composite: boolean;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason: string;
  updated: number;
  readonly configured: number;
}

const comparisons: Record<string, (value: number, threshold: number) => boolean> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

/** Timestamps: epoch seconds for the JSON protocol and in-process callers, ISO text for the query protocol. */
const timeOut = (ms: number, call: CallContext | undefined): number | string =>
  call?.http && !call.http.headers['x-amz-target'] ? new Date(ms).toISOString() : ms / 1000;

const bool = (value: unknown, fallback: boolean): boolean =>
  value === undefined ? fallback : value === true || value === 'true';

/** Evaluation of a single-metric alarm over its last evaluation periods (metric-math alarms stay unevaluated). */
const evaluate = (alarm: Alarm, store: MetricStore): { state: Alarm['state']; reason: string } | undefined => {
  const p = alarm.properties;
  if (alarm.composite || !p.MetricName) return undefined;
  const period = Number(p.Period ?? 60);
  const periods = Number(p.EvaluationPeriods ?? 1);
  const needed = Number(p.DatapointsToAlarm ?? periods);
  const stat = p.ExtendedStatistic ?? p.Statistic ?? 'Average';
  const end = Date.now();
  const points = store.aggregate(
    { Namespace: p.Namespace, MetricName: p.MetricName, Dimensions: p.Dimensions },
    end - periods * period * 1000,
    end + 1,
    period,
    [stat],
  );
  const compare = comparisons[String(p.ComparisonOperator)] ?? comparisons.GreaterThanOrEqualToThreshold!;
  const threshold = Number(p.Threshold ?? 0);
  const values = points.map((x) => x.values[stat]).filter((v): v is number => v !== undefined);
  const missing = Math.max(0, periods - values.length);
  const treatMissing = String(p.TreatMissingData ?? 'missing');
  const breaching = values.filter((v) => compare(v, threshold)).length + (treatMissing === 'breaching' ? missing : 0);
  if (breaching >= needed) {
    return {
      state: 'ALARM',
      reason: `Threshold Crossed: ${breaching} datapoint(s) were breaching the threshold (${threshold}).`,
    };
  }
  if (!values.length && treatMissing === 'missing')
    return { state: 'INSUFFICIENT_DATA', reason: 'Insufficient Data: no datapoints.' };
  return {
    state: 'OK',
    reason: `Threshold Crossed: ${values.length} datapoint(s) were not breaching the threshold (${threshold}).`,
  };
};

const alarmView = (alarm: Alarm, call: CallContext | undefined): Record<string, unknown> => {
  const p = alarm.properties;
  const common = {
    AlarmName: alarm.name,
    AlarmArn: alarm.arn,
    AlarmDescription: p.AlarmDescription,
    ActionsEnabled: bool(p.ActionsEnabled, true),
    AlarmActions: p.AlarmActions ?? [],
    OKActions: p.OKActions ?? [],
    InsufficientDataActions: p.InsufficientDataActions ?? [],
    StateValue: alarm.state,
    StateReason: alarm.reason,
    StateUpdatedTimestamp: timeOut(alarm.updated, call),
    AlarmConfigurationUpdatedTimestamp: timeOut(alarm.configured, call),
  };
  if (alarm.composite) return { ...common, AlarmRule: p.AlarmRule };
  return {
    ...common,
    MetricName: p.MetricName,
    Namespace: p.Namespace,
    Statistic: p.Statistic,
    ExtendedStatistic: p.ExtendedStatistic,
    Dimensions: p.Dimensions ?? [],
    Period: p.Period === undefined ? undefined : Number(p.Period),
    Unit: p.Unit,
    EvaluationPeriods: Number(p.EvaluationPeriods ?? 1),
    DatapointsToAlarm: p.DatapointsToAlarm === undefined ? undefined : Number(p.DatapointsToAlarm),
    Threshold: p.Threshold === undefined ? undefined : Number(p.Threshold),
    ComparisonOperator: p.ComparisonOperator,
    TreatMissingData: p.TreatMissingData,
    Metrics: p.Metrics,
  };
};

const page = <T>(items: T[], token: unknown, limit: unknown, max = 500): { items: T[]; next?: string } => {
  const start = typeof token === 'string' && token ? Number(token) : 0;
  const size = Math.min(Number(limit ?? max) || max, max);
  const slice = items.slice(start, start + size);
  return start + size < items.length ? { items: slice, next: String(start + size) } : { items: slice };
};

class LocalCloudWatch {
  readonly store = new MetricStore();
  readonly alarms = new Map<string, Alarm>();
  readonly dashboards = new Map<string, { body: string; modified: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: LocalContext,
    private readonly cloud: Cloud,
  ) {}

  provision(resources: readonly ResolvedResource[]): void {
    for (const r of resources) {
      if (r.type === 'AWS::CloudWatch::Alarm' || r.type === 'AWS::CloudWatch::CompositeAlarm') {
        const now = Date.now();
        this.alarms.set(r.physicalId, {
          name: r.physicalId,
          arn: r.attributes.Arn ?? `arn:aws:cloudwatch:${this.ctx.region}:${this.ctx.accountId}:alarm:${r.physicalId}`,
          properties: r.properties,
          composite: r.type === 'AWS::CloudWatch::CompositeAlarm',
          state: 'INSUFFICIENT_DATA',
          reason: 'Unchecked: Initial alarm creation',
          updated: now,
          configured: now,
        });
      } else if (r.type === 'AWS::CloudWatch::Dashboard') {
        const body = r.properties.DashboardBody;
        this.dashboards.set(r.physicalId, {
          body: typeof body === 'string' ? body : JSON.stringify(body ?? {}),
          modified: Date.now(),
        });
      }
    }
  }

  put(input: PutMetricDataInput | Input): void {
    if (!input?.Namespace) throw new AwsError('MissingParameter', 'The parameter Namespace is required.');
    for (const datum of (input.MetricData ?? []) as Record<string, unknown>[])
      this.store.put(String(input.Namespace), datum);
  }

  /** Re-evaluate alarms; a change of state publishes to the alarm's SNS actions like CloudWatch does. */
  async evaluateAlarms(): Promise<void> {
    for (const alarm of this.alarms.values()) {
      const next = evaluate(alarm, this.store);
      if (!next || next.state === alarm.state) continue;
      const previous = alarm.state;
      alarm.state = next.state;
      alarm.reason = next.reason;
      alarm.updated = Date.now();
      const actionKey = { ALARM: 'AlarmActions', OK: 'OKActions', INSUFFICIENT_DATA: 'InsufficientDataActions' }[
        next.state
      ];
      if (!bool(alarm.properties.ActionsEnabled, true)) continue;
      for (const action of (alarm.properties[actionKey] ?? []) as string[]) {
        if (action.split(':')[2] !== 'sns') continue;
        const message = {
          AlarmName: alarm.name,
          AlarmDescription: alarm.properties.AlarmDescription ?? null,
          AWSAccountId: this.ctx.accountId,
          NewStateValue: next.state,
          NewStateReason: next.reason,
          StateChangeTime: new Date(alarm.updated).toISOString(),
          Region: this.ctx.region,
          AlarmArn: alarm.arn,
          OldStateValue: previous,
        };
        try {
          await this.cloud.call(
            'sns',
            'Publish',
            {
              TopicArn: action,
              Subject: `${next.state}: "${alarm.name}" in ${this.ctx.region}`,
              Message: JSON.stringify(message),
            },
            'monitoring',
          );
        } catch (error) {
          this.ctx.log.warn(`Alarm ${alarm.name} could not notify ${action}`, { error: (error as Error).message });
        }
      }
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.evaluateAlarms(), Math.max(250, 10_000 / Math.max(1, this.ctx.timeScale)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** The local CloudWatch metrics service (JSON 1.0 for current SDKs, query for the CLI). */
export const createCloudWatchService: ServiceFactory = (ctx, cloud) => {
  const cw = new LocalCloudWatch(ctx, cloud);

  const getMetricData = async (input: Input, call?: CallContext) => {
    const start = parseTime(input.StartTime);
    const end = parseTime(input.EndTime);
    const descending = (input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
    const results: Record<string, unknown>[] = [];
    const messages: Record<string, unknown>[] = [];
    for (const query of (input.MetricDataQueries ?? []) as Input[]) {
      if (query.ReturnData === false || query.ReturnData === 'false') continue;
      if (!query.MetricStat) {
        results.push({
          Id: query.Id,
          Label: query.Label ?? query.Id,
          Timestamps: [],
          Values: [],
          StatusCode: 'InternalError',
        });
        messages.push({ Code: 'Unsupported', Value: `Metric math (${query.Id}) is not evaluated locally` });
        continue;
      }
      const stat = String(query.MetricStat.Stat);
      let points = cw.store.aggregate(query.MetricStat.Metric, start, end, Number(query.MetricStat.Period ?? 60), [
        stat,
      ]);
      if (descending) points = points.reverse();
      const present = points.filter((p) => p.values[stat] !== undefined);
      results.push({
        Id: query.Id,
        Label: query.Label ?? query.MetricStat.Metric?.MetricName,
        Timestamps: present.map((p) => timeOut(p.timestamp, call)),
        Values: present.map((p) => p.values[stat]),
        StatusCode: 'Complete',
      });
    }
    return { MetricDataResults: results, Messages: messages };
  };

  const operations: Record<string, (input: Input, call: CallContext) => Promise<unknown>> = {
    PutMetricData: async (input) => {
      cw.put(input);
      return {};
    },
    GetMetricData: (input, call) => getMetricData(input, call),
    GetMetricStatistics: async (input, call) => {
      const stats = [...((input.Statistics ?? []) as string[]), ...((input.ExtendedStatistics ?? []) as string[])];
      if (!stats.length)
        throw new AwsError('InvalidParameterCombination', 'Must specify either Statistics or ExtendedStatistics');
      const points = cw.store.aggregate(
        { Namespace: input.Namespace, MetricName: input.MetricName, Dimensions: input.Dimensions },
        parseTime(input.StartTime),
        parseTime(input.EndTime),
        Number(input.Period ?? 60),
        stats,
      );
      return {
        Label: input.MetricName,
        Datapoints: points.map((p) => {
          const extended = Object.fromEntries(
            ((input.ExtendedStatistics ?? []) as string[]).map((s) => [s, p.values[s]]),
          );
          const basic = Object.fromEntries(((input.Statistics ?? []) as string[]).map((s) => [s, p.values[s]]));
          return {
            Timestamp: timeOut(p.timestamp, call),
            ...basic,
            ...(Object.keys(extended).length ? { ExtendedStatistics: extended } : {}),
            Unit: p.unit ?? 'None',
          };
        }),
      };
    },
    ListMetrics: async (input) => {
      const { items, next } = page(cw.store.list(input ?? {}), input?.NextToken, 500);
      return { Metrics: items, ...(next ? { NextToken: next } : {}) };
    },
    DescribeAlarms: async (input, call) => {
      await cw.evaluateAlarms();
      const names =
        Array.isArray(input.AlarmNames) && input.AlarmNames.length ? new Set(input.AlarmNames as string[]) : undefined;
      const types =
        Array.isArray(input.AlarmTypes) && input.AlarmTypes.length ? (input.AlarmTypes as string[]) : ['MetricAlarm'];
      const matching = [...cw.alarms.values()].filter(
        (a) =>
          (!names || names.has(a.name)) &&
          (!input.AlarmNamePrefix || a.name.startsWith(input.AlarmNamePrefix)) &&
          (!input.StateValue || a.state === input.StateValue),
      );
      const { items, next } = page(matching, input.NextToken, input.MaxRecords, 100);
      return {
        MetricAlarms: types.includes('MetricAlarm')
          ? items.filter((a) => !a.composite).map((a) => alarmView(a, call))
          : [],
        CompositeAlarms: types.includes('CompositeAlarm')
          ? items.filter((a) => a.composite).map((a) => alarmView(a, call))
          : [],
        ...(next ? { NextToken: next } : {}),
      };
    },
    GetDashboard: async (input) => {
      const dashboard = cw.dashboards.get(String(input.DashboardName));
      if (!dashboard) throw new AwsError('ResourceNotFound', 'Dashboard does not exist', 404);
      return {
        DashboardArn: `arn:aws:cloudwatch::${ctx.accountId}:dashboard/${input.DashboardName}`,
        DashboardBody: dashboard.body,
        DashboardName: input.DashboardName,
      };
    },
    ListDashboards: async (input, call) => ({
      DashboardEntries: [...cw.dashboards.entries()]
        .filter(([name]) => !input.DashboardNamePrefix || name.startsWith(input.DashboardNamePrefix))
        .map(([name, d]) => ({
          DashboardName: name,
          DashboardArn: `arn:aws:cloudwatch::${ctx.accountId}:dashboard/${name}`,
          LastModified: timeOut(d.modified, call),
          Size: Buffer.byteLength(d.body),
        })),
    }),
    PutDashboard: async (input) => {
      cw.dashboards.set(String(input.DashboardName), {
        body: String(input.DashboardBody ?? '{}'),
        modified: Date.now(),
      });
      return { DashboardValidationMessages: [] };
    },
  };

  const service: CloudWatchService = {
    name: 'monitoring',
    protocol: 'json1.0',
    targetPrefix: 'GraniteServiceVersion20100801',
    signingNames: ['monitoring'],
    xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
    operations,
    resourceTypes: ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm', 'AWS::CloudWatch::Dashboard'],
    provision: async (resources) => cw.provision(resources),
    start: async () => cw.start(),
    stop: async () => cw.stop(),
    ingestEmf: (line) => {
      const inputs = parseEmfLine(line);
      for (const input of inputs ?? []) cw.put(input);
      return inputs !== undefined;
    },
    dashboards: () => new Map([...cw.dashboards.entries()].map(([name, d]) => [name, d.body])),
  };
  return service;
};
