/**
 * Turning stacks into resolved resources: parameters, conditions, dependency order, physical names, intrinsic
 * functions, outputs and cross-stack exports. Fails loudly, with every problem at once, on a resource type no
 * service claims or a property a service declares unsupported.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import type { ResolvedResource } from '../core/types';
import type { CfnResource, StackSource } from './assembly';
import { evaluateCondition, type IntrinsicScope, referencedIds, resolveValue, TemplateError } from './intrinsics';
import { physicalIdentity } from './physical';

/**
 * Types that need no emulation: accepted and recorded (they show in `ListStackResources`) but not provisioned,
 * unless a service claims them. Documented in docs/local-cloud.md.
 */
export const IGNORED_TYPES: readonly string[] = [
  'AWS::CDK::Metadata',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::Lambda::Permission',
  'AWS::Logs::LogGroup',
  'AWS::Logs::ResourcePolicy',
  'AWS::ApiGateway::Account',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::Events::EventBusPolicy',
  'AWS::SSM::Parameter',
  'AWS::XRay::Group',
  'AWS::XRay::SamplingRule',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::CompositeAlarm',
  'AWS::CloudWatch::Dashboard',
];

/** What a service claims: the types it provisions and their unsupported properties. */
export interface TypeClaim {
  readonly service: string;
  readonly unsupportedProperties?: readonly string[];
}

export interface LoadOptions {
  readonly region: string;
  readonly accountId: string;
  /** Public edge URL (queue URLs). */
  readonly endpoint: string;
  /** Resource type → the service that provisions it. */
  readonly claims: ReadonlyMap<string, TypeClaim>;
  /** Types accepted without emulation. @default IGNORED_TYPES */
  readonly ignoredTypes?: readonly string[];
  /** Parameter values by name, over the templates' defaults. */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Asset folders by S3 object key or hash (from the assembly). */
  readonly assets?: ReadonlyMap<string, string>;
  /** Folder that relative `aws:asset:path` metadata is relative to. */
  readonly assemblyDir?: string;
}

/** One output of a loaded stack. */
export interface StackOutput {
  readonly OutputKey: string;
  readonly OutputValue: string;
  readonly Description?: string;
  readonly ExportName?: string;
}

/** A resource of a loaded stack, emulated or accepted without emulation. */
export interface LoadedResource extends ResolvedResource {
  readonly stackName: string;
  /** The service that provisions it, or undefined for an accepted-and-ignored type. */
  readonly service: string | undefined;
}

export interface LoadedStack {
  readonly stackName: string;
  readonly stackId: string;
  readonly template: StackSource['template'];
  readonly templateFile?: string;
  /** Every resource whose condition holds, in dependency order. */
  readonly resources: LoadedResource[];
  readonly outputs: StackOutput[];
  readonly parameters: { ParameterKey: string; ParameterValue: string }[];
}

export interface LoadedCloud {
  readonly stacks: LoadedStack[];
  readonly exports: Readonly<Record<string, string>>;
}

/** Raised at load with every unsupported resource type and property listed. */
export class UnsupportedTemplateError extends TemplateError {
  constructor(readonly problems: readonly string[]) {
    super(
      `the template uses what the local cloud does not support:\n  - ${problems.join('\n  - ')}\n(see docs/local-cloud.md)`,
    );
  }
}

/** SSM parameters CDK templates read that have a fixed local answer. */
const knownSsmValue = (name: string): string | undefined =>
  /^\/cdk-bootstrap\/[^/]+\/version$/.test(name) ? '30' : undefined;

