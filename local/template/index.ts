/**
 * The template layer: read a cloud assembly or a template, resolve intrinsic functions, name resources in the
 * local account and region, and order them for provisioning.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type CfnTemplate, readAssembly, type StackSource } from './assembly';
import { TemplateError } from './intrinsics';
import { type LoadedCloud, type LoadOptions, loadStacks } from './load';

export type { AssemblySource, CfnResource, CfnTemplate, StackSource } from './assembly';
export { readAssembly } from './assembly';
export { evaluateCondition, type IntrinsicScope, NO_VALUE, resolveValue, TemplateError } from './intrinsics';
export {
  IGNORED_TYPES,
  type LoadedCloud,
  type LoadedResource,
  type LoadedStack,
  type LoadOptions,
  loadStacks,
  type StackOutput,
  type TypeClaim,
  UnsupportedTemplateError,
} from './load';
export { generatedName, namedTypes, physicalIdentity } from './physical';

/** Where the stacks come from: a cloud assembly folder, or one template (object or file path). */
export type TemplateInput =
  | { readonly assemblyDir: string }
  | { readonly template: CfnTemplate | string; readonly stackName?: string };

/** Read the stacks of a {@link TemplateInput} (and the assembly's asset folders). */
export const readStacks = (
  input: TemplateInput,
): { stacks: StackSource[]; assets: Map<string, string>; assemblyDir?: string } => {
  if ('assemblyDir' in input) {
    const assembly = readAssembly(input.assemblyDir);
    return { stacks: assembly.stacks, assets: assembly.assets, assemblyDir: assembly.dir };
  }
  if (typeof input.template === 'string') {
    let template: CfnTemplate;
    try {
      template = JSON.parse(readFileSync(input.template, 'utf8')) as CfnTemplate;
    } catch (e) {
      throw new TemplateError(`cannot read template ${input.template}: ${(e as Error).message}`);
    }
    const stackName = input.stackName ?? basename(input.template).replace(/\.template\.json$|\.json$/, '');
    return { stacks: [{ stackName, template, templateFile: input.template }], assets: new Map() };
  }
  return { stacks: [{ stackName: input.stackName ?? 'LocalStack', template: input.template }], assets: new Map() };
};

/** Read and resolve in one step. */
export const loadTemplate = (
  input: TemplateInput,
  options: Omit<LoadOptions, 'assets' | 'assemblyDir'>,
): LoadedCloud & { assemblyDir?: string } => {
  const { stacks, assets, assemblyDir } = readStacks(input);
  return {
    ...loadStacks(stacks, { ...options, assets, ...(assemblyDir ? { assemblyDir } : {}) }),
    ...(assemblyDir ? { assemblyDir } : {}),
  };
};
