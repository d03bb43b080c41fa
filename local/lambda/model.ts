import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arn } from '../core/arn.ts';
import type { LocalContext, ResolvedResource } from '../core/types.ts';

/** A function as the local Lambda service runs it, built from an `AWS::Lambda::Function` resource. */
export interface LambdaFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly handler: string;
  readonly runtime: string;
  readonly codeDir: string;
  readonly codeSha256: string;
  readonly codeSize: number;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly reservedConcurrency: number | undefined;
  readonly variables: Record<string, string>;
  readonly role: string;
  readonly description: string;
  readonly architectures: string[];
  readonly deadLetterTargetArn: string | undefined;
  readonly logGroupName: string;
  readonly logFormat: 'Text' | 'JSON';
  readonly applicationLogLevel: string | undefined;
  readonly tracingMode: string;
  readonly lastModified: string;
}

/** Properties of `AWS::Lambda::Function` the local runtime honours or can safely ignore (no effect locally). */
const knownFunctionProperties = new Set([
  'FunctionName',
  'Handler',
  'Runtime',
  'Code',
  'Environment',
  'Timeout',
  'MemorySize',
  'ReservedConcurrentExecutions',
  'Role',
  'Description',
  'Architectures',
  'DeadLetterConfig',
  'LoggingConfig',
  'TracingConfig',
  'Tags',
  'EphemeralStorage',
  'VpcConfig',
  'KmsKeyArn',
  'RuntimeManagementConfig',
  'PackageType',
  'Layers',
  'SnapStart',
]);

/** Lambda's `LastModified` format: 2024-01-02T03:04:05.678+0000. */
export const lambdaTimestamp = (date = new Date()): string => date.toISOString().replace('Z', '+0000');

