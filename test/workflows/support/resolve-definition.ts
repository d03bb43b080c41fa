/**
 * Resolves the intrinsic functions of a synthesized CloudFormation template into plain values, with
 * placeholder names and ARNs a reader can recognise: a resource is named after its construct id (the segment
 * before `Resource` in its `aws:cdk:path`), e.g. `arn:aws:lambda:us-east-1:000000000000:function:PriceOrder`.
 *
 * Covers what the app's templates use: `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`
 * and `Fn::ImportValue` (through the exporting templates passed in).
 */

/** A CloudFormation template, as much of it as the resolver reads. */
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** Region of the placeholder ARNs. */
export const REGION = 'us-east-1';
/** Account of the placeholder ARNs. */
export const ACCOUNT = '000000000000';

const PSEUDO: Record<string, string> = {
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'stack',
  'AWS::NoValue': '',
};

/** The construct id a resource is named after. */
function constructId(logicalId: string, resource: CfnResource): string {
  const path = resource.Metadata?.['aws:cdk:path'];
  if (typeof path !== 'string') {
    return logicalId;
  }
  const segments = path.split('/');
  const last = segments.at(-1);
  return (last === 'Resource' ? segments.at(-2) : last) ?? logicalId;
}

/** Resolves templates that may import each other's exports. */
export class TemplateResolver {
  private readonly exports = new Map<string, { template: CfnTemplate; value: unknown }>();

  /** @param templates - every template of the app; the first is the one `resolve` reads by default */
  constructor(private readonly templates: readonly CfnTemplate[]) {
    for (const template of templates) {
      for (const output of Object.values(template.Outputs ?? {})) {
        if (typeof output.Export?.Name === 'string') {
          this.exports.set(output.Export.Name, { template, value: output.Value });
        }
      }
    }
  }

  /** The plain value of `value` in `template`. */
  public resolve(value: unknown, template: CfnTemplate = this.first()): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolve(item, template));
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first !== undefined && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return this.intrinsic(first[0], first[1], template);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item, template)]));
  }

  /** The value of `value` as a string; fails when an intrinsic resolves to something else. */
  public resolveString(value: unknown, template?: CfnTemplate): string {
    const resolved = this.resolve(value, template);
    if (typeof resolved !== 'string') {
      throw new Error(`Expected a string, got ${JSON.stringify(resolved)}`);
    }
    return resolved;
  }

  private first(): CfnTemplate {
    const [template] = this.templates;
    if (template === undefined) {
      throw new Error('No template to resolve against');
    }
    return template;
  }

  private intrinsic(name: string, args: unknown, template: CfnTemplate): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(String(args), template);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(args) ? args : String(args).split('.');
        return this.getAtt(String(logicalId), String(attribute), template);
      }
      case 'Fn::Join': {
        const [separator, parts] = args as [string, unknown[]];
        return parts.map((part) => this.resolveString(part, template)).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = args as [unknown, unknown];
        return (this.resolve(list, template) as unknown[])[Number(this.resolve(index, template))];
      }
      case 'Fn::Split': {
        const [separator, source] = args as [string, unknown];
        return this.resolveString(source, template).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = (Array.isArray(args) ? args : [args, {}]) as [string, Record<string, unknown>];
        return text.replace(/\$\{([^}]+)\}/g, (_match, reference: string) => {
          if (reference in variables) {
            return this.resolveString(variables[reference], template);
          }
          const [logicalId, attribute] = reference.split('.');
          return attribute === undefined
            ? this.resolveString({ Ref: reference }, template)
            : String(this.getAtt(String(logicalId), attribute, template));
        });
      }
      case 'Fn::ImportValue': {
        const exportName = this.resolveString(args, template);
        const exported = this.exports.get(exportName);
        if (exported === undefined) {
          throw new Error(`No template exports ${exportName}`);
        }
        return this.resolve(exported.value, exported.template);
      }
      default:
        throw new Error(`Unsupported intrinsic ${name}`);
    }
  }

  private resource(logicalId: string, template: CfnTemplate): CfnResource {
    const resource = template.Resources[logicalId];
    if (resource === undefined) {
      throw new Error(`Unknown resource ${logicalId}`);
    }
    return resource;
  }

  private name(logicalId: string, template: CfnTemplate): string {
    const resource = this.resource(logicalId, template);
    const explicit = ['FunctionName', 'TableName', 'StateMachineName', 'Name', 'QueueName', 'TopicName'].find(
      (property) => typeof resource.Properties?.[property] === 'string',
    );
    return explicit === undefined ? constructId(logicalId, resource) : String(resource.Properties?.[explicit]);
  }

  private arn(logicalId: string, template: CfnTemplate): string {
    const resource = this.resource(logicalId, template);
    const name = this.name(logicalId, template);
    const prefix = (service: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}`;
    switch (resource.Type) {
      case 'AWS::Lambda::Function':
        return `${prefix('lambda')}:function:${name}`;
      case 'AWS::StepFunctions::StateMachine':
        return `${prefix('states')}:stateMachine:${name}`;
      case 'AWS::DynamoDB::Table':
        return `${prefix('dynamodb')}:table/${name}`;
      case 'AWS::Events::EventBus':
        return `${prefix('events')}:event-bus/${name}`;
      case 'AWS::SQS::Queue':
        return `${prefix('sqs')}:${name}`;
      case 'AWS::SNS::Topic':
        return `${prefix('sns')}:${name}`;
      case 'AWS::Logs::LogGroup':
        return `${prefix('logs')}:log-group:${name}:*`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${ACCOUNT}:role/${name}`;
      case 'AWS::Cognito::UserPool':
        return `${prefix('cognito-idp')}:userpool/${REGION}_${name}`;
      default:
        return `${prefix(resource.Type.split('::')[1]?.toLowerCase() ?? 'unknown')}:${name}`;
    }
  }

  private ref(logicalId: string, template: CfnTemplate): string {
    const pseudo = PSEUDO[logicalId];
    if (pseudo !== undefined) {
      return pseudo;
    }
    const resource = this.resource(logicalId, template);
    switch (resource.Type) {
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SNS::Topic':
        return this.arn(logicalId, template);
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${this.name(logicalId, template)}`;
      case 'AWS::Cognito::UserPool':
        return `${REGION}_${this.name(logicalId, template)}`;
      default:
        return this.name(logicalId, template);
    }
  }

  private getAtt(logicalId: string, attribute: string, template: CfnTemplate): unknown {
    switch (attribute) {
      case 'Arn':
        return this.arn(logicalId, template);
      case 'Name':
      case 'QueueName':
        return this.name(logicalId, template);
      default:
        return `${this.name(logicalId, template)}.${attribute}`;
    }
  }
}
