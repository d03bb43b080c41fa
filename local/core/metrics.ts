import type { Cloud } from './types';

/** One metric datum in `PutMetricData`'s shape (the timestamp is set when the buffer flushes). */
export interface MetricDatum {
  readonly MetricName: string;
  readonly Dimensions: readonly { readonly Name: string; readonly Value: string }[];
  readonly Value: number;
  readonly Unit: string;
}

/** PutMetricData takes at most this many datums per call. */
const BATCH = 20;

/**
 * A service's own `AWS/*` metrics on their way to the local CloudWatch: buffered for a second, counts of the same
 * metric and dimensions summed, then sent in `PutMetricData` batches. Nothing is sent (nor kept) when no
 * CloudWatch runs; a failed send is dropped (metrics must never break the service that emits them).
 */
export class MetricBuffer {
  private readonly counts = new Map<string, MetricDatum>();
  private readonly others: MetricDatum[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cloud: Cloud | undefined,
    private readonly namespace: string,
    /** The service name the calls are made as. */
    private readonly caller: string,
  ) {}

  add(datum: MetricDatum): void {
    if (!this.cloud) return;
    if (datum.Unit === 'Count') {
      const key = `${datum.MetricName}\u0000${datum.Dimensions.map((d) => `${d.Name}=${d.Value}`).join('\u0000')}`;
      const held = this.counts.get(key);
      this.counts.set(key, held ? { ...held, Value: held.Value + datum.Value } : datum);
    } else this.others.push(datum);
    this.timer ??= setTimeout(() => void this.flush(), 1000).unref();
  }

  /** Sends what is buffered now. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const Timestamp = Date.now() / 1000;
    const data = [...this.counts.values(), ...this.others.splice(0)].map((d) => ({ ...d, Timestamp }));
    this.counts.clear();
    if (!this.cloud || data.length === 0) return;
    try {
      this.cloud.service('monitoring');
    } catch {
      return;
    }
    for (let i = 0; i < data.length; i += BATCH) {
      await this.cloud
        .call(
          'monitoring',
          'PutMetricData',
          { Namespace: this.namespace, MetricData: data.slice(i, i + BATCH) },
          this.caller,
        )
        .catch(() => undefined);
    }
  }
}
