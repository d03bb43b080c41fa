/** Evaluation of the IAM policy a Lambda authorizer returns, against one method ARN. */

export type PolicyDecision = 'allow' | 'deny' | 'implicit-deny';

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
}

const list = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value as T];

/** IAM wildcards: `*` any run of characters (including '/'), `?` exactly one. */
export const wildcardMatch = (pattern: string, value: string): boolean => {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`, 's').test(value);
};

const actionMatches = (action: string): boolean =>
  ['*', 'execute-api:*', 'execute-api:invoke'].includes(action.toLowerCase()) ||
  wildcardMatch(action.toLowerCase(), 'execute-api:invoke');

/** Whether `policy` lets the caller invoke `methodArn`: an explicit Deny wins over any Allow. */
export const evaluatePolicy = (policy: unknown, methodArn: string): PolicyDecision => {
  const statements = list((policy as { Statement?: Statement | Statement[] } | undefined)?.Statement);
  let allowed = false;
  for (const statement of statements) {
    const applies =
      list(statement.Action).some(actionMatches) && list(statement.Resource).some((r) => wildcardMatch(r, methodArn));
    if (!applies) continue;
    if (statement.Effect === 'Deny') return 'deny';
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
};

/** `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path without leading slash>`. */
export const methodArn = (
  region: string,
  accountId: string,
  apiId: string,
  stage: string,
  httpMethod: string,
  path: string,
): string => `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${httpMethod}/${path.replace(/^\//, '')}`;