const stackIdOf = (region: string, accountId: string, stackName: string): string => {
  const h = createHash('sha256').update(stackName).digest('hex');
  return `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

const dependsOnList = (r: CfnResource): string[] =>
  r.DependsOn === undefined ? [] : Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn];

/** Logical ids in an order where each resource follows what it references or depends on. */
const resourceOrder = (resources: Record<string, CfnResource>, isParameter: (n: string) => boolean): string[] => {
  const deps = new Map<string, Set<string>>();
  for (const [id, r] of Object.entries(resources)) {
    const refs = referencedIds(r.Properties ?? {}, isParameter);
    for (const d of dependsOnList(r)) refs.add(d);
    for (const ref of refs) {
      if (!resources[ref]) throw new TemplateError(`resource ${id} references ${ref}, which is not in the template`);
    }
    deps.set(id, refs);
  }
  const done = new Set<string>();
  const order: string[] = [];
  const visit = (id: string, path: string[]): void => {
    if (done.has(id)) return;
    if (path.includes(id)) throw new TemplateError(`circular dependency: ${[...path, id].join(' -> ')}`);
    for (const d of deps.get(id) ?? []) visit(d, [...path, id]);
    done.add(id);
    order.push(id);
  };
  for (const id of Object.keys(resources)) visit(id, []);
  return order;
};

const findAssetPath = (
  properties: unknown,
  metadata: Record<string, unknown> | undefined,
  options: LoadOptions,
): string | undefined => {
  const metaPath = metadata?.['aws:asset:path'];
  if (typeof metaPath === 'string' && (metadata?.['aws:asset:property'] ?? 'Code') !== 'DefinitionS3Location') {
    if (isAbsolute(metaPath)) return metaPath;
    if (options.assemblyDir) return join(options.assemblyDir, metaPath);
  }
  if (!options.assets || options.assets.size === 0) return undefined;
  let found: string | undefined;
  const walk = (v: unknown): void => {
    if (found) return;
    if (typeof v === 'string') found = options.assets?.get(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(properties);
  return found;
};

interface StackState {
  readonly source: StackSource;
  readonly stackId: string;
  readonly parameters: Map<string, unknown>;
  readonly resolved: Map<string, LoadedResource>;
  readonly conditions: Map<string, boolean>;
  readonly skipped: Set<string>;
}

const pseudoParameter = (name: string, state: StackState, options: LoadOptions): unknown => {
  switch (name) {
    case 'AWS::Region':
      return options.region;
    case 'AWS::AccountId':
      return options.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return state.source.stackName;
    case 'AWS::StackId':
      return state.stackId;
    case 'AWS::NotificationARNs':
      return [];
    default:
      throw new TemplateError(`unknown pseudo parameter ${name}`);
  }
};

const scopeFor = (state: StackState, exports: Map<string, string>, options: LoadOptions): IntrinsicScope => {
  const template = state.source.template;
  const where = (id: string): string => `${state.source.stackName}/${id}`;
  const resourceOf = (id: string): LoadedResource => {
    const r = state.resolved.get(id);
    if (r) return r;
    if (state.skipped.has(id)) throw new TemplateError(`${where(id)} is referenced but its condition is false`);
    if (template.Resources?.[id]) throw new TemplateError(`${where(id)} is referenced before it is resolved`);
    throw new TemplateError(`unknown logical id ${where(id)}`);
  };
  const scope: IntrinsicScope = {
    region: options.region,
    mappings: template.Mappings ?? {},
    ref: (name) => {
      if (name.startsWith('AWS::')) return pseudoParameter(name, state, options);
      if (state.parameters.has(name)) return state.parameters.get(name);
      return resourceOf(name).physicalId;
    },
    getAtt: (id, attribute) => {
      const r = resourceOf(id);
      const value = r.attributes[attribute];
      if (value === undefined) {
        const known = Object.keys(r.attributes).join(', ') || 'none';
        throw new TemplateError(
          `Fn::GetAtt ${where(id)}.${attribute}: ${r.type} has no such attribute locally (known: ${known})`,
        );
      }
      return value;
    },
    condition: (name) => {
      const cached = state.conditions.get(name);
      if (cached !== undefined) return cached;
      const expr = template.Conditions?.[name];
      if (expr === undefined) throw new TemplateError(`unknown condition ${name} in ${state.source.stackName}`);
      const value = evaluateCondition(expr, scope);
      state.conditions.set(name, value);
      return value;
    },
    importValue: (name) => {
      const value = exports.get(name);
      if (value === undefined) throw new TemplateError(`Fn::ImportValue ${name}: no stack exports it`);
      return value;
    },
  };
  return scope;
};

const parameterValues = (source: StackSource, options: LoadOptions, ssm: Map<string, string>): Map<string, unknown> => {
  const values = new Map<string, unknown>();
  for (const [name, p] of Object.entries(source.template.Parameters ?? {})) {
    const given = options.parameters?.[name] ?? (p.Default === undefined ? undefined : String(p.Default));
    if (given === undefined)
      throw new TemplateError(`parameter ${source.stackName}/${name} has no default and no value`);
    const type = p.Type ?? 'String';
    let value: unknown = given;
    if (type.startsWith('AWS::SSM::Parameter::Value<')) {
      value = knownSsmValue(given) ?? ssm.get(given);
      if (value === undefined)
        throw new TemplateError(`parameter ${name}: SSM parameter ${given} is not known locally`);
    }
    if (type === 'CommaDelimitedList' || type.startsWith('List<')) value = String(value).split(',');
    values.set(name, value);
  }
  return values;
};

/** SSM parameters declared as plain-valued resources, so SSM-typed template parameters can read them. */
const declaredSsmParameters = (stacks: readonly StackSource[]): Map<string, string> => {
  const found = new Map<string, string>();
  for (const s of stacks) {
    for (const r of Object.values(s.template.Resources ?? {})) {
      const props = r.Properties ?? {};
      if (r.Type === 'AWS::SSM::Parameter' && typeof props.Name === 'string' && typeof props.Value === 'string') {
        found.set(props.Name, props.Value);
      }
    }
  }
  return found;
};

const checkSupport = (stacks: readonly StackSource[], options: LoadOptions): void => {
  const ignored = new Set(options.ignoredTypes ?? IGNORED_TYPES);
  const problems: string[] = [];
  for (const s of stacks) {
    for (const [id, r] of Object.entries(s.template.Resources ?? {})) {
      const claim = options.claims.get(r.Type);
      if (!claim) {
        if (!ignored.has(r.Type)) problems.push(`${s.stackName}/${id}: resource type ${r.Type} is not supported`);
        continue;
      }
      for (const p of claim.unsupportedProperties ?? []) {
        if (r.Properties?.[p] !== undefined) {
          problems.push(
            `${s.stackName}/${id}: ${r.Type} property ${p} is not supported by the ${claim.service} service`,
          );
        }
      }
    }
  }
  if (problems.length > 0) throw new UnsupportedTemplateError(problems);
};

const loadStack = (
  source: StackSource,
  options: LoadOptions,
  exports: Map<string, string>,
  ssm: Map<string, string>,
): LoadedStack => {
  const state: StackState = {
    source,
    stackId: stackIdOf(options.region, options.accountId, source.stackName),
    parameters: parameterValues(source, options, ssm),
    resolved: new Map(),
    conditions: new Map(),
    skipped: new Set(),
  };
  const scope = scopeFor(state, exports, options);
  const resources = source.template.Resources ?? {};
  for (const id of resourceOrder(resources, (n) => state.parameters.has(n))) {
    const r = resources[id] as CfnResource;
    if (r.Condition !== undefined && !scope.condition(r.Condition)) {
      state.skipped.add(id);
      continue;
    }
    let properties: Record<string, unknown>;
    try {
      properties = (resolveValue(r.Properties ?? {}, scope) ?? {}) as Record<string, unknown>;
    } catch (e) {
      throw new TemplateError(`${source.stackName}/${id} (${r.Type}): ${(e as Error).message}`);
    }
    const identity = physicalIdentity(r.Type, {
      stackName: source.stackName,
      logicalId: id,
      region: options.region,
      accountId: options.accountId,
      endpoint: options.endpoint,
      properties,
    });
    const metadata = r.Metadata as Record<string, unknown> | undefined;
    const assetPath = findAssetPath(properties, metadata, options);
    const assetMetadata =
      assetPath && metadata?.['aws:asset:path'] === undefined ? { 'aws:asset:path': assetPath } : undefined;
    state.resolved.set(id, {
      logicalId: id,
      type: r.Type,
      properties,
      physicalId: identity.physicalId,
      attributes: identity.attributes,
      metadata: metadata || assetMetadata ? { ...metadata, ...assetMetadata } : undefined,
      stackName: source.stackName,
      assetPath,
      service: options.claims.get(r.Type)?.service,
    });
  }
  const outputs: StackOutput[] = [];
  for (const [key, o] of Object.entries(source.template.Outputs ?? {})) {
    if (o.Condition !== undefined && !scope.condition(o.Condition)) continue;
    try {
      const value = resolveValue(o.Value, scope);
      const text = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : JSON.stringify(value);
      const exportName = o.Export ? String(resolveValue(o.Export.Name, scope)) : undefined;
      if (exportName !== undefined) {
        if (exports.has(exportName)) throw new TemplateError(`export ${exportName} is declared twice`);
        exports.set(exportName, text);
      }
      outputs.push({
        OutputKey: key,
        OutputValue: text,
        ...(o.Description ? { Description: o.Description } : {}),
        ...(exportName !== undefined ? { ExportName: exportName } : {}),
      });
    } catch (e) {
      throw new TemplateError(`${source.stackName} output ${key}: ${(e as Error).message}`);
    }
  }
  return {
    stackName: source.stackName,
    stackId: state.stackId,
    template: source.template,
    ...(source.templateFile ? { templateFile: source.templateFile } : {}),
    resources: [...state.resolved.values()],
    outputs,
    parameters: [...state.parameters].map(([k, v]) => ({
      ParameterKey: k,
      ParameterValue: Array.isArray(v) ? v.join(',') : String(v),
    })),
  };
};

/**
 * Resolve stacks (in deployment order) into resources ready to provision. Throws {@link UnsupportedTemplateError}
 * listing every unclaimed type and unsupported property, or {@link TemplateError} for a template that cannot be
 * evaluated.
 */
export const loadStacks = (stacks: readonly StackSource[], options: LoadOptions): LoadedCloud => {
  checkSupport(stacks, options);
  const names = new Set<string>();
  for (const s of stacks) {
    if (names.has(s.stackName)) throw new TemplateError(`two stacks are named ${s.stackName}`);
    names.add(s.stackName);
  }
  const exports = new Map<string, string>();
  const ssm = declaredSsmParameters(stacks);
  const loaded = stacks.map((s) => loadStack(s, options, exports, ssm));
  return { stacks: loaded, exports: Object.fromEntries(exports) };
};
