/**
 * Physical ids and `Fn::GetAtt` attributes per resource type, in the local account and region. Generated names
 * are a hash of stack name and logical id, so a restart on the same data folder finds the same tables and
 * queues, and look like the names CloudFormation makes (`<stack>-<LogicalId>-<SUFFIX>`).
 */
import { createHash } from 'node:crypto';

/** Where the resource lives: everything a name or ARN is made of. */
export interface PhysicalContext {
  readonly stackName: string;
  readonly logicalId: string;
  readonly region: string;
  readonly accountId: string;
  /** Public URL of the edge endpoint (queue URLs). */
  readonly endpoint: string;
  /** Resolved properties of the resource. */
  readonly properties: Record<string, unknown>;
}

/** What `Ref` and `Fn::GetAtt` give for one resource. */
export interface PhysicalIdentity {
  readonly physicalId: string;
  readonly attributes: Record<string, string>;
}

const digest = (ctx: PhysicalContext, salt = ''): Buffer =>
  createHash('sha256').update(`${ctx.stackName}/${ctx.logicalId}${salt}`).digest();

const ALNUM_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM_LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM_MIXED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A deterministic id of `length` characters drawn from `alphabet`. */
export const stableId = (ctx: PhysicalContext, length: number, alphabet = ALNUM_LOWER, salt = ''): string => {
  const bytes = digest(ctx, salt);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[(bytes[i % bytes.length] ?? 0) % alphabet.length];
  return out;
};

/** CloudFormation's generated name `<stack>-<LogicalId>-<SUFFIX>`, shortened to fit `max` characters. */
export const generatedName = (ctx: PhysicalContext, max = 128): string => {
  const suffix = stableId(ctx, 12, ALNUM_UPPER);
  const room = max - suffix.length - 2;
  const stackPart = ctx.stackName.slice(0, Math.ceil(room / 2));
  const logicalPart = ctx.logicalId.slice(0, room - stackPart.length);
  return `${stackPart}-${logicalPart}-${suffix}`;
};

