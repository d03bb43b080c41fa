import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStackResourceCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListExportsCommand,
  ListStackResourcesCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import type { LocalCloud } from '../../../local/cloud';
import { awsCliPath, clientConfig, runAwsCli, startTestCloud } from '../support/cloud';
import { tablesTemplate } from '../support/templates';

describe('CloudFormation discovery', () => {
  let local: LocalCloud;
  let cfn: CloudFormationClient;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dishpatch-cfn-'));
    local = await startTestCloud({
      template: tablesTemplate(),
      stackName: 'Tables',
      services: ['dynamodb'],
      inMemory: true,
      outputsFile: join(dataDir, 'outputs.json'),
    });
    cfn = new CloudFormationClient(clientConfig(local.endpoint));
  });
  afterAll(async () => {
    cfn.destroy();
    await local.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('describes the stack as CREATE_COMPLETE with its resolved outputs', async () => {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'Tables' }));

    const stack = Stacks?.[0];
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
    expect(stack?.StackId).toMatch(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/Tables\//);
    expect(stack?.CreationTime).toBeInstanceOf(Date);
    expect(stack?.Outputs).toEqual(
      expect.arrayContaining([
        {
          OutputKey: 'OrdersTableName',
          OutputValue: local.outputs.Tables?.OrdersTableName,
          Description: 'orders',
          ExportName: 'test-orders-table',
        },
        { OutputKey: 'StockTableName', OutputValue: 'stock-test' },
        {
          OutputKey: 'OrdersTableArn',
          OutputValue: `arn:aws:dynamodb:us-east-1:000000000000:table/${local.outputs.Tables?.OrdersTableName}`,
        },
      ]),
    );
    expect(stack?.Parameters).toEqual(expect.arrayContaining([{ ParameterKey: 'Stage', ParameterValue: 'test' }]));
  });

  it('lists every stack without a name, and finds a stack by its id', async () => {
    const all = await cfn.send(new DescribeStacksCommand({}));
    const byId = await cfn.send(new DescribeStacksCommand({ StackName: all.Stacks?.[0]?.StackId }));
    const { StackSummaries } = await cfn.send(new ListStacksCommand({ StackStatusFilter: ['CREATE_COMPLETE'] }));

    expect(all.Stacks?.map((s) => s.StackName)).toEqual(['Tables']);
    expect(byId.Stacks?.[0]?.StackName).toBe('Tables');
    expect(StackSummaries?.map((s) => [s.StackName, s.StackStatus])).toEqual([['Tables', 'CREATE_COMPLETE']]);
  });

  it('answers ValidationError for a stack that does not exist', async () => {
    await expect(cfn.send(new DescribeStacksCommand({ StackName: 'Nope' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id Nope does not exist',
    });
  });

  it('maps logical ids to physical ids, ignored types included', async () => {
    const { StackResourceSummaries } = await cfn.send(new ListStackResourcesCommand({ StackName: 'Tables' }));
    const { StackResources } = await cfn.send(
      new DescribeStackResourcesCommand({ StackName: 'Tables', LogicalResourceId: 'StockTable' }),
    );
    const { StackResourceDetail } = await cfn.send(
      new DescribeStackResourceCommand({ StackName: 'Tables', LogicalResourceId: 'OrdersTable' }),
    );

    expect(StackResourceSummaries?.map((r) => [r.LogicalResourceId, r.ResourceType, r.ResourceStatus])).toEqual(
      expect.arrayContaining([
        ['OrdersTable', 'AWS::DynamoDB::Table', 'CREATE_COMPLETE'],
        ['StockTable', 'AWS::DynamoDB::GlobalTable', 'CREATE_COMPLETE'],
        ['OrdersRole', 'AWS::IAM::Role', 'CREATE_COMPLETE'],
      ]),
    );
    expect(StackResources?.map((r) => r.PhysicalResourceId)).toEqual(['stock-test']);
    expect(StackResourceDetail?.PhysicalResourceId).toBe(local.outputs.Tables?.OrdersTableName);
  });

  it('lists one CREATE_COMPLETE event per resource and for the stack, newest first', async () => {
    const { StackEvents } = await cfn.send(new DescribeStackEventsCommand({ StackName: 'Tables' }));

    expect(StackEvents?.[0]).toMatchObject({
      LogicalResourceId: 'Tables',
      ResourceType: 'AWS::CloudFormation::Stack',
      ResourceStatus: 'CREATE_COMPLETE',
    });
    expect(
      StackEvents?.slice(1)
        .map((e) => e.LogicalResourceId)
        .sort(),
    ).toEqual(['OrdersRole', 'OrdersTable', 'StockTable']);
  });

  it('gives the template back and lists the exports', async () => {
    const { TemplateBody } = await cfn.send(new GetTemplateCommand({ StackName: 'Tables' }));
    const { Exports } = await cfn.send(new ListExportsCommand({}));

    expect(JSON.parse(TemplateBody ?? '{}').Resources.OrdersTable.Type).toBe('AWS::DynamoDB::Table');
    expect(Exports?.map((e) => [e.Name, e.Value])).toEqual([
      ['test-orders-table', local.outputs.Tables?.OrdersTableName],
    ]);
  });

  it('writes the outputs in the cdk deploy --outputs-file format at start', () => {
    const written = JSON.parse(readFileSync(join(dataDir, 'outputs.json'), 'utf8'));

    expect(written).toEqual(local.outputs);
    expect(written.Tables.StockTableName).toBe('stock-test');
  });

  const cli = awsCliPath();
  const itWithCli = cli ? it : it.skip;
  if (!cli)
    console.warn('AWS CLI not installed (`apt-get install -y awscli`): skipping the CLI cases of CloudFormation');

  itWithCli(
    'answers aws cloudformation describe-stacks and list-stack-resources',
    async () => {
      const described = (await runAwsCli(cli as string, local.endpoint, [
        'cloudformation',
        'describe-stacks',
        '--stack-name',
        'Tables',
      ])) as {
        Stacks: { StackStatus: string; Outputs: { OutputKey: string; OutputValue: string }[] }[];
      };
      const listed = (await runAwsCli(cli as string, local.endpoint, [
        'cloudformation',
        'list-stack-resources',
        '--stack-name',
        'Tables',
      ])) as {
        StackResourceSummaries: { LogicalResourceId: string; PhysicalResourceId: string }[];
      };

      expect(described.Stacks[0]?.StackStatus).toBe('CREATE_COMPLETE');
      expect(described.Stacks[0]?.Outputs).toEqual(
        expect.arrayContaining([{ OutputKey: 'StockTableName', OutputValue: 'stock-test' }]),
      );
      expect(listed.StackResourceSummaries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ LogicalResourceId: 'StockTable', PhysicalResourceId: 'stock-test' }),
        ]),
      );
    },
    60_000,
  );

  itWithCli(
    'answers aws dynamodb list-tables and describe-table',
    async () => {
      const tables = (await runAwsCli(cli as string, local.endpoint, ['dynamodb', 'list-tables'])) as {
        TableNames: string[];
      };
      const described = (await runAwsCli(cli as string, local.endpoint, [
        'dynamodb',
        'describe-table',
        '--table-name',
        'stock-test',
      ])) as {
        Table: { TableStatus: string };
      };

      expect(tables.TableNames).toContain('stock-test');
      expect(described.Table.TableStatus).toBe('ACTIVE');
    },
    60_000,
  );
});
