/**
 * The console's data routes on a small template (a table, a queue with its DLQ, a Standard state machine, a
 * dashboard), read over HTTP like the page does.
 */
import type { LocalCloud } from '../../../local/cloud';
import type { CfnTemplate } from '../../../local/template';
import { startTestCloud } from '../support/cloud';

const definition = {
  StartAt: 'First',
  States: {
    First: { Type: 'Pass', Next: 'Hold' },
    Hold: { Type: 'Wait', Seconds: 600, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

const dashboardBody = {
  widgets: [
    { type: 'text', x: 0, y: 0, width: 24, height: 2, properties: { markdown: '# Things' } },
    {
      type: 'metric',
      x: 0,
      y: 2,
      width: 12,
      height: 6,
      properties: {
        title: 'Things made',
        view: 'timeSeries',
        period: 60,
        stat: 'Sum',
        metrics: [
          ['Test', 'Things', 'Kind', 'red', { label: 'red things' }],
          ['.', '.', '.', 'blue'],
          [{ expression: 'm0 + m1', label: 'all things', id: 'all' }],
        ],
      },
    },
    {
      type: 'metric',
      x: 12,
      y: 2,
      width: 6,
      height: 6,
      properties: {
        title: 'Total things',
        view: 'singleValue',
        setPeriodToTimeRange: true,
        stat: 'Sum',
        metrics: [['Test', 'Things', 'Kind', 'red']],
      },
    },
    { type: 'log', x: 18, y: 2, width: 6, height: 6, properties: { title: 'Insights', query: 'fields @message' } },
  ],
};

const template = (): CfnTemplate => ({
  Resources: {
    Items: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: 'items',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    },
    Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'work-dlq' } },
    Work: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: 'work',
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 3 },
      },
    },
    EventsDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'events-dlq' } },
    Rule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: 'to-work',
        EventPattern: { source: ['never.sent'] },
        Targets: [
          {
            Id: 'Work',
            Arn: { 'Fn::GetAtt': ['Work', 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['EventsDlq', 'Arn'] } },
          },
        ],
      },
    },
    Machine: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineName: 'flow',
        DefinitionString: JSON.stringify(definition),
        RoleArn: 'arn:aws:iam::000000000000:role/flow',
      },
    },
    TooMany: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: 'too-many-red',
        Namespace: 'Test',
        MetricName: 'Things',
        Dimensions: [{ Name: 'Kind', Value: 'red' }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      },
    },
    Board: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: { DashboardName: 'things', DashboardBody: JSON.stringify(dashboardBody) },
    },
  },
});

let local: LocalCloud;
let executionArn: string;
// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field.
const get = async (path: string, init?: RequestInit): Promise<{ status: number; body: any }> => {
  const res = await fetch(`${local.endpoint}/_console/api/${path}`, init);
  return { status: res.status, body: await res.json() };
};

beforeAll(async () => {
  local = await startTestCloud({
    template: template(),
    services: ['dynamodb', 'sqs', 'stepfunctions', 'cloudwatch', 'events'],
  });
  const machines = await local.cloud.call('states', 'ListStateMachines', {});
  ({ executionArn } = await local.cloud.call('states', 'StartExecution', {
    stateMachineArn: machines.stateMachines[0].stateMachineArn,
    name: 'item-1',
    input: '{"id":"item-1"}',
  }));
  await local.cloud.call('dynamodb', 'PutItem', {
    TableName: 'items',
    Item: { id: { S: 'item-1' }, status: { S: 'NEW' }, total: { N: '12' }, tags: { SS: ['a'] } },
  });
  await local.cloud.call('cloudwatch', 'PutMetricData', {
    Namespace: 'Test',
    MetricData: [
      { MetricName: 'Things', Dimensions: [{ Name: 'Kind', Value: 'red' }], Value: 2 },
      { MetricName: 'Things', Dimensions: [{ Name: 'Kind', Value: 'blue' }], Value: 1 },
    ],
  });
});

afterAll(async () => {
  await local?.stop();
});

describe('the console page', () => {
  it('is served at /_console with its script and style', async () => {
    // Act
    const page = await fetch(`${local.endpoint}/_console`);
    const script = await fetch(`${local.endpoint}/_console/static/app.js`);
    const missing = await fetch(`${local.endpoint}/_console/static/secret.txt`);

    // Assess
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/_console/static/app.js');
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(missing.status).toBe(404);
  });

  it('answers 404 with an error body for an unknown data route', async () => {
    // Act
    const res = await get('nothing-here');

    // Assess
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NotFound');
  });
});

describe('step functions routes', () => {
  it('list machines with counts by status and executions filtered by status', async () => {
    // Act
    const all = await get('executions');
    const failed = await get('executions?status=FAILED');

    // Assess
    expect(all.body.machines).toEqual([
      expect.objectContaining({ name: 'flow', type: 'STANDARD', counts: { RUNNING: 1 } }),
    ]);
    expect(all.body.executions).toEqual([
      expect.objectContaining({ name: 'item-1', arn: executionArn, machine: 'flow', status: 'RUNNING' }),
    ]);
    expect(typeof all.body.executions[0].startDate).toBe('number');
    expect(failed.body.executions).toEqual([]);
  });

  it('describe one execution with its laid-out graph, state outcomes and history', async () => {
    // Act
    const { status, body } = await get(`execution?arn=${encodeURIComponent(executionArn)}`);

    // Assess
    expect(status).toBe(200);
    expect(body.execution).toMatchObject({ name: 'item-1', status: 'RUNNING' });
    expect(body.outcomes).toEqual({ First: 'succeeded', Hold: 'in-progress', Done: 'not-reached' });
    expect(body.graph.nodes.map((n: { id: string }) => n.id)).toEqual(
      expect.arrayContaining(['First', 'Hold', 'Done']),
    );
    expect(body.history[0]).toMatchObject({ id: 1, type: 'ExecutionStarted' });
    expect(body.history.find((e: { type: string }) => e.type === 'PassStateExited')).toMatchObject({
      state: 'First',
      details: { output: '{"id":"item-1"}' },
    });
  });

  it('find the items that name an execution (the way back from an execution to its item)', async () => {
    // Act
    const { body } = await get('references?value=item-1');

    // Assess
    expect(body.references).toEqual([{ table: 'items', attribute: 'id', key: { id: 'item-1' } }]);
  });
});

