/**
 * Reading a cloud assembly (`cdk.out`): the stacks in deployment order, their templates, and where each file
 * asset's folder is, keyed by the S3 object key the templates use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { TemplateError } from './intrinsics';

/** One stack to load: its CloudFormation name and its template. */
export interface StackSource {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** Absolute path of the template file, when it came from a file. */
  readonly templateFile?: string;
}

/** The parts of a CloudFormation template this loader reads. */
export interface CfnTemplate {
  readonly Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<
    string,
    { Value: unknown; Description?: string; Condition?: string; Export?: { Name: unknown } }
  >;
  readonly [key: string]: unknown;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
  readonly Metadata?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** Stacks in deployment order plus the asset folders (object key or asset hash → absolute folder). */
export interface AssemblySource {
  readonly stacks: StackSource[];
  readonly assets: Map<string, string>;
  readonly dir: string;
}

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly properties?: Record<string, unknown>;
  readonly dependencies?: string[];
  readonly displayName?: string;
}

const readJson = <T>(file: string): T => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new TemplateError(`cannot read ${file}: ${(e as Error).message}`);
  }
};

/** Order artifact ids so that each comes after the artifacts it depends on. */
const dependencyOrder = (artifacts: Record<string, ManifestArtifact>): string[] => {
  const done = new Set<string>();
  const order: string[] = [];
  const visit = (id: string, path: string[]): void => {
    if (done.has(id)) return;
    if (path.includes(id)) throw new TemplateError(`cyclic stack dependencies: ${[...path, id].join(' -> ')}`);
    for (const dep of artifacts[id]?.dependencies ?? []) if (artifacts[dep]) visit(dep, [...path, id]);
    done.add(id);
    order.push(id);
  };
  for (const id of Object.keys(artifacts)) visit(id, []);
  return order;
};

const readAssetManifest = (dir: string, file: string, assets: Map<string, string>): void => {
  const manifest = readJson<{
    files?: Record<string, { source?: { path?: string }; destinations?: Record<string, { objectKey?: string }> }>;
  }>(join(dir, file));
  for (const [hash, asset] of Object.entries(manifest.files ?? {})) {
    const path = asset.source?.path;
    if (!path || path.endsWith('.template.json')) continue;
    const folder = isAbsolute(path) ? path : join(dir, path);
    assets.set(hash, folder);
    for (const dest of Object.values(asset.destinations ?? {})) if (dest.objectKey) assets.set(dest.objectKey, folder);
  }
};

const collect = (dir: string, stacks: StackSource[], assets: Map<string, string>): void => {
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(join(dir, 'manifest.json'));
  const artifacts = manifest.artifacts ?? {};
  for (const id of dependencyOrder(artifacts)) {
    const artifact = artifacts[id] as ManifestArtifact;
    const props = artifact.properties ?? {};
    if (artifact.type === 'cdk:asset-manifest' && typeof props.file === 'string') {
      readAssetManifest(dir, props.file, assets);
    } else if (artifact.type === 'cdk:cloud-assembly' && typeof props.directoryName === 'string') {
      collect(join(dir, props.directoryName), stacks, assets);
    } else if (artifact.type === 'aws:cloudformation:stack' && typeof props.templateFile === 'string') {
      const templateFile = join(dir, props.templateFile);
      stacks.push({
        stackName: typeof props.stackName === 'string' ? props.stackName : id,
        template: readJson<CfnTemplate>(templateFile),
        templateFile,
      });
    }
  }
};

/** Read `<dir>/manifest.json` and every stack template and asset manifest it lists (nested stages included). */
export const readAssembly = (assemblyDir: string): AssemblySource => {
  const dir = resolve(assemblyDir);
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new TemplateError(`${dir} is not a cloud assembly (no manifest.json): run \`npx cdk synth\` first`);
  }
  const stacks: StackSource[] = [];
  const assets = new Map<string, string>();
  collect(dir, stacks, assets);
  if (stacks.length === 0) throw new TemplateError(`the cloud assembly in ${dir} has no stacks`);
  return { stacks, assets, dir };
};
