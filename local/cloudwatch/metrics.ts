import { AwsError } from '../core/errors.ts';

/** A metric's identity: namespace, name and its dimensions (sorted by name). */
export interface MetricId {
  readonly Namespace: string;
  readonly MetricName: string;
  readonly Dimensions: readonly { Name: string; Value: string }[];
}

/** One stored sample set at one time: the statistic set plus raw values when they are known (percentiles). */
export interface Point {
  readonly t: number;
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly values?: readonly number[];
}

/** A series as persisted: its identity, unit and newest points. */
export interface Series {
  readonly id: MetricId;
  unit: string | undefined;
  points: Point[];
}

/** Parse a timestamp given as Date, epoch seconds (JSON protocols) or ISO text (query protocol). */
export const parseTime = (value: unknown, fallback = Date.now()): number => {
  if (value === undefined || value === null || value === '') return fallback;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value * 1000;
  const text = String(value);
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new AwsError('InvalidParameterValue', `Invalid timestamp ${text}`);
  return parsed;
};

const sortDimensions = (dimensions: unknown): { Name: string; Value: string }[] =>
  (Array.isArray(dimensions) ? dimensions : [])
    .map((d: { Name?: unknown; Value?: unknown }) => ({ Name: String(d.Name), Value: String(d.Value) }))
    .sort((a, b) => a.Name.localeCompare(b.Name));

const keyOf = (id: MetricId): string =>
  [id.Namespace, id.MetricName, ...id.Dimensions.map((d) => `${d.Name}=${d.Value}`)].join('\u0000');

/** Statistic of a set of points: Sum, Average, Minimum, Maximum, SampleCount or a percentile `pNN(.N)`. */
export const statistic = (points: readonly Point[], stat: string): number | undefined => {
  if (!points.length) return undefined;
  const count = points.reduce((n, p) => n + p.count, 0);
  const sum = points.reduce((n, p) => n + p.sum, 0);
  switch (stat) {
    case 'Sum':
      return sum;
    case 'SampleCount':
      return count;
    case 'Average':
      return count ? sum / count : undefined;
    case 'Minimum':
      return Math.min(...points.map((p) => p.min));
    case 'Maximum':
      return Math.max(...points.map((p) => p.max));
  }
  const percentile = /^p(\d+(\.\d+)?)$/i.exec(stat);
  if (!percentile) throw new AwsError('InvalidParameterValue', `The statistic ${stat} is not supported locally`);
  // Points stored as statistic sets have no raw values: their mean stands in for them.
  const values = points
    .flatMap((p) => p.values ?? Array<number>(Math.max(1, Math.round(p.count))).fill(p.sum / p.count))
    .sort((a, b) => a - b);
  const rank = Math.ceil((Number(percentile[1]) / 100) * values.length) - 1;
  return values[Math.min(values.length - 1, Math.max(0, rank))];
};

/** In-memory time series with bounded retention (age and points per series). */
export class MetricStore {
  private readonly series = new Map<string, Series>();

  constructor(
    private readonly retentionMs = 6 * 3600 * 1000,
    private readonly maxPointsPerSeries = 20_000,
  ) {}

  /** The series with their newest points (at most `maxPoints` each), for persistence. */
  snapshot(maxPoints = 2000): Series[] {
    const cutoff = Date.now() - this.retentionMs;
    return [...this.series.values()].map((s) => ({
      id: s.id,
      unit: s.unit,
      points: s.points.filter((p) => p.t >= cutoff).slice(-maxPoints),
    }));
  }

  /** Restore persisted series (points older than the retention are dropped). */
  restore(series: readonly Series[]): void {
    const cutoff = Date.now() - this.retentionMs;
    for (const s of series) {
      this.series.set(keyOf(s.id), { id: s.id, unit: s.unit, points: s.points.filter((p) => p.t >= cutoff) });
    }
  }

  put(namespace: string, datum: Record<string, unknown>): void {
    const id: MetricId = {
      Namespace: namespace,
      MetricName: String(datum.MetricName),
      Dimensions: sortDimensions(datum.Dimensions),
    };
    const t = parseTime(datum.Timestamp);
    let point: Point;
    const stats = datum.StatisticValues as Record<string, unknown> | undefined;
    if (stats) {
      point = {
        t,
        sum: Number(stats.Sum),
        count: Number(stats.SampleCount),
        min: Number(stats.Minimum),
        max: Number(stats.Maximum),
      };
    } else {
      const values = Array.isArray(datum.Values) ? datum.Values.map(Number) : [Number(datum.Value)];
      const counts = Array.isArray(datum.Counts) ? datum.Counts.map(Number) : values.map(() => 1);
      if (values.some((v) => !Number.isFinite(v))) {
        throw new AwsError('InvalidParameterValue', `The value of ${id.MetricName} must be a finite number`);
      }
      const expanded = values.flatMap((v, i) => Array<number>(Math.max(1, Math.round(counts[i] ?? 1))).fill(v));
      point = {
        t,
        sum: values.reduce((n, v, i) => n + v * (counts[i] ?? 1), 0),
        count: counts.reduce((n, c) => n + c, 0),
        min: Math.min(...values),
        max: Math.max(...values),
        values: expanded.length <= 1000 ? expanded : undefined,
      };
    }
    const key = keyOf(id);
    let series = this.series.get(key);
    if (!series) {
      series = { id, unit: undefined, points: [] };
      this.series.set(key, series);
    }
    if (typeof datum.Unit === 'string') series.unit = datum.Unit;
    series.points.push(point);
    if (series.points.length > this.maxPointsPerSeries || (series.points[0]?.t ?? t) < Date.now() - this.retentionMs) {
      const cutoff = Date.now() - this.retentionMs;
      series.points = series.points.filter((p) => p.t >= cutoff).slice(-this.maxPointsPerSeries);
    }
  }

  list(filter: {
    Namespace?: string;
    MetricName?: string;
    Dimensions?: { Name: string; Value?: string }[];
  }): MetricId[] {
    return [...this.series.values()]
      .map((s) => s.id)
      .filter(
        (id) =>
          (!filter.Namespace || id.Namespace === filter.Namespace) &&
          (!filter.MetricName || id.MetricName === filter.MetricName) &&
          (filter.Dimensions ?? []).every((want) =>
            id.Dimensions.some((d) => d.Name === want.Name && (want.Value === undefined || d.Value === want.Value)),
          ),
      );
  }

  /** Aggregate one metric (exact dimensions) per period over [start, end); buckets without data are left out. */
  aggregate(
    metric: { Namespace: string; MetricName: string; Dimensions?: unknown },
    startMs: number,
    endMs: number,
    periodSeconds: number,
    stats: readonly string[],
  ): { timestamp: number; values: Record<string, number | undefined>; unit: string | undefined }[] {
    const series = this.series.get(
      keyOf({
        Namespace: metric.Namespace,
        MetricName: metric.MetricName,
        Dimensions: sortDimensions(metric.Dimensions),
      }),
    );
    if (!series) return [];
    const periodMs = Math.max(1, periodSeconds) * 1000;
    const buckets = new Map<number, Point[]>();
    for (const point of series.points) {
      if (point.t < startMs || point.t >= endMs) continue;
      const bucket = Math.floor(point.t / periodMs) * periodMs;
      let list = buckets.get(bucket);
      if (!list) {
        list = [];
        buckets.set(bucket, list);
      }
      list.push(point);
    }
    return [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([timestamp, points]) => ({
        timestamp,
        values: Object.fromEntries(stats.map((s) => [s, statistic(points, s)])),
        unit: series.unit,
      }));
  }
}
