// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JS templates
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnOutput, Stack, Stage } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  type CfnTemplate,
  IGNORED_TYPES,
  type LoadOptions,
  loadStacks,
  loadTemplate,
  namedTypes,
  TemplateError,
  type TypeClaim,
  UnsupportedTemplateError,
} from '../../../local/template';

const claimsFor = (types: readonly string[], unsupported: Record<string, string[]> = {}): Map<string, TypeClaim> =>
  new Map(
    types.map((t) => [t, { service: 'test', ...(unsupported[t] ? { unsupportedProperties: unsupported[t] } : {}) }]),
  );

const options = (claims = claimsFor(namedTypes().filter((t) => !IGNORED_TYPES.includes(t)))): LoadOptions => ({
  region: 'us-east-1',
  accountId: '000000000000',
  endpoint: 'http://localhost:4566',
  claims,
});

const load = (template: CfnTemplate, opts = options()) => loadStacks([{ stackName: 'S', template }], opts).stacks[0];

describe('loading a CDK cloud assembly', () => {
  let outdir: string;
  let assetDir: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'dishpatch-assembly-'));
    assetDir = mkdtempSync(join(tmpdir(), 'dishpatch-asset-'));
    writeFileSync(join(assetDir, 'index.js'), 'exports.handler = async () => ({ ok: true });');
    const app = new App({ outdir });
    const stateful = new Stack(app, 'Stateful', { env: { region: 'us-east-1' } });
    const table = new dynamodb.TableV2(stateful, 'Orders', {
      partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
    });
    const stateless = new Stack(app, 'Stateless', { env: { region: 'us-east-1' } });
    const queue = new sqs.Queue(stateless, 'Jobs');
    const fn = new lambda.Function(stateless, 'Worker', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(assetDir),
      environment: { TABLE_NAME: table.tableName, QUEUE_URL: queue.queueUrl },
    });
    table.grantReadWriteData(fn);
    new CfnOutput(stateless, 'TableArn', { value: table.tableArn });
    app.synth();
  });
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(assetDir, { recursive: true, force: true });
  });

  it('loads the stacks in dependency order and resolves cross-stack imports', () => {
    const cloud = loadTemplate({ assemblyDir: outdir }, options());

    const [stateful, stateless] = cloud.stacks;
    const table = stateful?.resources.find((r) => r.type === 'AWS::DynamoDB::GlobalTable');
    const fn = stateless?.resources.find((r) => r.type === 'AWS::Lambda::Function');
    expect(cloud.stacks.map((s) => s.stackName)).toEqual(['Stateful', 'Stateless']);
    expect(fn?.properties.Environment.Variables).toEqual({
      TABLE_NAME: table?.physicalId,
      QUEUE_URL: expect.stringMatching(/^http:\/\/localhost:4566\/000000000000\/Stateless-Jobs/),
    });
    expect(stateless?.outputs).toEqual([{ OutputKey: 'TableArn', OutputValue: table?.attributes.Arn }]);
  });

  it('maps the function code to its asset folder in the assembly', () => {
    const cloud = loadTemplate({ assemblyDir: outdir }, options());

    const fn = cloud.stacks[1]?.resources.find((r) => r.type === 'AWS::Lambda::Function');
    expect(fn?.assetPath).toMatch(new RegExp(`^${outdir}/asset\\.[0-9a-f]{64}$`));
    expect(fn?.metadata?.['aws:asset:path']).toBeDefined();
  });

  it('resolves the CDK bootstrap version parameter without SSM', () => {
    const cloud = loadTemplate({ assemblyDir: outdir }, options());

    expect(cloud.stacks[0]?.parameters).toEqual([{ ParameterKey: 'BootstrapVersion', ParameterValue: '30' }]);
  });

  it('reads stacks of nested stages under their CloudFormation names', () => {
    const nested = mkdtempSync(join(tmpdir(), 'dishpatch-stage-'));
    try {
      const app = new App({ outdir: nested });
      const stage = new Stage(app, 'Local');
      new sqs.Queue(new Stack(stage, 'Queues'), 'Jobs');
      app.synth();

      const cloud = loadTemplate({ assemblyDir: nested }, options());

      expect(cloud.stacks.map((s) => s.stackName)).toEqual(['Local-Queues']);
    } finally {
      rmSync(nested, { recursive: true, force: true });
    }
  });

  it('fails with a clear message on a folder that is not an assembly', () => {
    expect(() => loadTemplate({ assemblyDir: assetDir }, options())).toThrow(/not a cloud assembly .*cdk synth/);
  });
});

