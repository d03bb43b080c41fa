/**
 * CloudWatch dashboards of the template rendered from the locally collected metrics: each widget of the stored
 * `DashboardBody` keeps its title, place and size; its `metrics` array (full rows, `"."` and `"..."` shorthand,
 * metric-math expressions, per-row options) becomes one `GetMetricData` call. Widgets that need AWS (Logs Insights)
 * say so instead of pretending.
 */
import type { Cloud } from '../core/types';

// biome-ignore lint/suspicious/noExplicitAny: dashboard bodies and AWS answers are untyped JSON.
type Json = Record<string, any>;

/** One line of a chart. */
export interface Series {
  readonly id: string;
  readonly label: string;
  readonly color?: string;
  /** [epoch ms, value], oldest first. */
  readonly points: readonly (readonly [number, number])[];
}

/** A widget ready to draw. */
export interface WidgetView {
  readonly type: string;
  /** 'timeSeries' | 'singleValue' | 'bar' | 'pie' | 'gauge' for metric widgets. */
  readonly view?: string;
  readonly title: string;
  readonly x?: number;
  readonly y?: number;
  readonly width: number;
  readonly height: number;
  readonly series?: readonly Series[];
  readonly markdown?: string;
  readonly alarms?: readonly { name: string; state: string; reason: string }[];
  readonly message?: string;
  readonly period?: number;
  readonly stat?: string;
}

/** A dashboard ready to draw. */
export interface DashboardView {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly widgets: readonly WidgetView[];
}

/** How a rendering reads metrics and alarms (the CloudWatch service's operations). */
export interface RenderOptions {
  /** Minutes back from now. @default 60 */
  readonly minutes?: number;
  /** Seconds per point for every widget; undefined keeps each widget's own period. */
  readonly period?: number;
  readonly now?: number;
}

/**
 * The rows of a widget's `metrics` as `GetMetricData` queries. A row is `[namespace, name, dimName, dimValue, ...,
 * {options}]` or `[{expression, id, label}]`; `"."` repeats the value at the same position of the previous row and
 * `"..."` repeats the previous row's remaining fields (CloudWatch's shorthand).
 */
export const metricQueries = (widget: Json, periodOverride?: number): Json[] => {
  const rows = (Array.isArray(widget.metrics) ? widget.metrics : []) as unknown[][];
  const queries: Json[] = [];
  let previous: unknown[] = [];
  rows.forEach((row, i) => {
    const options = (
      row.length > 0 && typeof row[row.length - 1] === 'object' && row[row.length - 1] !== null
        ? row[row.length - 1]
        : {}
    ) as Json;
    const fields = row.length > 0 && options === row[row.length - 1] ? row.slice(0, -1) : row;
    const id = String(options.id ?? `m${i}`);
    const common = {
      Id: id,
      ...(options.label ? { Label: String(options.label) } : {}),
      ReturnData: options.visible !== false,
      ...(options.color ? { color: String(options.color) } : {}),
    };
    if (options.expression) {
      queries.push({
        ...common,
        Expression: String(options.expression),
        Period: periodOverride ?? options.period ?? widget.period ?? 300,
      });
      return;
    }
    const full: unknown[] = [];
    for (let k = 0; k < fields.length; k++) {
      if (fields[k] === '...') {
        full.push(...previous.slice(full.length));
        break;
      }
      full.push(fields[k] === '.' ? previous[k] : fields[k]);
    }
    previous = full;
    const [namespace, metricName, ...dims] = full.map(String);
    const dimensions: { Name: string; Value: string }[] = [];
    for (let k = 0; k + 1 < dims.length; k += 2)
      dimensions.push({ Name: dims[k] as string, Value: dims[k + 1] as string });
    queries.push({
      ...common,
      Label: common.Label ?? metricName,
      MetricStat: {
        Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions },
        Period: Number(periodOverride ?? options.period ?? widget.period ?? 300),
        Stat: String(options.stat ?? widget.stat ?? 'Average'),
      },
    });
  });
  return queries;
};

const seriesOf = async (cloud: Cloud, widget: Json, start: number, end: number, period?: number): Promise<Series[]> => {
  const queries = metricQueries(widget, period);
  if (queries.length === 0) return [];
  const colors = new Map(queries.map((q) => [q.Id as string, q.color as string | undefined]));
  const answer: Json = await cloud.call('cloudwatch', 'GetMetricData', {
    MetricDataQueries: queries.map(({ color: _c, Period, ...q }) => (q.Expression ? { ...q, Period } : q)),
    StartTime: start / 1000,
    EndTime: end / 1000,
    ScanBy: 'TimestampAscending',
  });
  return ((answer.MetricDataResults ?? []) as Json[]).map((r) => {
    const times = (r.Timestamps ?? []) as number[];
    const values = (r.Values ?? []) as number[];
    const color = colors.get(String(r.Id));
    return {
      id: String(r.Id),
      label: String(r.Label ?? r.Id),
      ...(color ? { color } : {}),
      points: times.map((t, i) => [t * 1000, values[i] as number] as const),
    };
  });
};

/** Alarms by ARN or name (all of them when `names` is empty), with their current state. */
export const alarmStates = async (
  cloud: Cloud,
  names: readonly string[] = [],
): Promise<{ name: string; state: string; reason: string }[]> => {
  const answer: Json = await cloud.call('cloudwatch', 'DescribeAlarms', {
    AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
  });
  const all = [...((answer.MetricAlarms ?? []) as Json[]), ...((answer.CompositeAlarms ?? []) as Json[])];
  return all
    .filter((a) => names.length === 0 || names.includes(a.AlarmArn) || names.includes(a.AlarmName))
    .map((a) => ({ name: String(a.AlarmName), state: String(a.StateValue), reason: String(a.StateReason ?? '') }));
};

