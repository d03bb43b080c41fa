/**
 * Embedded Metric Format (EMF): the structured log lines Powertools Metrics writes
 * (`{"_aws": {"Timestamp", "CloudWatchMetrics": [{Namespace, Dimensions, Metrics}]}, ...values}`), turned into
 * `PutMetricData` inputs, as CloudWatch Logs does for a Lambda function's log group.
 */

/** One `PutMetricData` input (the AWS API shape). */
export interface PutMetricDataInput {
  Namespace: string;
  MetricData: MetricDatum[];
}

export interface MetricDatum {
  MetricName: string;
  Dimensions?: { Name: string; Value: string }[];
  Timestamp?: Date | string | number;
  Value?: number;
  Values?: number[];
  Counts?: number[];
  StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
  Unit?: string;
  StorageResolution?: number;
}

interface EmfDirective {
  Namespace?: unknown;
  Dimensions?: unknown;
  Metrics?: unknown;
}

const numbers = (value: unknown): number[] => {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
};

/** Parse one log line (raw JSON, or the JSON after Lambda's tab-separated prefix); undefined when not EMF. */
export const parseEmfLine = (line: string): PutMetricDataInput[] | undefined => {
  const start = line.indexOf('{');
  if (start < 0 || !line.includes('CloudWatchMetrics')) return undefined;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line.slice(start));
  } catch {
    return undefined;
  }
  return emfToMetricData(record);
};

/** Convert one EMF record into PutMetricData inputs (one per directive); undefined when not EMF. */
export const emfToMetricData = (record: Record<string, unknown>): PutMetricDataInput[] | undefined => {
  const aws = record._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || !Array.isArray(aws.CloudWatchMetrics)) return undefined;
  const timestamp = typeof aws.Timestamp === 'number' ? new Date(aws.Timestamp) : new Date();
  const inputs: PutMetricDataInput[] = [];
  for (const directive of aws.CloudWatchMetrics as EmfDirective[]) {
    if (typeof directive.Namespace !== 'string' || !Array.isArray(directive.Metrics)) continue;
    const dimensionSets =
      Array.isArray(directive.Dimensions) && directive.Dimensions.length ? directive.Dimensions : [[]];
    const data: MetricDatum[] = [];
    for (const metric of directive.Metrics as { Name?: unknown; Unit?: unknown; StorageResolution?: unknown }[]) {
      if (typeof metric.Name !== 'string') continue;
      const values = numbers(record[metric.Name]);
      if (!values.length) continue;
      for (const set of dimensionSets as unknown[]) {
        const keys = Array.isArray(set) ? set.filter((k): k is string => typeof k === 'string') : [];
        const dimensions = keys
          .filter((key) => record[key] !== undefined)
          .map((key) => ({ Name: key, Value: String(record[key]) }));
        data.push({
          MetricName: metric.Name,
          Dimensions: dimensions,
          Timestamp: timestamp,
          Values: values,
          Unit: typeof metric.Unit === 'string' ? metric.Unit : 'None',
          StorageResolution: typeof metric.StorageResolution === 'number' ? metric.StorageResolution : 60,
        });
      }
    }
    if (data.length) inputs.push({ Namespace: directive.Namespace, MetricData: data });
  }
  return inputs;
};
