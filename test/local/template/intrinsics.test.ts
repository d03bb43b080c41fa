// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JS templates
import { type IntrinsicScope, resolveValue, TemplateError } from '../../../local/template';

const scope = (overrides: Partial<IntrinsicScope> = {}): IntrinsicScope => ({
  region: 'us-east-1',
  mappings: { Sizes: { small: { memory: 128 } } },
  ref: (name) => {
    const values: Record<string, unknown> = {
      'AWS::Region': 'us-east-1',
      'AWS::AccountId': '000000000000',
      Stage: 'dev',
      Zones: ['a', 'b'],
      Table: 'orders-table',
    };
    if (!(name in values)) throw new TemplateError(`unknown ${name}`);
    return values[name];
  },
  getAtt: (id, attribute) => {
    if (id === 'Table' && attribute === 'Arn') return 'arn:aws:dynamodb:us-east-1:000000000000:table/orders-table';
    throw new TemplateError(`no ${id}.${attribute}`);
  },
  condition: (name) => ({ IsProd: false, IsDev: true })[name] ?? false,
  importValue: (name) => {
    if (name === 'shared-bus') return 'bus-name';
    throw new TemplateError(`no export ${name}`);
  },
  ...overrides,
});

describe('intrinsic functions', () => {
  it.each([
    ['Ref to a parameter', { Ref: 'Stage' }, 'dev'],
    ['Ref to a resource', { Ref: 'Table' }, 'orders-table'],
    [
      'Fn::GetAtt as a list',
      { 'Fn::GetAtt': ['Table', 'Arn'] },
      'arn:aws:dynamodb:us-east-1:000000000000:table/orders-table',
    ],
    [
      'Fn::GetAtt as a dotted string',
      { 'Fn::GetAtt': 'Table.Arn' },
      'arn:aws:dynamodb:us-east-1:000000000000:table/orders-table',
    ],
    ['Fn::Join', { 'Fn::Join': ['-', ['a', { Ref: 'Stage' }, 'c']] }, 'a-dev-c'],
    [
      'Fn::Sub with refs, attributes and pseudo parameters',
      { 'Fn::Sub': '${Table}/${Table.Arn}@${AWS::Region}' },
      'orders-table/arn:aws:dynamodb:us-east-1:000000000000:table/orders-table@us-east-1',
    ],
    [
      'Fn::Sub with variables',
      { 'Fn::Sub': ['${Greeting}, ${Stage}', { Greeting: { 'Fn::Join': ['', ['he', 'llo']] } }] },
      'hello, dev',
    ],
    ['Fn::Sub keeps ${!Literal}', { 'Fn::Sub': '${!Literal}-${Stage}' }, '${Literal}-dev'],
    ['Fn::Select', { 'Fn::Select': [1, ['x', 'y', 'z']] }, 'y'],
    ['Fn::Select over Fn::Split', { 'Fn::Select': [2, { 'Fn::Split': [':', 'arn:aws:sqs:us-east-1'] }] }, 'sqs'],
    ['Fn::If on a true condition', { 'Fn::If': ['IsDev', 'yes', 'no'] }, 'yes'],
    ['Fn::If on a false condition', { 'Fn::If': ['IsProd', 'yes', 'no'] }, 'no'],
    ['Fn::Equals', { 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] }, true],
    ['Fn::Not', { 'Fn::Not': [{ 'Fn::Equals': ['a', 'b'] }] }, true],
    ['Fn::And', { 'Fn::And': [{ Condition: 'IsDev' }, { 'Fn::Equals': ['a', 'a'] }] }, true],
    ['Fn::Or', { 'Fn::Or': [{ Condition: 'IsProd' }, { 'Fn::Equals': ['a', 'b'] }] }, false],
    ['Fn::ImportValue', { 'Fn::ImportValue': 'shared-bus' }, 'bus-name'],
    ['Fn::GetAZs', { 'Fn::GetAZs': '' }, ['us-east-1a', 'us-east-1b', 'us-east-1c']],
    ['Fn::Base64', { 'Fn::Base64': 'hi' }, 'aGk='],
    ['Fn::FindInMap', { 'Fn::FindInMap': ['Sizes', 'small', 'memory'] }, 128],
    ['a list parameter', { 'Fn::Join': [',', { Ref: 'Zones' }] }, 'a,b'],
  ])('resolves %s', (_name, expression, expected) => {
    expect(resolveValue(expression, scope())).toEqual(expected);
  });

  it('resolves nested intrinsics inside objects and lists', () => {
    const value = { Env: { TABLE: { Ref: 'Table' }, LIST: [{ Ref: 'Stage' }, 'x'] } };

    expect(resolveValue(value, scope())).toEqual({ Env: { TABLE: 'orders-table', LIST: ['dev', 'x'] } });
  });

  it('drops a property or list element set to AWS::NoValue', () => {
    const value = {
      Kept: 1,
      Dropped: { 'Fn::If': ['IsProd', 'prod-only', { Ref: 'AWS::NoValue' }] },
      List: ['a', { 'Fn::If': ['IsProd', 'b', { Ref: 'AWS::NoValue' }] }],
    };

    expect(resolveValue(value, scope())).toEqual({ Kept: 1, List: ['a'] });
  });

  it.each([
    ['Fn::Select out of range', { 'Fn::Select': [5, ['a']] }, /out of range/],
    ['Fn::Join of a non-list', { 'Fn::Join': [',', 'abc'] }, /expects a list/],
    ['an unknown Ref', { Ref: 'Missing' }, /unknown Missing/],
    ['an unknown attribute', { 'Fn::GetAtt': ['Table', 'StreamArn'] }, /no Table.StreamArn/],
    [
      'an import no stack exports',
      { 'Fn::ImportValue': { 'Fn::Join': ['-', ['shared', 'queue']] } },
      /no export shared-queue/,
    ],
    ['Fn::FindInMap of a missing key', { 'Fn::FindInMap': ['Sizes', 'large', 'memory'] }, /no Sizes.large.memory/],
  ])('fails loudly on %s', (_name, expression, message) => {
    expect(() => resolveValue(expression, scope())).toThrow(message);
  });
});