describe('physical names', () => {
  const template: CfnTemplate = {
    Resources: {
      Table: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [] } },
      Named: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'explicit' } },
      Pool: { Type: 'AWS::Cognito::UserPool' },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
      Machine: { Type: 'AWS::StepFunctions::StateMachine' },
      Api: { Type: 'AWS::ApiGateway::RestApi' },
      Topic: { Type: 'AWS::SNS::Topic' },
    },
  };

  it('are the same on every load, and differ per logical id', () => {
    const first = load(template);
    const second = load(template);

    expect(second?.resources.map((r) => r.physicalId)).toEqual(first?.resources.map((r) => r.physicalId));
    expect(new Set(first?.resources.map((r) => r.physicalId)).size).toBe(7);
  });

  it('follow each type: explicit names, ARNs, URLs and ids shaped as AWS makes them', () => {
    const byId = Object.fromEntries((load(template)?.resources ?? []).map((r) => [r.logicalId, r]));

    expect(byId.Table?.physicalId).toMatch(/^S-Table-[A-Z0-9]{12}$/);
    expect(byId.Table?.attributes.StreamArn).toMatch(
      /^arn:aws:dynamodb:us-east-1:000000000000:table\/S-Table-\w+\/stream\//,
    );
    expect(byId.Named?.physicalId).toBe('explicit');
    // aws-jwt-verify accepts only pool ids like this.
    expect(byId.Pool?.physicalId).toMatch(/^us-east-1_[A-Za-z0-9]+$/);
    expect(byId.Pool?.attributes.ProviderURL).toBe(
      `https://cognito-idp.us-east-1.amazonaws.com/${byId.Pool?.physicalId}`,
    );
    expect(byId.Queue?.physicalId).toMatch(/^http:\/\/localhost:4566\/000000000000\/S-Queue-\w+\.fifo$/);
    expect(byId.Queue?.attributes.Arn).toMatch(/^arn:aws:sqs:us-east-1:000000000000:S-Queue-\w+\.fifo$/);
    expect(byId.Machine?.physicalId).toMatch(/^arn:aws:states:us-east-1:000000000000:stateMachine:Machine-\w+$/);
    expect(byId.Api?.physicalId).toMatch(/^[a-z0-9]{10}$/);
    expect(byId.Api?.attributes.RootResourceId).toMatch(/^[a-z0-9]{10}$/);
    expect(byId.Topic?.physicalId).toBe(byId.Topic?.attributes.TopicArn);
  });
});

