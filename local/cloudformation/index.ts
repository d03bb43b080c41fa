/**
 * CloudFormation discovery over the query protocol: the loaded stacks as `CREATE_COMPLETE` stacks with their
 * outputs and resources, so `aws cloudformation describe-stacks` and the SDK find everything the way they do
 * on AWS. Also writes the outputs in the format of `cdk deploy --outputs-file` at every start.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AwsError } from '../core/errors';
import type { Cloud, LocalContext, Operation, Service } from '../core/types';
import type { LoadedStack } from '../template';

export interface CloudFormationOptions {
  /** The loaded stacks (read at call time, so the service can exist before they are loaded). */
  readonly stacks: () => readonly LoadedStack[];
  /** Map an output value to its local form (API URLs); identity by default. */
  readonly localize?: (value: string) => string;
  /** Where to write the outputs at start; undefined = do not write. */
  readonly outputsFile?: string;
  /** When the stacks were "created" (start of the local cloud). @default now */
  readonly createdAt?: Date;
}

/** Outputs in the `cdk deploy --outputs-file` shape: stack name → output key → value. */
export const outputsByStack = (
  stacks: readonly LoadedStack[],
  localize: (value: string) => string = (v) => v,
): Record<string, Record<string, string>> =>
  Object.fromEntries(
    stacks.map((s) => [s.stackName, Object.fromEntries(s.outputs.map((o) => [o.OutputKey, localize(o.OutputValue)]))]),
  );

const notFound = (name: string): AwsError => new AwsError('ValidationError', `Stack with id ${name} does not exist`);

