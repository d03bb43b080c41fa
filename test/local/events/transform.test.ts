/**
 * Target input rendering against AWS's recorded deliveries (../shared/conformance, recorded by the LocalStack
 * project against real AWS, Apache-2.0). The recording keeps only what the SQS target received, so the inputs
 * of each recorded case (event detail, paths map, template) are restated here from the names of the cases.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  InputTransformError,
  renderTargetInput,
  type TargetInputSpec,
  validateTargetInput,
} from '../../../local/events/transform';

const SNAPSHOT = join(__dirname, '../../../../shared/conformance/aws-recorded/events/test_events_inputs.snapshot.json');
const describeRecorded = existsSync(SNAPSHOT) ? describe : describe.skip;

const TEST_DETAIL = { command: 'update-account', payload: { acc_id: '0a787ecb-4015', sf_id: 'baz' } };
const DUPLICATED_KEY_DETAIL = {
  command: 'update-account',
  payload: { acc_id: '0a787ecb-4015', payload: { message: 'baz', id: '123' } },
};
const SPECIAL_DETAIL = { ...TEST_DETAIL, listsingle: ['HIGH'], listmulti: ['ACTIVE', 'INACTIVE'], valid: true };
const DETAIL_TYPE = 'core.update-account-command';
const MATCH_ALL = { 'detail-type': '$.detail-type', timestamp: '$.time', command: '$.detail.command' };
const NOT_MATCH_ALL = { ...MATCH_ALL, command: '$.detail.notinmessage' };
const NESTED_MAP = {
  userId: '$.detail.payload.acc_id',
  payload: '$.detail.payload',
  systemstring: '$.detail.awsAccountId',
  listsingle: '$.detail.listsingle',
  listmulti: '$.detail.listmulti',
  valid: '$.detail.valid',
};
const STRING_TEMPLATE = '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"';
const JSON_TEMPLATE = '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}';

/** An event as the bus builds it; values the recording normalised are restored by `normalise`. */
const makeEvent = (detail: unknown): Record<string, unknown> => ({
  version: '0',
  id: 'b3a1c0de-0000-4000-8000-000000000001',
  'detail-type': DETAIL_TYPE,
  source: DETAIL_TYPE,
  account: '111111111111',
  time: '2025-10-15T13:11:55Z',
  region: 'us-east-1',
  resources: [],
  detail,
});
const RULE = {
  ruleArn: 'arn:aws:events:us-east-1:111111111111:rule/my-bus/my-rule',
  ruleName: 'my-rule',
  ingestionTime: '2025-10-15T13:11:56Z',
};

const normalise = (text: string): string =>
  text
    .replaceAll('b3a1c0de-0000-4000-8000-000000000001', '<uuid>')
    .replaceAll('"time":"2025-10-15T13:11:55Z"', '"time":"date"')
    .replaceAll('2025-10-15T13:11:55Z', 'date')
    .replaceAll('2025-10-15T13:11:56Z', 'date')
    .replaceAll('us-east-1', '<region>')
    .replaceAll('my-bus', '<bus-name>')
    .replaceAll('my-rule', '<rule-name>')
    .replaceAll('arn:aws:', 'arn:<partition>:');

interface Delivery {
  readonly spec: TargetInputSpec;
  readonly detail: unknown;
}

/** The recorded snapshot key -> the deliveries it recorded (keyed like the recording). */
const casesFor = (test: string, param: string | undefined): Record<string, Delivery> | undefined => {
  const transformer = (InputPathsMap: Record<string, string> | undefined, InputTemplate: string) => ({
    spec: { InputTransformer: { InputPathsMap, InputTemplate } },
    detail: TEST_DETAIL,
  });
  switch (test) {
    case 'test_put_events_with_input_path':
      return { message: { spec: { InputPath: '$.detail' }, detail: TEST_DETAIL } };
    case 'test_put_events_with_input_path_nested':
      return {
        message: {
          spec: { InputPath: '$.detail.payload' },
          detail: param === 'event_detail1' ? DUPLICATED_KEY_DETAIL : TEST_DETAIL,
        },
      };
    case 'test_put_events_with_input_path_max_level_depth':
      return { message: { spec: { InputPath: '$.detail.payload.sf_id' }, detail: TEST_DETAIL } };
    case 'test_put_events_with_input_path_multiple_targets':
      return {
        'message-queue-1': { spec: { InputPath: '$.detail' }, detail: TEST_DETAIL },
        'message-queue-2': { spec: {}, detail: TEST_DETAIL },
      };
    case 'test_put_events_with_input_transformer_input_template_string':
    case 'test_put_events_with_input_transformer_input_template_json': {
      const template = param ?? (test.endsWith('json') ? JSON_TEMPLATE : STRING_TEMPLATE);
      return {
        'custom-variables-match-all': transformer(MATCH_ALL, template),
        'custom-variables-not-match-all': transformer(NOT_MATCH_ALL, template),
      };
    }
    case 'test_input_transformer_predefined_variables':
      return { messages: transformer(undefined, param ?? '') };
    case 'test_input_transformer_nested_keys_replacement':
      return {
        'input-transformed-messages': {
          spec: { InputTransformer: { InputPathsMap: NESTED_MAP, InputTemplate: param ?? '' } },
          detail: SPECIAL_DETAIL,
        },
      };
    default:
      return undefined;
  }
};

