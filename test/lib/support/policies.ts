import type { SynthesizedApp } from '../../workflows/support/synth-workflows';

/** One permission: an action on a resource, with placeholder ARNs resolved. */
export interface Permission {
  readonly action: string;
  readonly resource: string;
}

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
}

/** Every allowed action × resource of the IAM policies whose construct path contains `pathPart`. */
export function permissionsOf(synthesized: SynthesizedApp, pathPart: string): Permission[] {
  const policies = Object.values(synthesized.stateless.Resources).filter(
    (resource) =>
      resource.Type === 'AWS::IAM::Policy' && String(resource.Metadata?.['aws:cdk:path']).includes(pathPart),
  );
  if (policies.length === 0) {
    throw new Error(`No policy under ${pathPart}`);
  }
  return policies.flatMap((policy) => {
    const document = policy.Properties?.PolicyDocument as { Statement: unknown };
    const statements = synthesized.resolver.resolve(document.Statement) as Statement[];
    return statements
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) =>
        [statement.Action]
          .flat()
          .flatMap((action) => [statement.Resource].flat().map((resource) => ({ action, resource }))),
      );
  });
}

/** Every IAM policy of the stateless stack, by construct path. */
export function allPolicyPaths(synthesized: SynthesizedApp): string[] {
  return Object.values(synthesized.stateless.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .map((resource) => String(resource.Metadata?.['aws:cdk:path']));
}

/** Resources grouped by action prefix, e.g. every `dynamodb:` permission as `{resource: [actions]}`. */
export function byResource(permissions: readonly Permission[], service: string): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const { action, resource } of permissions) {
    if (action.startsWith(`${service}:`)) {
      grouped[resource] = [...(grouped[resource] ?? []), action].sort();
    }
  }
  return grouped;
}
