import { evaluatePolicy, methodArn, wildcardMatch } from '../../../local/apigateway/policy.ts';

const arn = methodArn('us-east-1', '123456789012', 'api1', 'prod', 'GET', '/orders/42');
const statement = (Effect: string, Resource: string | string[], Action: string | string[] = 'execute-api:Invoke') => ({
  Effect,
  Resource,
  Action,
});

describe('authorizer policy evaluation', () => {
  it('builds the method ARN without the leading slash of the path', () => {
    expect(arn).toBe('arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/orders/42');
  });

  it.each([
    ['*', true],
    ['arn:aws:execute-api:us-east-1:123456789012:api1/prod/*', true],
    ['arn:aws:execute-api:us-east-1:123456789012:api1/*/GET/orders/*', true],
    ['arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/orders/4?', true],
    ['arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/orders/?', false],
    ['arn:aws:execute-api:us-east-1:123456789012:api1/prod/POST/*', false],
  ])('matches resource %s → %s', (pattern, expected) => {
    expect(wildcardMatch(pattern, arn)).toBe(expected);
  });

  it('denies implicitly when no statement applies', () => {
    expect(evaluatePolicy({ Statement: [statement('Allow', 'arn:aws:execute-api:*:*:other/*')] }, arn)).toBe(
      'implicit-deny',
    );
  });

  it('lets an explicit Deny win over an Allow', () => {
    const policy = {
      Statement: [statement('Allow', '*'), statement('Deny', ['arn:aws:execute-api:*:*:api1/prod/GET/orders/*'])],
    };
    expect(evaluatePolicy(policy, arn)).toBe('deny');
  });

  it('accepts a single statement object and wildcard actions', () => {
    expect(evaluatePolicy({ Statement: statement('Allow', '*', 'execute-api:*') }, arn)).toBe('allow');
    expect(evaluatePolicy({ Statement: statement('Allow', '*', ['s3:GetObject']) }, arn)).toBe('implicit-deny');
  });
});