/** Build the CloudFormation service (needs the stacks, so it takes options beyond the shared factory). */
export const createCloudFormationService = (
  ctx: LocalContext,
  _cloud: Cloud | undefined,
  options: CloudFormationOptions,
): Service => {
  const createdAt = (options.createdAt ?? new Date()).toISOString();
  const localize = options.localize ?? ((v: string) => v);

  const find = (name: unknown): LoadedStack => {
    const stack = options.stacks().find((s) => s.stackName === name || s.stackId === name);
    if (!stack) throw notFound(String(name));
    return stack;
  };
  const selected = (name: unknown): readonly LoadedStack[] =>
    name === undefined || name === '' ? options.stacks() : [find(name)];

  const stackDescription = (s: LoadedStack) => ({
    StackId: s.stackId,
    StackName: s.stackName,
    ...(typeof s.template.Description === 'string' ? { Description: s.template.Description } : {}),
    Parameters: s.parameters,
    CreationTime: createdAt,
    StackStatus: 'CREATE_COMPLETE',
    DisableRollback: false,
    NotificationARNs: [],
    Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
    Outputs: s.outputs.map((o) => ({ ...o, OutputValue: localize(o.OutputValue) })),
    Tags: [],
    EnableTerminationProtection: false,
    DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
  });

  const resourceOf = (s: LoadedStack, r: LoadedStack['resources'][number]) => ({
    StackName: s.stackName,
    StackId: s.stackId,
    LogicalResourceId: r.logicalId,
    PhysicalResourceId: r.physicalId,
    ResourceType: r.type,
    Timestamp: createdAt,
    ResourceStatus: 'CREATE_COMPLETE',
    DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
  });

  const operations: Record<string, Operation> = {
    DescribeStacks: async (input: { StackName?: string }) => ({
      Stacks: selected(input?.StackName).map(stackDescription),
    }),
    ListStacks: async (input: { StackStatusFilter?: string[] }) => {
      const filter = input?.StackStatusFilter ?? [];
      const visible = filter.length === 0 || filter.includes('CREATE_COMPLETE');
      return {
        StackSummaries: visible
          ? options.stacks().map((s) => ({
              StackId: s.stackId,
              StackName: s.stackName,
              ...(typeof s.template.Description === 'string' ? { TemplateDescription: s.template.Description } : {}),
              CreationTime: createdAt,
              StackStatus: 'CREATE_COMPLETE',
              DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
            }))
          : [],
      };
    },
    ListStackResources: async (input: { StackName?: string }) => {
      const s = find(input?.StackName);
      return {
        StackResourceSummaries: s.resources.map((r) => {
          const { StackName: _n, StackId: _i, Timestamp, ...rest } = resourceOf(s, r);
          return { ...rest, LastUpdatedTimestamp: Timestamp };
        }),
      };
    },
    DescribeStackResources: async (input: {
      StackName?: string;
      LogicalResourceId?: string;
      PhysicalResourceId?: string;
    }) => {
      if (!input?.StackName && !input?.PhysicalResourceId) {
        throw new AwsError('ValidationError', 'Either StackName or PhysicalResourceId must be specified');
      }
      const stacks = input.StackName
        ? [find(input.StackName)]
        : options.stacks().filter((s) => s.resources.some((r) => r.physicalId === input.PhysicalResourceId));
      if (stacks.length === 0) throw notFound(String(input.PhysicalResourceId));
      return {
        StackResources: stacks.flatMap((s) =>
          s.resources
            .filter((r) => !input.LogicalResourceId || r.logicalId === input.LogicalResourceId)
            .filter((r) => !input.PhysicalResourceId || r.physicalId === input.PhysicalResourceId || input.StackName)
            .map((r) => resourceOf(s, r)),
        ),
      };
    },
    DescribeStackResource: async (input: { StackName?: string; LogicalResourceId?: string }) => {
      const s = find(input?.StackName);
      const r = s.resources.find((x) => x.logicalId === input.LogicalResourceId);
      if (!r) {
        throw new AwsError(
          'ValidationError',
          `Resource ${input.LogicalResourceId} does not exist for stack ${s.stackName}`,
        );
      }
      const { Timestamp, ...rest } = resourceOf(s, r);
      return {
        StackResourceDetail: {
          ...rest,
          LastUpdatedTimestamp: Timestamp,
          ...(r.metadata ? { Metadata: JSON.stringify(r.metadata) } : {}),
        },
      };
    },
    GetTemplate: async (input: { StackName?: string }) => ({
      TemplateBody: JSON.stringify(find(input?.StackName).template),
      StagesAvailable: ['Original', 'Processed'],
    }),
    DescribeStackEvents: async (input: { StackName?: string }) => {
      const s = find(input?.StackName);
      const event = (logicalId: string, physicalId: string, type: string, n: number) => ({
        StackId: s.stackId,
        EventId: `${logicalId}-CREATE_COMPLETE-${n}`,
        StackName: s.stackName,
        LogicalResourceId: logicalId,
        PhysicalResourceId: physicalId,
        ResourceType: type,
        Timestamp: createdAt,
        ResourceStatus: 'CREATE_COMPLETE',
      });
      // Newest first, as CloudFormation lists them: the stack's own completion, then its resources backwards.
      return {
        StackEvents: [
          event(s.stackName, s.stackId, 'AWS::CloudFormation::Stack', 0),
          ...s.resources.map((r, i) => event(r.logicalId, r.physicalId, r.type, i + 1)).reverse(),
        ],
      };
    },
    ListExports: async () => ({
      Exports: options
        .stacks()
        .flatMap((s) =>
          s.outputs
            .filter((o) => o.ExportName !== undefined)
            .map((o) => ({ ExportingStackId: s.stackId, Name: o.ExportName, Value: o.OutputValue })),
        ),
    }),
  };

  return {
    name: 'cloudformation',
    protocol: 'query',
    signingNames: ['cloudformation'],
    xmlNamespace: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
    operations,
    start: async () => {
      if (!options.outputsFile) return;
      mkdirSync(dirname(options.outputsFile), { recursive: true });
      writeFileSync(options.outputsFile, `${JSON.stringify(outputsByStack(options.stacks(), localize), null, 2)}\n`);
      ctx.log.info('stack outputs written', { file: options.outputsFile });
    },
    info: (): Record<string, string> => (options.outputsFile ? { outputsFile: options.outputsFile } : {}),
  };
};