/** One series folded into a single point at `end` by a statistic (sum for counts, extremes, else the mean). */
const fold = (series: Series, stat: string, end: number): Series => {
  const values = series.points.map(([, v]) => v);
  if (values.length === 0) return series;
  const value =
    stat === 'Sum' || stat === 'SampleCount'
      ? values.reduce((a, b) => a + b, 0)
      : stat === 'Minimum'
        ? Math.min(...values)
        : stat === 'Maximum'
          ? Math.max(...values)
          : values.reduce((a, b) => a + b, 0) / values.length;
  return { ...series, points: [[end, value]] };
};

/** Renders one stored dashboard body. */
export const renderDashboard = async (
  cloud: Cloud,
  name: string,
  body: string,
  options: RenderOptions = {},
): Promise<DashboardView> => {
  const end = options.now ?? Date.now();
  const start = end - (options.minutes ?? 60) * 60_000;
  const parsed = JSON.parse(body) as Json;
  const widgets: WidgetView[] = [];
  for (const w of (parsed.widgets ?? []) as Json[]) {
    const p = (w.properties ?? {}) as Json;
    const place = {
      type: String(w.type),
      title: String(p.title ?? ''),
      ...(typeof w.x === 'number' ? { x: w.x } : {}),
      ...(typeof w.y === 'number' ? { y: w.y } : {}),
      width: Number(w.width ?? 6),
      height: Number(w.height ?? 6),
    };
    if (w.type === 'metric') {
      const alarmArns = (p.annotations?.alarms ?? []) as string[];
      // A value over the whole range (CDK `setPeriodToTimeRange`): one period as long as the range, its buckets
      // (aligned to the period, so up to two) folded into one value by the widget's statistic.
      const wholeRange = p.setPeriodToTimeRange === true || p.setPeriodToTimeRange === 'true';
      const period = wholeRange ? Math.round((end - start) / 1000) : options.period;
      const metricWidget = alarmArns.length > 0 && !p.metrics ? { ...p, metrics: [] } : p;
      widgets.push({
        ...place,
        view: String(p.view ?? 'timeSeries'),
        series: wholeRange
          ? (await seriesOf(cloud, metricWidget, start, end, period)).map((one) =>
              fold(one, String(p.stat ?? 'Average'), end),
            )
          : await seriesOf(cloud, metricWidget, start, end, period),
        ...(alarmArns.length ? { alarms: await alarmStates(cloud, alarmArns) } : {}),
        period: Number(period ?? p.period ?? 300),
        stat: String(p.stat ?? 'Average'),
      });
    } else if (w.type === 'text') {
      widgets.push({ ...place, markdown: String(p.markdown ?? '') });
    } else if (w.type === 'alarm') {
      widgets.push({ ...place, alarms: await alarmStates(cloud, (p.alarms ?? []) as string[]) });
    } else {
      widgets.push({ ...place, message: `${w.type} widgets need CloudWatch on AWS; not rendered locally` });
    }
  }
  return { name, start, end, widgets };
};

/** The dashboards stored from the template (name → body). */
export const listDashboards = async (cloud: Cloud): Promise<{ name: string; body: string }[]> => {
  const answer: { DashboardEntries?: { DashboardName: string }[] } = await cloud.call(
    'cloudwatch',
    'ListDashboards',
    {},
  );
  return Promise.all(
    (answer.DashboardEntries ?? []).map(async (d) => {
      const one: { DashboardBody: string } = await cloud.call('cloudwatch', 'GetDashboard', {
        DashboardName: d.DashboardName,
      });
      return { name: d.DashboardName, body: one.DashboardBody };
    }),
  );
};

/** Every collected metric with its points over the range (Sum per period): the explorer when there is no dashboard. */
export const metricsOverview = async (
  cloud: Cloud,
  options: RenderOptions = {},
): Promise<{ namespace: string; name: string; dimensions: Json[]; total: number; points: [number, number][] }[]> => {
  const end = options.now ?? Date.now();
  const start = end - (options.minutes ?? 60) * 60_000;
  const period = options.period ?? 60;
  const listed: { Metrics?: Json[] } = await cloud.call('cloudwatch', 'ListMetrics', {});
  const metrics = (listed.Metrics ?? []).slice(0, 500);
  if (metrics.length === 0) return [];
  const answer: Json = await cloud.call('cloudwatch', 'GetMetricData', {
    MetricDataQueries: metrics.map((m, i) => ({ Id: `m${i}`, MetricStat: { Metric: m, Period: period, Stat: 'Sum' } })),
    StartTime: start / 1000,
    EndTime: end / 1000,
    ScanBy: 'TimestampAscending',
  });
  const results = new Map(((answer.MetricDataResults ?? []) as Json[]).map((r) => [String(r.Id), r]));
  return metrics
    .map((m, i) => {
      const r = results.get(`m${i}`) ?? {};
      const times = (r.Timestamps ?? []) as number[];
      const values = (r.Values ?? []) as number[];
      return {
        namespace: String(m.Namespace),
        name: String(m.MetricName),
        dimensions: (m.Dimensions ?? []) as Json[],
        total: values.reduce((a, b) => a + b, 0),
        points: times.map((t, k) => [t * 1000, values[k] as number] as [number, number]),
      };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
};
