/**
 * Access logs (the stage's `AccessLogSetting.Format`, rendered with `$context`) kept in memory for the console,
 * and the AWS/ApiGateway metrics (Count, 4XXError, 5XXError, Latency, IntegrationLatency) sent to the local
 * CloudWatch service when one runs.
 */
import type { Cloud, LocalContext } from '../core/types.ts';
import type { RestApiDef, StageDef } from './model.ts';
import { renderTemplate } from './vtl.ts';

/** One finished request. */
export interface RequestRecord {
  readonly api: RestApiDef;
  readonly stage: StageDef;
  readonly resourcePath: string;
  readonly httpMethod: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly integrationLatencyMs: number | undefined;
  readonly context: Record<string, unknown>;
}

/** One access log line. */
export interface AccessLogLine {
  readonly apiId: string;
  readonly stage: string;
  readonly destination: string | undefined;
  readonly timestamp: number;
  readonly message: string;
}

interface Aggregate {
  sampleCount: number;
  sum: number;
  min: number;
  max: number;
}

const MAX_LOG_LINES = 2_000;
const FLUSH_MS = 1_000;
const METRIC_SERVICES = ['monitoring', 'cloudwatch'];

/** Collects access log lines and aggregates metrics, flushed once a second. */
export class Telemetry {
  private readonly lines: AccessLogLine[] = [];
  private readonly pending = new Map<
    string,
    { dimensions: { Name: string; Value: string }[]; metric: string; unit: string; agg: Aggregate }
  >();
  private timer: NodeJS.Timeout | undefined;
  private metricsService: string | null | undefined;

  constructor(
    private readonly cloud: Cloud,
    private readonly ctx: LocalContext,
  ) {}

  /** The most recent access log lines, oldest first. */
  accessLogs(): readonly AccessLogLine[] {
    return this.lines;
  }

  record(r: RequestRecord): void {
    if (r.stage.accessLogFormat) {
      let message: string;
      try {
        message = renderTemplate(r.stage.accessLogFormat, { context: r.context, stageVariables: r.stage.variables });
      } catch (e) {
        message = `access log format failed to render: ${(e as Error).message}`;
      }
      this.lines.push({
        apiId: r.api.id,
        stage: r.stage.name,
        destination: r.stage.accessLogDestination,
        timestamp: Date.now(),
        message,
      });
      if (this.lines.length > MAX_LOG_LINES) this.lines.splice(0, this.lines.length - MAX_LOG_LINES);
    }
    if (this.metricTarget() === null) return;
    const base = [
      { Name: 'ApiName', Value: r.api.name },
      { Name: 'Stage', Value: r.stage.name },
    ];
    const perMethod = r.resourcePath
      ? [...base, { Name: 'Resource', Value: r.resourcePath }, { Name: 'Method', Value: r.httpMethod }]
      : undefined;
    for (const dimensions of perMethod ? [base, perMethod] : [base]) {
      this.add(dimensions, 'Count', 'Count', 1);
      this.add(dimensions, '4XXError', 'Count', r.status >= 400 && r.status < 500 ? 1 : 0);
      this.add(dimensions, '5XXError', 'Count', r.status >= 500 ? 1 : 0);
      this.add(dimensions, 'Latency', 'Milliseconds', r.latencyMs);
      if (r.integrationLatencyMs !== undefined)
        this.add(dimensions, 'IntegrationLatency', 'Milliseconds', r.integrationLatencyMs);
    }
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  private add(dimensions: { Name: string; Value: string }[], metric: string, unit: string, value: number): void {
    const key = `${metric}|${dimensions.map((d) => d.Value).join('|')}`;
    const entry = this.pending.get(key);
    if (!entry) {
      this.pending.set(key, { dimensions, metric, unit, agg: { sampleCount: 1, sum: value, min: value, max: value } });
      return;
    }
    entry.agg.sampleCount += 1;
    entry.agg.sum += value;
    entry.agg.min = Math.min(entry.agg.min, value);
    entry.agg.max = Math.max(entry.agg.max, value);
  }

  /** Send the aggregated metrics now (also called on stop). */
  async flush(): Promise<void> {
    this.timer = undefined;
    const service = this.metricTarget();
    if (!service || this.pending.size === 0) return;
    const entries = [...this.pending.values()];
    this.pending.clear();
    const timestamp = new Date();
    for (let i = 0; i < entries.length; i += 500) {
      const MetricData = entries.slice(i, i + 500).map((e) => ({
        MetricName: e.metric,
        Dimensions: e.dimensions,
        Timestamp: timestamp,
        Unit: e.unit,
        StatisticValues: { SampleCount: e.agg.sampleCount, Sum: e.agg.sum, Minimum: e.agg.min, Maximum: e.agg.max },
      }));
      await this.cloud
        .call(service, 'PutMetricData', { Namespace: 'AWS/ApiGateway', MetricData }, 'apigateway')
        .catch((e: unknown) => this.ctx.log.debug('apigateway: PutMetricData failed', { error: String(e) }));
    }
  }

  /** Stop the flush timer. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The local metrics service name, or null when none runs (metrics are then not collected at all). */
  private metricTarget(): string | null {
    if (this.metricsService !== undefined) return this.metricsService;
    this.metricsService =
      METRIC_SERVICES.find((name) => {
        try {
          return Boolean(this.cloud.service(name).operations.PutMetricData);
        } catch {
          return false;
        }
      }) ?? null;
    return this.metricsService;
  }
}
