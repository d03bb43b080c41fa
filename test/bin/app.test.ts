import { App } from 'aws-cdk-lib';
import { addDishpatchStage } from '../../lib/dishpatch-app';

// Construction only: no synth, so these stay fast; the synthesized stacks are covered in test/lib.
const bundlingOff = { 'aws:cdk:bundling-stacks': [] };

describe('bin/app: addDishpatchStage', () => {
  it('names the two stacks of the stage from the stage context', () => {
    const app = new App({ context: { ...bundlingOff, stage: 'staging' } });

    const stacks = addDishpatchStage(app);

    expect([stacks.stateful.stackName, stacks.stateless.stackName]).toEqual([
      'Dishpatch-staging-Stateful',
      'Dishpatch-staging-Stateless',
    ]);
    expect(stacks.config.stage).toBe('staging');
  });

  it('uses dev when no stage is given', () => {
    const app = new App({ context: bundlingOff });

    expect(addDishpatchStage(app).stateful.stackName).toBe('Dishpatch-dev-Stateful');
  });

  it('refuses an unknown stage', () => {
    const app = new App({ context: { ...bundlingOff, stage: 'qa' } });

    expect(() => addDishpatchStage(app)).toThrow(/Unknown stage "qa"/);
  });

  it('protects the prod stacks from deletion', () => {
    const app = new App({ context: { ...bundlingOff, stage: 'prod' } });

    const stacks = addDishpatchStage(app);

    expect(stacks.stateful.terminationProtection).toBe(true);
    expect(stacks.stateless.terminationProtection).toBe(true);
  });
});
