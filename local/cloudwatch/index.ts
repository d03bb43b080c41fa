import path from 'node:path';
import { AwsError } from '../core/errors.ts';
import { type JsonState, jsonState } from '../core/json-state.ts';
import type { CallContext, Cloud, LocalContext, ResolvedResource, Service, ServiceFactory } from '../core/types.ts';
import { emfToMetricData, type PutMetricDataInput, parseEmfLine } from './emf.ts';
import { evaluateMath } from './math.ts';
import { MetricStore, parseTime, type Series } from './metrics.ts';

interface PersistedState {
  series: Series[];
  alarms: { name: string; state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'; reason: string; updated: number }[];
}

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

/** The values of an alarm's metric (or metric-math result) over its last evaluation periods, oldest first. */
const alarmValues = (p: Record<string, any>, store: MetricStore, periods: number): number[] | undefined => {
  const end = Date.now();
  if (Array.isArray(p.Metrics)) {
    const queries = p.Metrics as Input[];
    const period = Number(queries.find((q) => q.MetricStat)?.MetricStat?.Period ?? p.Period ?? 60);
    const returned = queries.find((q) => q.ReturnData !== false && q.ReturnData !== 'false');
    if (!returned) return undefined;
    const series = querySeries(store, queries, end - periods * period * 1000, end + 1)(String(returned.Id));
    if (series instanceof AwsError) return undefined;
    return [...series.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, v]) => v)
      .filter(Number.isFinite);
  }
  if (!p.MetricName) return undefined;
  const period = Number(p.Period ?? 60);
  const stat = p.ExtendedStatistic ?? p.Statistic ?? 'Average';
  return store
    .aggregate(
      { Namespace: p.Namespace, MetricName: p.MetricName, Dimensions: p.Dimensions },
      end - periods * period * 1000,
      end + 1,
      period,
      [stat],
    )
    .map((x) => x.values[stat])
    .filter((v): v is number => v !== undefined);
};

/** Evaluation of a metric or metric-math alarm over its last evaluation periods (composite alarms stay as they are). */
const evaluate = (alarm: Alarm, store: MetricStore): { state: Alarm['state']; reason: string } | undefined => {
  const p = alarm.properties;
  if (alarm.composite) return undefined;
  const periods = Number(p.EvaluationPeriods ?? 1);
  const needed = Number(p.DatapointsToAlarm ?? periods);
  const values = alarmValues(p, store, periods);
  if (!values) return undefined;
  const compare = comparisons[String(p.ComparisonOperator)] ?? comparisons.GreaterThanOrEqualToThreshold!;
  const threshold = Number(p.Threshold ?? 0);
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

/**
 * The series of each query of a GetMetricData request (or an alarm's `Metrics`): `MetricStat` queries read the
 * store, `Expression` queries are evaluated with metric math over the others. Errors are returned, not thrown,
 * so that one bad query does not fail the others.
 */
const querySeries = (store: MetricStore, queries: readonly Input[], start: number, end: number) => {
  const cache = new Map<string, Map<number, number> | AwsError>();
  const byId = new Map(queries.map((q) => [String(q.Id), q]));
  const statSeries = (query: Input): Map<number, number> => {
    const stat = String(query.MetricStat.Stat);
    const points = store.aggregate(query.MetricStat.Metric, start, end, Number(query.MetricStat.Period ?? 60), [stat]);
    return new Map(
      points.filter((p) => p.values[stat] !== undefined).map((p) => [p.timestamp, p.values[stat] as number]),
    );
  };
  const resolve = (id: string, depth = 0): Map<number, number> | AwsError => {
    const cached = cache.get(id);
    if (cached) return cached;
    const query = byId.get(id);
    let value: Map<number, number> | AwsError;
    try {
      if (!query || depth > 20) throw new AwsError('ValidationError', `Unknown metric id ${id}`);
      if (query.MetricStat) value = statSeries(query);
      else {
        const result = evaluateMath(
          String(query.Expression ?? ''),
          (ref) => {
            const found = resolve(ref, depth + 1);
            if (found instanceof AwsError) throw found;
            return found;
          },
          () => queries.filter((q) => q.MetricStat).map(statSeries),
        );
        value = typeof result === 'number' ? new Map() : result;
      }
    } catch (error) {
      value = error instanceof AwsError ? error : new AwsError('InternalError', (error as Error).message);
    }
    cache.set(id, value);
    return value;
  };
  return resolve;
};

class LocalCloudWatch {
  readonly store = new MetricStore();
  readonly alarms = new Map<string, Alarm>();
  readonly dashboards = new Map<string, { body: string; modified: number }>();
  private timer: NodeJS.Timeout | undefined;
  /** Metrics and alarm states under `<dataDir>/cloudwatch`, written a few seconds after changes. */
  private readonly state: JsonState<PersistedState>;

  constructor(
    private readonly ctx: LocalContext,
    private readonly cloud: Cloud,
  ) {
    this.state = jsonState(
      ctx.dataDir ? path.join(ctx.dataDir, 'cloudwatch') : undefined,
      () => ({
        series: this.store.snapshot(),
        alarms: [...this.alarms.values()].map((a) => ({
          name: a.name,
          state: a.state,
          reason: a.reason,
          updated: a.updated,
        })),
      }),
      5000,
    );
    this.store.restore(this.state.load()?.series ?? []);
  }

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
        const saved = this.state.load()?.alarms.find((a) => a.name === r.physicalId);
        const alarm = this.alarms.get(r.physicalId);
        if (saved && alarm) Object.assign(alarm, { state: saved.state, reason: saved.reason, updated: saved.updated });
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
    this.state.changed();
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
      this.state.changed();
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
    this.state.flush();
  }
}

/** The local CloudWatch metrics service (JSON 1.0 for current SDKs, query for the CLI). */
export const createCloudWatchService: ServiceFactory = (ctx, cloud) => {
  const cw = new LocalCloudWatch(ctx, cloud);

  const getMetricData = async (input: Input, call?: CallContext) => {
    const descending = (input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
    const queries = (input.MetricDataQueries ?? []) as Input[];
    const series = querySeries(cw.store, queries, parseTime(input.StartTime), parseTime(input.EndTime));
    const results: Record<string, unknown>[] = [];
    const messages: Record<string, unknown>[] = [];
    for (const query of queries) {
      if (query.ReturnData === false || query.ReturnData === 'false') continue;
      const values = series(String(query.Id));
      if (values instanceof AwsError) {
        results.push({
          Id: query.Id,
          Label: query.Label ?? query.Id,
          Timestamps: [],
          Values: [],
          StatusCode: 'InternalError',
        });
        messages.push({ Code: values.code, Value: `${query.Id}: ${values.message}` });
        continue;
      }
      const points = [...values.entries()]
        .filter(([, v]) => Number.isFinite(v))
        .sort(([a], [b]) => (descending ? b - a : a - b));
      results.push({
        Id: query.Id,
        Label: query.Label ?? query.MetricStat?.Metric?.MetricName ?? query.Id,
        Timestamps: points.map(([t]) => timeOut(t, call)),
        Values: points.map(([, v]) => v),
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