const uuid = (ctx: PhysicalContext): string => {
  const h = digest(ctx, 'uuid').toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const prop = (ctx: PhysicalContext, name: string): string | undefined => {
  const v = ctx.properties[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

const arnOf = (ctx: PhysicalContext, service: string, resource: string, region = ctx.region): string =>
  `arn:aws:${service}:${region}:${ctx.accountId}:${resource}`;

type Namer = (ctx: PhysicalContext) => PhysicalIdentity;

const table: Namer = (ctx) => {
  const name = prop(ctx, 'TableName') ?? generatedName(ctx, 255);
  const arn = arnOf(ctx, 'dynamodb', `table/${name}`);
  return {
    physicalId: name,
    attributes: { Arn: arn, StreamArn: `${arn}/stream/2020-01-01T00:00:00.000`, TableId: uuid(ctx) },
  };
};

const simpleArn =
  (service: string, nameProp: string, resource: (name: string) => string, max = 128, refIsArn = false): Namer =>
  (ctx) => {
    const name = prop(ctx, nameProp) ?? generatedName(ctx, max);
    const arn = arnOf(ctx, service, resource(name));
    return { physicalId: refIsArn ? arn : name, attributes: { Arn: arn, Name: name } };
  };

const apiGatewayId =
  (attribute: string, length = 6): Namer =>
  (ctx) => {
    const id = stableId(ctx, length);
    return { physicalId: id, attributes: { [attribute]: id } };
  };

const namers: Record<string, Namer> = {
  'AWS::DynamoDB::Table': table,
  'AWS::DynamoDB::GlobalTable': table,
  'AWS::Lambda::Function': (ctx) => {
    const name = prop(ctx, 'FunctionName') ?? generatedName(ctx, 64);
    return { physicalId: name, attributes: { Arn: arnOf(ctx, 'lambda', `function:${name}`) } };
  },
  'AWS::Lambda::EventSourceMapping': (ctx) => {
    const id = uuid(ctx);
    return { physicalId: id, attributes: { Id: id } };
  },
  'AWS::Lambda::Permission': (ctx) => ({ physicalId: generatedName(ctx), attributes: {} }),
  'AWS::Lambda::Version': (ctx) => {
    const fn = prop(ctx, 'FunctionName') ?? '';
    const name = fn.startsWith('arn:') ? fn : arnOf(ctx, 'lambda', `function:${fn}`);
    return { physicalId: `${name}:1`, attributes: { Version: '1', FunctionArn: name } };
  },
  'AWS::Lambda::EventInvokeConfig': (ctx) => ({ physicalId: uuid(ctx), attributes: {} }),
  'AWS::IAM::Role': (ctx) => {
    const name = prop(ctx, 'RoleName') ?? generatedName(ctx, 64);
    return {
      physicalId: name,
      attributes: {
        Arn: `arn:aws:iam::${ctx.accountId}:role${prop(ctx, 'Path') ?? '/'}${name}`,
        RoleId: `AROA${stableId(ctx, 17, ALNUM_UPPER)}`,
      },
    };
  },
  'AWS::IAM::Policy': (ctx) => ({ physicalId: prop(ctx, 'PolicyName') ?? generatedName(ctx), attributes: {} }),
  'AWS::IAM::ManagedPolicy': (ctx) => {
    const arn = `arn:aws:iam::${ctx.accountId}:policy/${prop(ctx, 'ManagedPolicyName') ?? generatedName(ctx)}`;
    return { physicalId: arn, attributes: { PolicyArn: arn } };
  },
  'AWS::SQS::Queue': (ctx) => {
    const fifo = ctx.properties.FifoQueue === true || ctx.properties.FifoQueue === 'true';
    const name = prop(ctx, 'QueueName') ?? (fifo ? `${generatedName(ctx, 75)}.fifo` : generatedName(ctx, 80));
    const url = `${ctx.endpoint.replace(/\/$/, '')}/${ctx.accountId}/${name}`;
    return {
      physicalId: url,
      attributes: { Arn: arnOf(ctx, 'sqs', name), QueueName: name, QueueUrl: url },
    };
  },
  'AWS::SQS::QueuePolicy': (ctx) => ({ physicalId: generatedName(ctx), attributes: {} }),
  'AWS::SNS::Topic': (ctx) => {
    const fifo = ctx.properties.FifoTopic === true || ctx.properties.FifoTopic === 'true';
    const name = prop(ctx, 'TopicName') ?? (fifo ? `${generatedName(ctx, 251)}.fifo` : generatedName(ctx, 256));
    const arn = arnOf(ctx, 'sns', name);
    return { physicalId: arn, attributes: { TopicArn: arn, TopicName: name } };
  },
  'AWS::SNS::Subscription': (ctx) => {
    const arn = `${prop(ctx, 'TopicArn') ?? arnOf(ctx, 'sns', 'topic')}:${uuid(ctx)}`;
    return { physicalId: arn, attributes: { Arn: arn } };
  },
  'AWS::SNS::TopicPolicy': (ctx) => ({ physicalId: generatedName(ctx), attributes: {} }),
  'AWS::Events::EventBus': (ctx) => {
    const name = prop(ctx, 'Name') ?? generatedName(ctx, 256);
    const arn = arnOf(ctx, 'events', `event-bus/${name}`);
    return { physicalId: name, attributes: { Arn: arn, Name: name, Policy: '' } };
  },
  'AWS::Events::Rule': (ctx) => {
    const name = prop(ctx, 'Name') ?? generatedName(ctx, 64);
    const bus = prop(ctx, 'EventBusName');
    const busName = bus?.startsWith('arn:') ? bus.split('/').pop() : bus;
    const path = busName && busName !== 'default' ? `rule/${busName}/${name}` : `rule/${name}`;
    return { physicalId: name, attributes: { Arn: arnOf(ctx, 'events', path) } };
  },
  'AWS::Events::Archive': simpleArn('events', 'ArchiveName', (n) => `archive/${n}`, 48),
  'AWS::Events::EventBusPolicy': (ctx) => ({ physicalId: generatedName(ctx), attributes: {} }),
  'AWS::StepFunctions::StateMachine': (ctx) => {
    const name = prop(ctx, 'StateMachineName') ?? `${ctx.logicalId}-${stableId(ctx, 12, ALNUM_MIXED)}`.slice(-80);
    const arn = arnOf(ctx, 'states', `stateMachine:${name}`);
    return { physicalId: arn, attributes: { Arn: arn, Name: name, StateMachineRevisionId: arn } };
  },
  'AWS::StepFunctions::Activity': (ctx) => {
    const name = prop(ctx, 'Name') ?? generatedName(ctx, 80);
    const arn = arnOf(ctx, 'states', `activity:${name}`);
    return { physicalId: arn, attributes: { Arn: arn, Name: name } };
  },
  'AWS::Cognito::UserPool': (ctx) => {
    // aws-jwt-verify accepts only ids shaped like `<region>_<alphanumerics>`.
    const id = `${ctx.region}_${stableId(ctx, 9, ALNUM_MIXED)}`;
    const provider = `cognito-idp.${ctx.region}.amazonaws.com/${id}`;
    return {
      physicalId: id,
      attributes: {
        Arn: arnOf(ctx, 'cognito-idp', `userpool/${id}`),
        ProviderName: provider,
        ProviderURL: `https://${provider}`,
        UserPoolId: id,
      },
    };
  },
  'AWS::Cognito::UserPoolClient': (ctx) => {
    const id = stableId(ctx, 26);
    return {
      physicalId: id,
      attributes: {
        ClientId: id,
        Name: prop(ctx, 'ClientName') ?? id,
        ClientSecret: stableId(ctx, 51, ALNUM_LOWER, 's'),
      },
    };
  },
  'AWS::Cognito::UserPoolGroup': (ctx) => ({
    physicalId: prop(ctx, 'GroupName') ?? generatedName(ctx),
    attributes: {},
  }),
  'AWS::Cognito::UserPoolDomain': (ctx) => ({ physicalId: prop(ctx, 'Domain') ?? generatedName(ctx), attributes: {} }),
  'AWS::Cognito::UserPoolUser': (ctx) => ({ physicalId: prop(ctx, 'Username') ?? uuid(ctx), attributes: {} }),
  'AWS::Cognito::UserPoolUserToGroupAttachment': (ctx) => ({ physicalId: generatedName(ctx), attributes: {} }),
  'AWS::ApiGateway::RestApi': (ctx) => {
    const id = stableId(ctx, 10);
    return { physicalId: id, attributes: { RestApiId: id, RootResourceId: stableId(ctx, 10, ALNUM_LOWER, 'root') } };
  },
  'AWS::ApiGateway::Resource': apiGatewayId('ResourceId'),
  'AWS::ApiGateway::Method': apiGatewayId('MethodId'),
  'AWS::ApiGateway::Deployment': apiGatewayId('DeploymentId'),
  'AWS::ApiGateway::Authorizer': apiGatewayId('AuthorizerId'),
  'AWS::ApiGateway::RequestValidator': apiGatewayId('RequestValidatorId'),
  'AWS::ApiGateway::UsagePlan': apiGatewayId('Id'),
  'AWS::ApiGateway::ApiKey': (ctx) => {
    const id = stableId(ctx, 10);
    return { physicalId: id, attributes: { APIKeyId: id } };
  },
  'AWS::ApiGateway::UsagePlanKey': apiGatewayId('Id'),
  'AWS::ApiGateway::GatewayResponse': apiGatewayId('Id'),
  'AWS::ApiGateway::Model': (ctx) => ({ physicalId: prop(ctx, 'Name') ?? ctx.logicalId, attributes: {} }),
  'AWS::ApiGateway::Stage': (ctx) => ({ physicalId: prop(ctx, 'StageName') ?? ctx.logicalId, attributes: {} }),
  'AWS::ApiGateway::Account': (ctx) => ({ physicalId: generatedName(ctx), attributes: {} }),
  'AWS::Logs::LogGroup': (ctx) => {
    const name = prop(ctx, 'LogGroupName') ?? generatedName(ctx, 512);
    return { physicalId: name, attributes: { Arn: arnOf(ctx, 'logs', `log-group:${name}:*`) } };
  },
  'AWS::Logs::ResourcePolicy': (ctx) => ({ physicalId: prop(ctx, 'PolicyName') ?? generatedName(ctx), attributes: {} }),
  'AWS::CloudWatch::Alarm': (ctx) => {
    const name = prop(ctx, 'AlarmName') ?? generatedName(ctx, 255);
    return { physicalId: name, attributes: { Arn: arnOf(ctx, 'cloudwatch', `alarm:${name}`) } };
  },
  'AWS::CloudWatch::CompositeAlarm': (ctx) => {
    const name = prop(ctx, 'AlarmName') ?? generatedName(ctx, 255);
    return { physicalId: name, attributes: { Arn: arnOf(ctx, 'cloudwatch', `alarm:${name}`) } };
  },
  'AWS::CloudWatch::Dashboard': (ctx) => ({
    physicalId: prop(ctx, 'DashboardName') ?? generatedName(ctx, 255),
    attributes: {},
  }),
  'AWS::SSM::Parameter': (ctx) => {
    const name = prop(ctx, 'Name') ?? generatedName(ctx);
    const value = prop(ctx, 'Value') ?? '';
    return { physicalId: name, attributes: { Type: prop(ctx, 'Type') ?? 'String', Value: value } };
  },
  'AWS::CDK::Metadata': (ctx) => ({ physicalId: generatedName(ctx), attributes: {} }),
};

/** Types whose physical identity this module knows. */
export const namedTypes = (): string[] => Object.keys(namers);

/**
 * Physical id and attributes of a resource. Types not in the table get a generated name as `Ref` and a generic
 * ARN; asking for any other attribute of them fails at load.
 */
export const physicalIdentity = (type: string, ctx: PhysicalContext): PhysicalIdentity => {
  const namer = namers[type];
  if (namer) return namer(ctx);
  const service = type.split('::')[1]?.toLowerCase() ?? 'unknown';
  const name = generatedName(ctx);
  return { physicalId: name, attributes: { Arn: arnOf(ctx, service, name) } };
};
