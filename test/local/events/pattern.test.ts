/**
 * The event-pattern matcher against AWS's recorded answers (../shared/conformance, recorded by the LocalStack
 * project against real AWS, Apache-2.0): plain = match, _NEG = no match, _EXC = InvalidEventPatternException with
 * the recorded message. Plus cases from the EventBridge user guide.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import JSON5 from 'json5';
import { compilePattern } from '../../../local/events/pattern';

const EVENTS_DIR = join(__dirname, '../../../../shared/conformance/aws-recorded/events');
const TEMPLATES = join(EVENTS_DIR, 'event_pattern_templates');
const describeRecorded = existsSync(TEMPLATES) ? describe : describe.skip;

const outcome = (pattern: unknown, event: unknown): boolean | string => {
  try {
    return compilePattern(JSON.stringify(pattern)).matches(event);
  } catch (e) {
    return (e as Error).message;
  }
};

describeRecorded('event patterns agree with AWS recordings', () => {
  const files = existsSync(TEMPLATES) ? readdirSync(TEMPLATES).filter((f) => f.endsWith('.json5')) : [];
  const snapshot = existsSync(TEMPLATES)
    ? (JSON.parse(readFileSync(join(EVENTS_DIR, 'test_events_patterns.snapshot.json'), 'utf8')) as Record<
        string,
        { 'recorded-content': Record<string, { exception_message: { Error: { Message: string } } }> }
      >)
    : {};
  const recordedMessage = (name: string): string | undefined =>
    Object.entries(snapshot).find(([key]) => key.endsWith(`[${name}]`))?.[1]['recorded-content'][name]
      ?.exception_message.Error.Message;

  it('finds all recorded pattern cases', () => {
    expect(files.length).toBe(155);
  });

  it.each(files)('%s', (file) => {
    const name = file.replace(/\.json5$/, '');
    const { Event, EventPattern } = JSON5.parse(readFileSync(join(TEMPLATES, file), 'utf8'));
    const got = outcome(EventPattern, Event);
    if (name.endsWith('_EXC')) expect(got).toBe(recordedMessage(name));
    else expect(got).toBe(!name.endsWith('_NEG'));
  });

  it('complex_multi_key_event: a pattern with a repeated key keeps the last one, as AWS does', () => {
    const event = JSON.parse(readFileSync(join(TEMPLATES, 'complex_multi_key_event.json'), 'utf8'));
    const pattern = readFileSync(join(TEMPLATES, 'complex_multi_key_event_pattern.json'), 'utf8');
    expect(compilePattern(pattern).matches(event)).toBe(true);
  });
});

describe('event patterns from the EventBridge user guide', () => {
  const ec2 = {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2017-12-22T18:43:48Z',
    region: 'us-west-1',
    resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
    detail: {
      'instance-id': 'i-1234567890abcdef0',
      state: 'terminated',
      'source-ip': '10.0.0.114',
      'c-count': 5,
      'd-count': 3,
      'x-limit': 301.8,
      open: true,
      nothing: null,
      location: [{ city: 'Paris' }, { city: 'Lyon' }],
    },
  };
  const cases: [string, unknown, boolean][] = [
    ['matches an exact source', { source: ['aws.ec2'] }, true],
    ['matches any value of a list', { detail: { state: ['running', 'terminated'] } }, true],
    ['matches a resource inside an array', { resources: [{ prefix: 'arn:aws:ec2:us-west-1' }] }, true],
    ['matches booleans as booleans, not strings', { detail: { open: [true] } }, true],
    ['does not match the string "true" against a boolean', { detail: { open: ['true'] } }, false],
    ['does not match the string "5" against a number', { detail: { 'c-count': ['5'] } }, false],
    ['matches null against a null leaf', { detail: { nothing: [null] } }, true],
    ['matches numeric ranges', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, true],
    ['rejects values outside a numeric range', { detail: { 'c-count': [{ numeric: ['<', 5] }] } }, false],
    ['matches a CIDR block', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, true],
    ['matches a suffix with equals-ignore-case', { source: [{ suffix: { 'equals-ignore-case': 'EC2' } }] }, true],
    ['matches a wildcard', { 'detail-type': [{ wildcard: 'EC2 * Notification' }] }, true],
    ['matches a field inside an array of objects', { detail: { location: { city: ['Lyon'] } } }, true],
    [
      '$or matches when one branch matches',
      { detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { 'd-count': [3] }] } },
      true,
    ],
    [
      '$or does not match everything',
      { detail: { $or: [{ 'c-count': [{ numeric: ['>', 10] }] }, { 'd-count': [4] }] } },
      false,
    ],
    ['exists false matches an absent field', { detail: { missing: [{ exists: false }] } }, true],
    ['exists false does not match a present field', { detail: { state: [{ exists: false }] } }, false],
    ['anything-but excludes a listed value', { detail: { state: [{ 'anything-but': ['terminated'] }] } }, false],
    ['is case-sensitive on keys', { Source: ['aws.ec2'] }, false],
  ];

  it.each(cases)('%s', (_name, pattern, expected) => {
    expect(compilePattern(pattern).matches(ec2)).toBe(expected);
  });

  describe('escapes and empty values (user guide)', () => {
    const files = { source: 's', detail: { star: '*', backslash: '\\', path: '/usr/lib/x.so', name: 'a*b', last: '' } };

    it('matches an exact "*" and "\\" literally, not as a wildcard', () => {
      expect(compilePattern({ detail: { star: ['*'], backslash: ['\\'] } }).matches(files)).toBe(true);
      expect(compilePattern({ detail: { path: ['*'] } }).matches(files)).toBe(false);
    });

    it('reads \\* in a wildcard as a literal star', () => {
      expect(compilePattern({ detail: { name: [{ wildcard: 'a\\*b' }] } }).matches(files)).toBe(true);
      expect(compilePattern({ detail: { name: [{ wildcard: 'a\\*c' }] } }).matches(files)).toBe(false);
    });

    it('excludes a wildcard with anything-but', () => {
      expect(compilePattern({ detail: { path: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }).matches(files)).toBe(
        false,
      );
    });

    it('matches an empty string', () => {
      expect(compilePattern({ detail: { last: [''] } }).matches(files)).toBe(true);
    });

    it('matches a top-level $or over different fields', () => {
      expect(compilePattern({ $or: [{ source: ['x'] }, { detail: { star: ['*'] } }] }).matches(files)).toBe(true);
      expect(compilePattern({ $or: [{ source: ['x'] }, { detail: { star: ['y'] } }] }).matches(files)).toBe(false);
    });
  });

  describe('arrays of objects', () => {
    const staff = {
      source: 'hr',
      detail: {
        employees: [
          { first: 'Anna', last: 'Jones', tags: ['lead'] },
          { first: 'John', last: 'Smith', tags: ['new'] },
        ],
      },
    };

    it('matches fields that come from the same array element', () => {
      expect(compilePattern({ detail: { employees: { first: ['Anna'], last: ['Jones'] } } }).matches(staff)).toBe(true);
    });

    it('does not match fields taken from different array elements', () => {
      expect(compilePattern({ detail: { employees: { first: ['Anna'], last: ['Smith'] } } }).matches(staff)).toBe(
        false,
      );
    });

    it('keeps fields consistent inside nested arrays, after fields outside any array', () => {
      const nested = { source: 'x', resources: ['r'], detail: { matrix: [[{ a: 1, b: 2 }], [{ a: 3, b: 4 }]] } };
      expect(compilePattern({ source: ['x'], detail: { matrix: { a: [1], b: [4] } } }).matches(nested)).toBe(false);
      expect(compilePattern({ source: ['x'], detail: { matrix: { a: [3], b: [4] } } }).matches(nested)).toBe(true);
    });

    it('keeps $or branches consistent with the element chosen by the other fields', () => {
      const pattern = { detail: { employees: { first: ['John'], $or: [{ last: ['Jones'] }, { tags: ['lead'] }] } } };
      expect(compilePattern(pattern).matches(staff)).toBe(false);
      const other = { detail: { employees: { first: ['John'], $or: [{ last: ['Jones'] }, { tags: ['new'] }] } } };
      expect(compilePattern(other).matches(staff)).toBe(true);
    });
  });

  it('rejects a $or with a single branch', () => {
    expect(outcome({ $or: [{ source: ['x'] }] }, ec2)).toMatch(/^Event pattern is not valid/);
  });

  it('rejects a pattern that is not JSON with InvalidEventPatternException', () => {
    expect(() => compilePattern("{'bad': 'quotation'}")).toThrow(
      expect.objectContaining({ code: 'InvalidEventPatternException' }),
    );
  });

  it('rejects an unknown numeric operator', () => {
    expect(outcome({ n: [{ numeric: ['!=', 1] }] }, ec2)).toBe(
      'Event pattern is not valid. Reason: Unrecognized numeric range operator: !=',
    );
  });
});
