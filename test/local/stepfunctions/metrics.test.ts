import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { SFNClient, StartExecutionCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import type { LocalCloud } from '../../../local/cloud';
import { clientConfig, startTestCloud } from '../support/cloud';

/**
 * The AWS/States metrics the Step Functions console and dashboards read (dimension StateMachineArn):
 * ExecutionsStarted, ExecutionsSucceeded, ExecutionsFailed, ExecutionTime.
 */
const machine = (type: 'STANDARD' | 'EXPRESS', states: object) => ({
  Type: 'AWS::StepFunctions::StateMachine',
  Properties: {
    StateMachineType: type,
    RoleArn: 'arn:aws:iam::000000000000:role/sfn',
    DefinitionString: JSON.stringify({ StartAt: 'Only', States: { Only: states } }),
  },
});

describe('AWS/States metrics', () => {
  let local: LocalCloud;
  let sfn: SFNClient;
  let cw: CloudWatchClient;
  const arnOf = (logicalId: string) =>
    local.stacks[0]?.resources.find((r) => r.logicalId === logicalId)?.physicalId ?? '';

  beforeAll(async () => {
    local = await startTestCloud({
      template: {
        Resources: {
          Passes: machine('STANDARD', { Type: 'Pass', End: true }),
          Fails: machine('STANDARD', { Type: 'Fail', Error: 'Boom' }),
          Quick: machine('EXPRESS', { Type: 'Pass', End: true }),
        },
      },
      stackName: 'Metrics',
    });
    sfn = new SFNClient({ ...clientConfig(local.endpoint), disableHostPrefix: true });
    cw = new CloudWatchClient(clientConfig(local.endpoint));
  });
  afterAll(() => local.stop());

  const sum = async (metric: string, stateMachineArn: string): Promise<number> => {
    const res = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: stateMachineArn }],
        StartTime: new Date(Date.now() - 3_600_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 3600,
        Statistics: ['Sum'],
      }),
    );
    return (res.Datapoints ?? []).reduce((n, d) => n + (d.Sum ?? 0), 0);
  };

  const eventually = async (probe: () => Promise<boolean>, what: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('counts started, succeeded and failed executions per state machine, and their duration', async () => {
    // Prepare
    const passes = arnOf('Passes');
    const fails = arnOf('Fails');
    const quick = arnOf('Quick');
    // Act
    await sfn.send(new StartExecutionCommand({ stateMachineArn: passes, name: 'a' }));
    await sfn.send(new StartExecutionCommand({ stateMachineArn: passes, name: 'b' }));
    await sfn.send(new StartExecutionCommand({ stateMachineArn: fails, name: 'c' }));
    await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: quick }));
    // Assess
    await eventually(async () => (await sum('ExecutionsSucceeded', passes)) === 2, 'two successes');
    expect(await sum('ExecutionsStarted', passes)).toBe(2);
    expect(await sum('ExecutionsFailed', passes)).toBe(0);
    await eventually(async () => (await sum('ExecutionsFailed', fails)) === 1, 'one failure');
    expect(await sum('ExecutionsStarted', fails)).toBe(1);
    await eventually(async () => (await sum('ExecutionsSucceeded', quick)) === 1, 'the express success');
    expect(await sum('ExecutionTime', passes)).toBeGreaterThanOrEqual(0);
  });
});