describe('tables routes', () => {
  it('list tables with their keys and live item counts', async () => {
    // Act
    const { body } = await get('tables');

    // Assess
    expect(body.tables).toEqual([{ name: 'items', itemCount: 1, keys: ['id'] }]);
  });

  it('read items as plain JSON with links from values to executions', async () => {
    // Act
    const { body } = await get('tables/items');

    // Assess
    expect(body.items).toEqual([{ id: 'item-1', status: 'NEW', total: 12, tags: ['a'] }]);
    expect(body.attributes[0]).toBe('id');
    expect(body.executions).toEqual({ 'item-1': executionArn });
  });
});

describe('queues routes', () => {
  it('mark dead-letter queues by the queues that feed them', async () => {
    // Act
    const { body } = await get('queues');

    // Assess
    const byName = Object.fromEntries(body.queues.map((q: { name: string }) => [q.name, q]));
    expect(byName['work-dlq']).toMatchObject({ sources: ['work'], eventTargets: [], visible: 0 });
    expect(byName.work).toMatchObject({ sources: [], deadLetterTargetArn: byName['work-dlq'].arn });
    expect(byName['events-dlq']).toMatchObject({ sources: [], eventTargets: ['to-work/Work'] });
  });

  it('show messages and redrive a DLQ back to its source queue', async () => {
    // Prepare
    await local.cloud.call('sqs', 'SendMessage', { QueueUrl: 'work', MessageBody: '{"n":1}' });
    // Received maxReceiveCount times without being deleted: the next receive dead-letters it.
    for (let i = 0; i < 4; i++)
      await local.cloud.call('sqs', 'ReceiveMessage', { QueueUrl: 'work', VisibilityTimeout: 0 });
    const peeked = await get('queues/work-dlq/messages');

    // Act
    const redrive = await get('queues/work-dlq/redrive', { method: 'POST' });

    // Assess
    expect(peeked.body.messages).toEqual([expect.objectContaining({ body: '{"n":1}' })]);
    expect(redrive.status).toBe(200);
    expect(redrive.body).toMatchObject({ status: 'COMPLETED', moved: 1, toMove: 1, taskHandle: expect.any(String) });
    const after = (await get('queues')).body.queues as { name: string; visible: number }[];
    expect(after.find((q) => q.name === 'work-dlq')?.visible).toBe(0);
    expect(after.find((q) => q.name === 'work')?.visible).toBe(1);
  });

  it('refuse to redrive a queue that is not a DLQ', async () => {
    // Act
    const res = await get('queues/work/redrive', { method: 'POST' });

    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('not a dead-letter queue');
  });
});

describe('events, functions and metrics routes', () => {
  it('list the recent events of each bus with the rules they matched', async () => {
    // Prepare
    await local.cloud.call('events', 'PutEvents', {
      Entries: [{ Source: 'test.source', DetailType: 'Happened', Detail: '{"x":1}' }],
    });

    // Act
    const { body } = await get('events');

    // Assess
    const bus = body.buses.find((b: { bus: string }) => b.bus === 'default');
    expect(bus.events[0]).toMatchObject({ source: 'test.source', 'detail-type': 'Happened', detail: { x: 1 } });
    expect(bus.events[0].matchedRules).toEqual([]);
  });

  it('answer no functions when the Lambda service does not run', async () => {
    // Act
    const { body } = await get('functions');

    // Assess
    expect(body.functions).toEqual([]);
  });

  it('render the template dashboard with its widget titles and the local metric values', async () => {
    // Act
    const list = await get('dashboards');
    const { body } = await get('dashboards/things?minutes=15');

    // Assess
    expect(list.body.dashboards).toEqual(['things']);
    expect(body.widgets.map((w: { type: string; title: string }) => [w.type, w.title])).toEqual([
      ['text', ''],
      ['metric', 'Things made'],
      ['metric', 'Total things'],
      ['log', 'Insights'],
    ]);
    const [text, chart, single, log] = body.widgets;
    expect(text).toMatchObject({ markdown: '# Things', x: 0, y: 0, width: 24, height: 2 });
    const totals = Object.fromEntries(
      chart.series.map((s: { label: string; points: [number, number][] }) => [
        s.label,
        s.points.reduce((a, [, v]) => a + v, 0),
      ]),
    );
    expect(totals).toEqual({ 'red things': 2, Things: 1, 'all things': 3 });
    expect(single.series).toEqual([expect.objectContaining({ label: 'Things', points: [[body.end, 2]] })]);
    expect(log.message).toContain('not rendered locally');
  });

  it('list the alarms with their state, firing ones first', async () => {
    // Act
    const { body } = await get('alarms');

    // Assess: 2 red things in the last minute is above the threshold of 1
    expect(body.alarms).toEqual([{ name: 'too-many-red', state: 'ALARM', reason: expect.any(String) }]);
  });

  it('list every collected metric with its sum over the range', async () => {
    // Act
    const { body } = await get('metrics?minutes=15&period=60');

    // Assess
    const things = body.metrics.filter((m: { name: string }) => m.name === 'Things');
    expect(things.map((m: { total: number }) => m.total).sort()).toEqual([1, 2]);
  });
});