const writeInlineCode = (ctx: LocalContext, name: string, source: string): string => {
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const root = ctx.dataDir ? path.join(ctx.dataDir, 'lambda', 'inline') : path.join(os.tmpdir(), 'dishpatch-lambda');
  const dir = path.join(root, `${name}-${digest}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.js'), source);
  return dir;
};

const assetDir = (ctx: LocalContext, resource: ResolvedResource): string | undefined => {
  if (resource.assetPath) return resource.assetPath;
  const assetPath = resource.metadata?.['aws:asset:path'];
  const code = resource.properties.Code as { S3Key?: unknown } | undefined;
  const fromKey = typeof code?.S3Key === 'string' ? `asset.${code.S3Key.replace(/\.zip$/, '')}` : undefined;
  const candidate = typeof assetPath === 'string' ? assetPath : fromKey;
  if (!candidate) return undefined;
  return path.isAbsolute(candidate) ? candidate : path.join(ctx.assemblyDir ?? process.cwd(), candidate);
};

const directorySize = (dir: string): number => {
  let size = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    size += entry.isDirectory() ? directorySize(full) : fs.statSync(full).size;
  }
  return size;
};

/** Build the local function from its resolved resource; throws (fails the start) on what it cannot run. */
export const functionFromResource = (ctx: LocalContext, resource: ResolvedResource): LambdaFunction => {
  const p = resource.properties;
  const where = `${resource.logicalId} (AWS::Lambda::Function)`;
  for (const key of Object.keys(p)) {
    if (!knownFunctionProperties.has(key)) throw new Error(`${where}: property ${key} is not supported locally`);
  }
  if (p.PackageType === 'Image') throw new Error(`${where}: container image functions are not supported locally`);
  if (Array.isArray(p.Layers) && p.Layers.length) throw new Error(`${where}: Lambda layers are not supported locally`);
  const runtime = String(p.Runtime ?? '');
  if (!runtime.startsWith('nodejs'))
    throw new Error(`${where}: runtime ${runtime || '(none)'} is not supported locally`);
  const name = resource.physicalId.startsWith('arn:') ? (resource.physicalId.split(':')[6] ?? '') : resource.physicalId;
  const code = (p.Code ?? {}) as { ZipFile?: unknown };
  const codeDir = typeof code.ZipFile === 'string' ? writeInlineCode(ctx, name, code.ZipFile) : assetDir(ctx, resource);
  if (!codeDir || !fs.existsSync(codeDir)) {
    throw new Error(`${where}: code folder ${codeDir ?? '(none)'} not found; synthesize the app with its assets first`);
  }
  const variables: Record<string, string> = {};
  for (const [key, value] of Object.entries((p.Environment?.Variables ?? {}) as Record<string, unknown>)) {
    variables[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const loggingConfig = (p.LoggingConfig ?? {}) as {
    LogFormat?: string;
    LogGroup?: string;
    ApplicationLogLevel?: string;
  };
  const sha = createHash('sha256').update(codeDir).digest('base64');
  return {
    logicalId: resource.logicalId,
    name,
    arn: resource.attributes.Arn ?? arn('lambda', ctx.region, ctx.accountId, `function:${name}`),
    handler: String(p.Handler ?? 'index.handler'),
    runtime,
    codeDir,
    codeSha256: sha,
    codeSize: directorySize(codeDir),
    timeoutSeconds: Number(p.Timeout ?? 3),
    memoryMb: Number(p.MemorySize ?? 128),
    reservedConcurrency:
      p.ReservedConcurrentExecutions === undefined ? undefined : Number(p.ReservedConcurrentExecutions),
    variables,
    role: String(p.Role ?? arn('iam', '', ctx.accountId, `role/${name}-role`)),
    description: String(p.Description ?? ''),
    architectures: Array.isArray(p.Architectures) ? p.Architectures.map(String) : ['x86_64'],
    deadLetterTargetArn: typeof p.DeadLetterConfig?.TargetArn === 'string' ? p.DeadLetterConfig.TargetArn : undefined,
    logGroupName: loggingConfig.LogGroup ?? `/aws/lambda/${name}`,
    logFormat: loggingConfig.LogFormat === 'JSON' ? 'JSON' : 'Text',
    applicationLogLevel: loggingConfig.ApplicationLogLevel,
    tracingMode: String(p.TracingConfig?.Mode ?? 'PassThrough'),
    lastModified: lambdaTimestamp(),
  };
};

/** The `GetFunctionConfiguration` answer. */
export const functionConfiguration = (fn: LambdaFunction): Record<string, unknown> => ({
  FunctionName: fn.name,
  FunctionArn: fn.arn,
  Runtime: fn.runtime,
  Role: fn.role,
  Handler: fn.handler,
  CodeSize: fn.codeSize,
  Description: fn.description,
  Timeout: fn.timeoutSeconds,
  MemorySize: fn.memoryMb,
  LastModified: fn.lastModified,
  CodeSha256: fn.codeSha256,
  Version: '$LATEST',
  Environment: { Variables: fn.variables },
  TracingConfig: { Mode: fn.tracingMode },
  RevisionId: fn.codeSha256.slice(0, 8),
  State: 'Active',
  LastUpdateStatus: 'Successful',
  PackageType: 'Zip',
  Architectures: fn.architectures,
  EphemeralStorage: { Size: 512 },
  LoggingConfig: { LogFormat: fn.logFormat, LogGroup: fn.logGroupName },
  ...(fn.deadLetterTargetArn ? { DeadLetterConfig: { TargetArn: fn.deadLetterTargetArn } } : {}),
});

/** Split a FunctionName parameter (name, ARN or partial ARN, optionally with a qualifier). */
export const parseFunctionRef = (ref: string): { name: string; qualifier: string | undefined } => {
  const parts = ref.split(':');
  if (ref.startsWith('arn:')) return { name: parts[6] ?? '', qualifier: parts[7] };
  if (parts[1] === 'function') return { name: parts[2] ?? '', qualifier: parts[3] };
  return { name: parts[0] ?? '', qualifier: parts[1] };
};