describe('template semantics', () => {
  it('skips resources whose condition is false and resolves conditions from parameters', () => {
    const stack = load({
      Parameters: { Stage: { Type: 'String', Default: 'dev' } },
      Conditions: {
        IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
        NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      },
      Resources: {
        ProdOnly: { Type: 'AWS::SQS::Queue', Condition: 'IsProd' },
        Always: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::If': ['NotProd', 'dev-q', 'prod-q'] } } },
      },
    });

    expect(stack?.resources.map((r) => [r.logicalId, r.attributes.QueueName])).toEqual([['Always', 'dev-q']]);
  });

  it('takes parameter values over defaults', () => {
    const stack = loadStacks(
      [
        {
          stackName: 'S',
          template: {
            Parameters: { Stage: { Type: 'String', Default: 'dev' } },
            Resources: {},
            Outputs: { S: { Value: { Ref: 'Stage' } } },
          },
        },
      ],
      { ...options(), parameters: { Stage: 'qa' } },
    ).stacks[0];

    expect(stack?.outputs).toEqual([{ OutputKey: 'S', OutputValue: 'qa' }]);
  });

  it('orders resources after what they reference or depend on', () => {
    const stack = load({
      Resources: {
        Rule: { Type: 'AWS::Events::Rule', Properties: { EventBusName: { Ref: 'Bus' } }, DependsOn: 'Queue' },
        Queue: { Type: 'AWS::SQS::Queue' },
        Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: { 'Fn::Sub': '${AWS::StackName}-bus' } } },
      },
    });

    const order = stack?.resources.map((r) => r.logicalId) ?? [];
    expect(order.indexOf('Rule')).toBeGreaterThan(order.indexOf('Queue'));
    expect(order.indexOf('Rule')).toBeGreaterThan(order.indexOf('Bus'));
    expect(stack?.resources.find((r) => r.logicalId === 'Rule')?.properties.EventBusName).toBe('S-bus');
  });

  it('resolves pseudo parameters', () => {
    const stack = load({
      Resources: {},
      Outputs: {
        All: {
          Value: {
            'Fn::Join': [
              '|',
              [
                { Ref: 'AWS::Region' },
                { Ref: 'AWS::AccountId' },
                { Ref: 'AWS::Partition' },
                { Ref: 'AWS::URLSuffix' },
                { Ref: 'AWS::StackName' },
              ],
            ],
          },
        },
        Id: { Value: { Ref: 'AWS::StackId' } },
      },
    });

    expect(stack?.outputs[0]?.OutputValue).toBe('us-east-1|000000000000|aws|amazonaws.com|S');
    expect(stack?.outputs[1]?.OutputValue).toMatch(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/S\//);
  });

  it('fails loudly, listing every problem, on unclaimed types and unsupported properties', () => {
    const claims = claimsFor(['AWS::DynamoDB::Table'], { 'AWS::DynamoDB::Table': ['KinesisStreamSpecification'] });
    const template: CfnTemplate = {
      Resources: {
        Table: { Type: 'AWS::DynamoDB::Table', Properties: { KinesisStreamSpecification: { StreamArn: 'x' } } },
        Bucket: { Type: 'AWS::S3::Bucket' },
        Role: { Type: 'AWS::IAM::Role' },
      },
    };

    const error = (() => {
      try {
        load(template, options(claims));
      } catch (e) {
        return e;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(UnsupportedTemplateError);
    expect((error as UnsupportedTemplateError).problems).toEqual([
      'S/Table: AWS::DynamoDB::Table property KinesisStreamSpecification is not supported by the test service',
      'S/Bucket: resource type AWS::S3::Bucket is not supported',
    ]);
  });

  it.each([
    [
      'a reference to a missing resource',
      { A: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'Nope' } } } },
      /references Nope/,
    ],
    [
      'a circular dependency',
      { A: { Type: 'AWS::SQS::Queue', DependsOn: 'B' }, B: { Type: 'AWS::SQS::Queue', DependsOn: 'A' } },
      /circular dependency/,
    ],
    [
      'an attribute the type does not have',
      {
        A: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::GetAtt': ['B', 'Nope'] } } },
        B: { Type: 'AWS::SQS::Queue' },
      },
      /S\/B.Nope/,
    ],
  ])('fails loudly on %s', (_name, resources, message) => {
    expect(() => load({ Resources: resources as CfnTemplate['Resources'] })).toThrow(message);
  });

  it('fails on a parameter without default or value', () => {
    expect(() => load({ Parameters: { Needed: { Type: 'String' } }, Resources: {} })).toThrow(TemplateError);
  });
});
