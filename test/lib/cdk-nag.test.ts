import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { StageName } from '../../lib/config/stages';
import { addDishpatchStage } from '../../lib/dishpatch-app';

/** Synthesizes one stage as `cdk synth` would, minus bundling; throws on any unacknowledged finding. */
function synthStage(stage: StageName): App {
  const app = new App({ context: { stage, 'aws:cdk:bundling-stacks': [] } });
  addDishpatchStage(app);
  app.synth();
  return app;
}

/** Every acknowledgement recorded in the construct tree, with the path it applies to. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutionsChecks', () => {
  // dev is synthesized (with the same checks) by every other CDK test file; these are the two other extremes.
  const prod = synthStage('prod');

  it('finds nothing unacknowledged in the prod and local stages', () => {
    expect(() => synthStage('local')).not.toThrow();
    expect(prod.node.findAll().length).toBeGreaterThan(100);
  });

  it('fails the synth on an unacknowledged finding', () => {
    // Prepare
    const app = new App();
    const stack = new Stack(app, 'Wildcard');
    new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }).addToPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }),
    );
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act / Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::dynamodb:\*\]/);
  });

  it('gives every acknowledgement a specific reason', () => {
    const acknowledged = acknowledgements(prod);
    expect(acknowledged.length).toBeGreaterThan(10);
    for (const { id, reason } of acknowledged) {
      expect({ id, reason: reason.length >= 40 }).toEqual({ id, reason: true });
    }
  });

  it('acknowledges wildcard resources only for versions of named functions and for resource-less actions', () => {
    const wildcards = acknowledgements(prod)
      .map(({ id }) => id)
      .filter((id) => id.startsWith('AwsSolutions-IAM5'));
    for (const id of wildcards) {
      expect(id).toMatch(/^AwsSolutions-IAM5\[Resource::(\*|<[A-Za-z0-9]+\.Arn>:\*)\]$/);
    }
  });

  it('acknowledges no unauthorized method: cdk-nag itself exempts the CORS preflights', () => {
    expect(acknowledgements(prod).filter(({ id }) => id === 'AwsSolutions-APIG4')).toEqual([]);
  });

  it('acknowledges no finding in prod that prod resolves (point-in-time recovery is on)', () => {
    expect(acknowledgements(prod).filter(({ id }) => id === 'AwsSolutions-DDB3')).toEqual([]);
  });
});
