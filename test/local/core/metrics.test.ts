/**
 * The metric buffer the local services share for their own AWS/* metrics (what AWS publishes for them lands in the
 * local CloudWatch through PutMetricData, as a real service's would).
 */
import { MetricBuffer } from '../../../local/core/metrics';
import type { Cloud } from '../../../local/core/types';

/** A cloud that records PutMetricData calls; `monitoring: false` makes it one without CloudWatch. */
const recordingCloud = (monitoring = true) => {
  const calls: {
    input: { Namespace: string; MetricData: { MetricName: string; Value: number }[] };
    caller?: string;
  }[] = [];
  const cloud = {
    service(name: string) {
      if (name === 'monitoring' && !monitoring) throw new Error('no such service');
      return {};
    },
    async call(_service: string, _operation: string, input: unknown, caller?: string) {
      calls.push({ input: input as (typeof calls)[number]['input'], caller });
      return {};
    },
  } as unknown as Cloud;
  return { cloud, calls };
};

const dims = (rule: string) => [{ Name: 'RuleName', Value: rule }];

describe('MetricBuffer', () => {
  it('sums counts of the same metric and dimensions, keeps other units apart, and sends in batches of 20', async () => {
    // Prepare
    const { cloud, calls } = recordingCloud();
    const buffer = new MetricBuffer(cloud, 'AWS/Events', 'events');
    for (let i = 0; i < 3; i++)
      buffer.add({ MetricName: 'Invocations', Dimensions: dims('a'), Value: 1, Unit: 'Count' });
    buffer.add({ MetricName: 'Invocations', Dimensions: dims('b'), Value: 1, Unit: 'Count' });
    for (let i = 0; i < 20; i++)
      buffer.add({ MetricName: 'Latency', Dimensions: dims('a'), Value: i, Unit: 'Milliseconds' });
    // Act
    await buffer.flush();
    // Assess
    expect(calls.map((c) => [c.input.Namespace, c.caller, c.input.MetricData.length])).toEqual([
      ['AWS/Events', 'events', 20],
      ['AWS/Events', 'events', 2],
    ]);
    const data = calls.flatMap((c) => c.input.MetricData);
    expect(data.filter((d) => d.MetricName === 'Invocations').map((d) => d.Value)).toEqual([3, 1]);
    expect(data.filter((d) => d.MetricName === 'Latency')).toHaveLength(20);
  });

  it('sends nothing and keeps nothing when no CloudWatch runs', async () => {
    const { cloud, calls } = recordingCloud(false);
    const buffer = new MetricBuffer(cloud, 'AWS/States', 'states');
    buffer.add({ MetricName: 'ExecutionsStarted', Dimensions: [], Value: 1, Unit: 'Count' });
    await buffer.flush();
    await buffer.flush();
    expect(calls).toEqual([]);
  });
});
