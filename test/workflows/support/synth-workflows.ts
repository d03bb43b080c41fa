import { App } from 'aws-cdk-lib';
import type { StageName } from '../../../lib/config/stages';
import { ServiceFunction } from '../../../lib/constructs/service-function';
import { addDishpatchStage, type DishpatchStacks } from '../../../lib/dishpatch-app';
import { ACCOUNT, type CfnTemplate, REGION, TemplateResolver } from './resolve-definition';

/** An Amazon States Language document, as parsed JSON. */
export type AslDefinition = {
  readonly StartAt: string;
  readonly States: Record<string, Record<string, unknown>>;
  readonly QueryLanguage?: string;
} & Record<string, unknown>;

/** The app of one stage, synthesized once with bundling off, and its resolved templates. */
export interface SynthesizedApp {
  readonly stacks: DishpatchStacks;
  readonly stateful: CfnTemplate;
  readonly stateless: CfnTemplate;
  readonly resolver: TemplateResolver;
}

/** Both state machines of the app as plain ASL, with placeholder ARNs (see `resolve-definition.ts`). */
export interface SynthesizedWorkflows {
  readonly placeOrder: AslDefinition;
  readonly orderLifecycle: AslDefinition;
}

const apps = new Map<StageName, SynthesizedApp>();

/**
 * Synthesizes the app for `stage` (once per test file: results are cached per stage) with bundling off, so
 * handler files are not built. cdk-nag runs as in every synth.
 */
export function synthApp(stage: StageName = 'dev'): SynthesizedApp {
  const cached = apps.get(stage);
  if (cached !== undefined) {
    return cached;
  }
  const app = new App({
    context: { stage, 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true },
  });
  const stacks = addDishpatchStage(app);
  const assembly = app.synth();
  const stateful = assembly.getStackByName(stacks.stateful.stackName).template as CfnTemplate;
  const stateless = assembly.getStackByName(stacks.stateless.stackName).template as CfnTemplate;
  const synthesized = { stacks, stateful, stateless, resolver: new TemplateResolver([stateless, stateful]) };
  apps.set(stage, synthesized);
  return synthesized;
}

/** The resolved definition of the state machine whose construct path ends with `/<constructId>/StateMachine`. */
export function resolvedDefinition(synthesized: SynthesizedApp, constructId: string): AslDefinition {
  const entry = Object.entries(synthesized.stateless.Resources).find(
    ([, resource]) =>
      resource.Type === 'AWS::StepFunctions::StateMachine' &&
      String(resource.Metadata?.['aws:cdk:path']).endsWith(`/${constructId}/StateMachine/Resource`),
  );
  if (entry === undefined) {
    throw new Error(`No state machine ${constructId} in the stateless stack`);
  }
  const [, resource] = entry;
  return JSON.parse(synthesized.resolver.resolveString(resource.Properties?.DefinitionString)) as AslDefinition;
}

/**
 * The synthesized ASL of both workflows for `stage`, ready for an engine: Lambda ARNs look like
 * `arn:aws:lambda:us-east-1:000000000000:function:PriceOrder`, the lifecycle is
 * `arn:aws:states:us-east-1:000000000000:stateMachine:dishpatch-<stage>-order-lifecycle`, the orders table is
 * named `OrdersTable`.
 */
export function synthWorkflows(stage: StageName = 'dev'): SynthesizedWorkflows {
  const synthesized = synthApp(stage);
  return {
    placeOrder: resolvedDefinition(synthesized, 'PlaceOrder'),
    orderLifecycle: resolvedDefinition(synthesized, 'OrderLifecycle'),
  };
}

/** A function of the app as a test needs it to run the real handler in place of the Lambda ARN. */
export interface SynthesizedFunction {
  /** Placeholder ARN the resolved definitions use, `arn:aws:lambda:us-east-1:000000000000:function:<id>`. */
  readonly arn: string;
  /** Handler file relative to the project root, e.g. `functions/workflow/price-order.ts`. */
  readonly entry: string;
  /** Environment variables with placeholder names resolved (`ORDERS_TABLE_NAME: 'OrdersTable'`, ...). */
  readonly environment: Readonly<Record<string, string>>;
}

/** Every function of the stateless stack, by construct id (`PriceOrder`, `AwaitEvent`, `GetOrder`, ...). */
export function synthFunctions(stage: StageName = 'dev'): Readonly<Record<string, SynthesizedFunction>> {
  const synthesized = synthApp(stage);
  const { stateless } = synthesized.stacks;
  const functions = stateless.node.findAll().filter((construct) => construct instanceof ServiceFunction);
  return Object.fromEntries(
    functions.map((fn) => {
      const logicalId = stateless.resolve(stateless.getLogicalId(fn.node.defaultChild as never)) as string;
      const properties = synthesized.stateless.Resources[logicalId]?.Properties as
        | { Environment?: { Variables?: unknown } }
        | undefined;
      const environment = synthesized.resolver.resolve(properties?.Environment?.Variables ?? {}) as Record<
        string,
        string
      >;
      const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn.node.id}`;
      return [fn.node.id, { arn, entry: fn.entryFile, environment }];
    }),
  );
}
