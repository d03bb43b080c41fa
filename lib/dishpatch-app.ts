import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type StageConfig, stageConfig } from './config/stages';
import { addStackOutputs } from './outputs';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';

/** The stacks of one stage. */
export interface DishpatchStacks {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * Adds one stage of dishpatch to `app`: `Dishpatch-<stage>-Stateful` and `Dishpatch-<stage>-Stateless`, with
 * cdk-nag's AWS Solutions checks registered so every synth fails on an unacknowledged finding.
 *
 * @param stage - the `stage` context value (`local`, `dev`, `staging`, `prod`); `dev` when absent
 */
export function addDishpatchStage(app: App, stage: unknown = app.node.tryGetContext('stage')): DishpatchStacks {
  const config = stageConfig(stage ?? 'dev');
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const prefix = `Dishpatch-${config.stage}`;

  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    config,
    env,
    description: `dishpatch ${config.stage}: tables, event bus, user pool`,
    terminationProtection: config.stage === 'prod',
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    config,
    env,
    description: `dishpatch ${config.stage}: API, functions, workflows, rules`,
    resources: stateful,
    terminationProtection: config.stage === 'prod',
  });

  addStackOutputs(config, stateful, stateless);

  Tags.of(app).add('app', 'dishpatch');
  Tags.of(app).add('stage', config.stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { config, stateful, stateless };
}