const parseKey = (key: string): { test: string; param: string | undefined } => {
  const name = key.split('::').pop() ?? key;
  const open = name.indexOf('[');
  if (open < 0) return { test: name, param: undefined };
  return { test: name.slice(0, open), param: name.slice(open + 1, -1).replaceAll('\\n', '\n') };
};

describeRecorded('target input rendering agrees with AWS recordings', () => {
  const recorded = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Record<
    string,
    { 'recorded-content': Record<string, unknown> }
  >;
  const entries = Object.entries(recorded);

  it('covers all 31 recorded cases', () => {
    expect(entries).toHaveLength(31);
    expect(entries.filter(([key]) => !casesFor(parseKey(key).test, parseKey(key).param)).map(([k]) => k)).toEqual([
      expect.stringContaining('test_put_events_with_input_transformer_missing_keys'),
      expect.stringContaining('test_put_event_input_path_and_input_transformer'),
    ]);
  });

  it.each(entries)('%s', (key, { 'recorded-content': content }) => {
    const { test, param } = parseKey(key);
    if (test === 'test_put_events_with_input_transformer_missing_keys') {
      expect(() =>
        validateTargetInput({
          Id: '<target-id>',
          InputTransformer: {
            InputPathsMap: MATCH_ALL,
            InputTemplate: '"Event of <detail-type> type, with not defined key <notdefinedkey>"',
          },
        }),
      ).toThrow((content['missing-key-exception-error'] as { Error: { Message: string } }).Error.Message);
      return;
    }
    if (test === 'test_put_event_input_path_and_input_transformer') {
      expect(() =>
        validateTargetInput({
          Id: '<target-id>',
          InputPath: '$.detail',
          InputTransformer: { InputPathsMap: MATCH_ALL, InputTemplate: JSON_TEMPLATE },
        }),
      ).toThrow((content['duplicated-input-operations-error'] as { Error: { Message: string } }).Error.Message);
      return;
    }
    const cases = casesFor(test, param)!;
    for (const [name, { spec, detail }] of Object.entries(cases)) {
      validateTargetInput(spec);
      const messages = content[name] as { Body: unknown }[] | undefined;
      if (messages === undefined) {
        // Recorded nothing: AWS delivered nothing for this template.
        expect(() => renderTargetInput(spec, makeEvent(detail), RULE)).toThrow(InputTransformError);
        continue;
      }
      const body = normalise(renderTargetInput(spec, makeEvent(detail), RULE));
      // Recorded ids are numbered per case (<uuid:2>, <uuid:3>): one marker is enough here.
      const expected = JSON.parse(JSON.stringify(messages[0]!.Body).replace(/<uuid:\d+>/g, '<uuid>'));
      if (typeof expected === 'string') expect(body).toBe(expected);
      else expect(normaliseTime(JSON.parse(body))).toEqual(expected);
    }
  });
});

/** The recording replaced the envelope time of `<aws.events.event>` with a marker. */
const normaliseTime = (body: Record<string, unknown>): Record<string, unknown> => {
  const original = body.originalEvent as Record<string, unknown> | undefined;
  return original ? { ...body, originalEvent: { ...original, time: '<ingestion-time>' } } : body;
};

describe('target input rendering', () => {
  const event = makeEvent({ name: 'He said "hi"', count: 2, tags: ['a'] });

  it('delivers the whole event as JSON when no input is configured', () => {
    expect(JSON.parse(renderTargetInput({}, event, RULE))).toEqual(event);
  });

  it('delivers a constant Input unchanged', () => {
    expect(renderTargetInput({ Input: '{"fixed":true}' }, event, RULE)).toBe('{"fixed":true}');
  });

  it('escapes quotes of a string placed inside a JSON string so the result stays valid JSON', () => {
    const spec = { InputTransformer: { InputPathsMap: { n: '$.detail.name' }, InputTemplate: '{"msg": "Name: <n>"}' } };
    expect(JSON.parse(renderTargetInput(spec, event, RULE))).toEqual({ msg: 'Name: He said "hi"' });
  });

  it('keeps numbers typed in a JSON template', () => {
    const spec = { InputTransformer: { InputPathsMap: { c: '$.detail.count' }, InputTemplate: '{"count": <c>}' } };
    expect(JSON.parse(renderTargetInput(spec, event, RULE))).toEqual({ count: 2 });
  });

  it('reads list elements by index in a path', () => {
    const spec = { InputTransformer: { InputPathsMap: { t: '$.detail.tags[0]' }, InputTemplate: '"tag <t>"' } };
    expect(renderTargetInput(spec, event, RULE)).toBe('"tag a"');
  });

  it('rejects a paths map key starting with AWS', () => {
    expect(() =>
      validateTargetInput({
        Id: 't',
        InputTransformer: { InputPathsMap: { AWSx: '$.id' }, InputTemplate: '"<AWSx>"' },
      }),
    ).toThrow('cannot start with AWS');
  });

  it('rejects an Input that is not JSON', () => {
    expect(() => validateTargetInput({ Id: 't', Input: 'not json' })).toThrow('valid JSON');
  });
});
