/**
 * Every `States.*` intrinsic function, with the examples and input rules of the Developer Guide page
 * "Intrinsic functions for JSONPath states in Step Functions". A failing intrinsic fails the state with
 * States.Runtime (which, like any States.Runtime, a States.ALL catcher does not catch).
 */
import { createHash } from 'node:crypto';
import { runDefinition } from '../../../../local/stepfunctions';
import { evalParameter, machine, pass } from './support';

/** Asserts the intrinsic fails the execution with States.Runtime. */
const expectFailure = async (expression: string, input: unknown = {}): Promise<void> => {
  const r = await evalParameter(expression, input);
  expect(r.error).toBe('States.Runtime');
};

describe('intrinsic syntax (Developer Guide "Intrinsic functions": .$ keys, nesting, reserved characters)', () => {
  it('evaluates an intrinsic only in a key ending in .$; elsewhere it is a plain string', async () => {
    const run = await runDefinition(
      machine({ A: pass({ Parameters: { 'on.$': "States.Array('x')", off: "States.Array('x')" } }) }),
      {},
    );
    expect(run.output).toEqual({ on: ['x'], off: "States.Array('x')" });
  });

  it('nests intrinsics, reading the input, the context object and variables as arguments', async () => {
    // The guide's example nests StringSplit/ArrayGetItem inside Format to pick parts of an ARN.
    const def = machine({
      Set: { Type: 'Pass', Assign: { suffix: '!' }, Next: 'A' },
      A: pass({
        Parameters: {
          'v.$':
            "States.Format('{}.{}{}', States.ArrayGetItem(States.StringSplit($.arn, '/'), 1), $$.State.Name, $suffix)",
        },
      }),
    });
    const run = await runDefinition(def, { arn: 'arn:aws:x:::recipe/name/1.0' });
    expect(run.output).toEqual({ v: 'name.A!' });
  });

  it('keeps an escaped backslash before a placeholder a backslash (\\\\{} is a backslash then a value)', async () => {
    // The intrinsic text (after JSON decoding) is: States.Format('a\\{}b', $.x)
    const r = await evalParameter("States.Format('a\\\\{}b', $.x)", { x: 'X' });
    expect(r.value).toBe('a\\Xb');
  });

  it('drops the escapes of reserved characters in arguments other than the Format template', async () => {
    const r = await evalParameter("States.Array('\\{x\\}', 'back\\\\slash')");
    expect(r.value).toEqual(['{x}', 'back\\slash']);
  });

  it("escapes the reserved characters ' { } \\ with a backslash", async () => {
    // The intrinsic text (after JSON decoding) is: States.Format('it\'s \{literal\} {} \\ end', $.x)
    const r = await evalParameter("States.Format('it\\'s \\{literal\\} {} \\\\ end', $.x)", { x: 'v' });
    expect(r.value).toBe("it's {literal} v \\ end");
  });
});

describe('States.Format (Developer Guide "Intrinsics for generic operations")', () => {
  it('interpolates the arguments into the {} placeholders in order', async () => {
    const r = await evalParameter("States.Format('Hello, my name is {} and I am {}.', $.name, $.age)", {
      name: 'Arnav',
      age: 30,
    });
    expect(r.value).toBe('Hello, my name is Arnav and I am 30.');
  });

  it('renders null and booleans as their JSON text', async () => {
    const r = await evalParameter("States.Format('{} {} {}', $.n, $.t, 1.5)", { n: null, t: true });
    expect(r.value).toBe('null true 1.5');
  });

  it('fails when there are fewer arguments than placeholders', async () => {
    await expectFailure("States.Format('{} and {}', 'one')");
  });

  it('fails when the template is not a string', async () => {
    await expectFailure('States.Format($.n)', { n: 1 });
  });
});

describe('States.StringToJson and States.JsonToString (Developer Guide "Intrinsics for JSON data manipulation")', () => {
  it('parses an escaped JSON string into JSON', async () => {
    const r = await evalParameter('States.StringToJson($.escaped)', { escaped: '{"foo": "bar", "n": [1, 2]}' });
    expect(r.value).toEqual({ foo: 'bar', n: [1, 2] });
  });

  it('serialises JSON data into a string', async () => {
    const r = await evalParameter('States.JsonToString($.data)', { data: { a: 1, b: ['x', null] } });
    expect(r.value).toBe('{"a":1,"b":["x",null]}');
  });

  it('round-trips: StringToJson(JsonToString(x)) is x', async () => {
    const data = { nested: { list: [1, 'two', { three: true }] } };
    const r = await evalParameter('States.StringToJson(States.JsonToString($.data))', { data });
    expect(r.value).toEqual(data);
  });

  it('fails StringToJson on text that is not JSON', async () => {
    await expectFailure('States.StringToJson($.s)', { s: '{not json' });
  });
});

describe('States.JsonMerge (Developer Guide: shallow merge, the second object wins)', () => {
  it('merges two objects shallowly: a key in both takes the second value as a whole', async () => {
    // The guide's example: nested objects under the same key are not merged.
    const r = await evalParameter('States.JsonMerge($.json1, $.json2, false)', {
      json1: { a: { a1: 1, a2: 2 }, b: 2 },
      json2: { a: { a3: 1, a4: 2 }, c: 3 },
    });
    expect(r.value).toEqual({ a: { a3: 1, a4: 2 }, b: 2, c: 3 });
  });

  it('fails when asked for a deep merge (true), which Step Functions does not support', async () => {
    await expectFailure('States.JsonMerge($.a, $.b, true)', { a: {}, b: {} });
  });

  it('fails when an argument is not an object', async () => {
    await expectFailure('States.JsonMerge($.a, $.b, false)', { a: [1], b: {} });
  });
});

describe('States.Array (Developer Guide "Intrinsics for arrays")', () => {
  it('builds an array of its arguments, of any type', async () => {
    const r = await evalParameter("States.Array('Foo', 2020, $.someJson, null)", { someJson: { random: 'abcdefg' } });
    expect(r.value).toEqual(['Foo', 2020, { random: 'abcdefg' }, null]);
  });

  it('builds an empty array without arguments', async () => {
    const r = await evalParameter('States.Array()');
    expect(r.value).toEqual([]);
  });
});

describe('States.ArrayPartition (Developer Guide "Intrinsics for arrays")', () => {
  it('splits the array into chunks of the given size, the last one shorter', async () => {
    const r = await evalParameter('States.ArrayPartition($.inputArray, 4)', {
      inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    });
    expect(r.value).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]]);
  });

  it('fails unless the chunk size is a positive integer ("a non-zero, positive integer")', async () => {
    await expectFailure('States.ArrayPartition($.a, 0)', { a: [1] });
    await expectFailure('States.ArrayPartition($.a, -1)', { a: [1] });
    await expectFailure('States.ArrayPartition($.a, 1.5)', { a: [1] });
  });

  it('fails when the first argument is not an array', async () => {
    await expectFailure('States.ArrayPartition($.a, 2)', { a: 'abc' });
  });
});

describe('States.ArrayContains (Developer Guide "Intrinsics for arrays")', () => {
  it('tells whether a value is in the array (true/false)', async () => {
    const input = { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9], lookingFor: 5, absent: 10 };
    expect((await evalParameter('States.ArrayContains($.inputArray, $.lookingFor)', input)).value).toBe(true);
    expect((await evalParameter('States.ArrayContains($.inputArray, $.absent)', input)).value).toBe(false);
  });

  it('compares objects by value', async () => {
    const r = await evalParameter('States.ArrayContains($.list, $.probe)', {
      list: [{ a: 1, b: 2 }, 'x'],
      probe: { b: 2, a: 1 },
    });
    expect(r.value).toBe(true);
  });
});

describe('States.ArrayRange (Developer Guide "Intrinsics for arrays": up to 1000 elements, integer arguments, non-zero step)', () => {
  it('counts from the first to the last value by the step', async () => {
    expect((await evalParameter('States.ArrayRange(1, 9, 2)')).value).toEqual([1, 3, 5, 7, 9]);
  });

  it('counts down with a negative step', async () => {
    expect((await evalParameter('States.ArrayRange(5, 1, -2)')).value).toEqual([5, 3, 1]);
  });

  it('accepts exactly 1000 elements', async () => {
    const r = await evalParameter('States.ArrayRange(1, 1000, 1)');
    expect((r.value as number[]).length).toBe(1000);
  });

  it('fails past 1000 elements', async () => {
    await expectFailure('States.ArrayRange(1, 1001, 1)');
  });

  it('fails on a zero step or a non-integer argument', async () => {
    await expectFailure('States.ArrayRange(1, 9, 0)');
    await expectFailure('States.ArrayRange(1.5, 9, 1)');
  });
});

describe('States.ArrayGetItem, States.ArrayLength, States.ArrayUnique (Developer Guide "Intrinsics for arrays")', () => {
  it('returns the item at a zero-based index', async () => {
    const r = await evalParameter('States.ArrayGetItem($.inputArray, $.index)', {
      inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9],
      index: 5,
    });
    expect(r.value).toBe(6);
  });

  it('fails ArrayGetItem when the index is not an integer', async () => {
    await expectFailure('States.ArrayGetItem($.a, 1.5)', { a: [1, 2] });
  });

  it('returns the length of an array', async () => {
    expect((await evalParameter('States.ArrayLength($.a)', { a: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).value).toBe(9);
    expect((await evalParameter('States.ArrayLength($.a)', { a: [] })).value).toBe(0);
  });

  it('removes duplicates, keeping the first occurrence order', async () => {
    const r = await evalParameter('States.ArrayUnique($.a)', { a: [1, 2, 3, 3, 3, 3, 3, 3, 4] });
    expect(r.value).toEqual([1, 2, 3, 4]);
  });

  it('fails ArrayLength and ArrayUnique on a non-array', async () => {
    await expectFailure('States.ArrayLength($.a)', { a: { length: 1 } });
    await expectFailure('States.ArrayUnique($.a)', { a: 'aab' });
  });
});

describe('States.Base64Encode and States.Base64Decode (Developer Guide "Intrinsics for data encoding and decoding")', () => {
  it('encodes the guide example "Data to encode"', async () => {
    const r = await evalParameter('States.Base64Encode($.input)', { input: 'Data to encode' });
    expect(r.value).toBe('RGF0YSB0byBlbmNvZGU=');
  });

  it('decodes it back', async () => {
    const r = await evalParameter('States.Base64Decode($.base64)', { base64: 'RGF0YSB0byBlbmNvZGU=' });
    expect(r.value).toBe('Data to encode');
  });

  it('encodes UTF-8 text', async () => {
    const r = await evalParameter('States.Base64Decode(States.Base64Encode($.s))', { s: 'crème brûlée ✓' });
    expect(r.value).toBe('crème brûlée ✓');
  });

  it('fails on a non-string argument', async () => {
    await expectFailure('States.Base64Encode($.n)', { n: 5 });
  });
});

describe('States.Hash (Developer Guide "Intrinsic for hash calculation": MD5, SHA-1, SHA-256, SHA-384, SHA-512)', () => {
  it('hashes the guide example "input data" with SHA-1', async () => {
    const r = await evalParameter('States.Hash($.Data, $.Algorithm)', { Data: 'input data', Algorithm: 'SHA-1' });
    expect(r.value).toBe('aaff4a450a104cd177d28d18d74485e8cae074b7');
  });

  it.each([
    ['MD5', 'md5'],
    ['SHA-1', 'sha1'],
    ['SHA-256', 'sha256'],
    ['SHA-384', 'sha384'],
    ['SHA-512', 'sha512'],
  ])('computes %s as a lowercase hex digest', async (algorithm, node) => {
    const r = await evalParameter(`States.Hash($.d, '${algorithm}')`, { d: 'dishpatch' });
    expect(r.value).toBe(createHash(node).update('dishpatch').digest('hex'));
  });

  it('fails on an algorithm outside the list', async () => {
    await expectFailure("States.Hash($.d, 'SHA-3')", { d: 'x' });
  });
});

describe('States.MathRandom and States.MathAdd (Developer Guide "Intrinsics for Math operations")', () => {
  it('returns an integer between the start and end numbers', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await evalParameter('States.MathRandom($.start, $.end)', { start: 1, end: 5 });
      expect(Number.isInteger(r.value)).toBe(true);
      expect(r.value).toBeGreaterThanOrEqual(1);
      expect(r.value).toBeLessThanOrEqual(5);
    }
  });

  it('returns the same number for the same seed', async () => {
    const input = { start: 1, end: 999, seed: 7 };
    const a = await evalParameter('States.MathRandom($.start, $.end, $.seed)', input);
    const b = await evalParameter('States.MathRandom($.start, $.end, $.seed)', input);
    expect(a.value).toBe(b.value);
  });

  it('adds two numbers (guide example: 111 + -1 = 110)', async () => {
    const r = await evalParameter('States.MathAdd($.value1, $.step)', { value1: 111, step: -1 });
    expect(r.value).toBe(110);
  });

  it('fails MathAdd on a non-number', async () => {
    await expectFailure('States.MathAdd($.a, 1)', { a: '1' });
  });
});

describe('States.StringSplit (Developer Guide "Intrinsic for String operation")', () => {
  it('splits on a delimiter', async () => {
    const r = await evalParameter('States.StringSplit($.inputString, $.splitter)', {
      inputString: '1,2,3,4,5',
      splitter: ',',
    });
    expect(r.value).toEqual(['1', '2', '3', '4', '5']);
  });

  it('treats each character of the delimiter string as a delimiter (guide example ",+")', async () => {
    const r = await evalParameter('States.StringSplit($.s, $.d)', { s: 'This,is+a,test+string', d: ',+' });
    expect(r.value).toEqual(['This', 'is', 'a', 'test', 'string']);
  });

  it('fails on a non-string argument', async () => {
    await expectFailure("States.StringSplit($.n, ',')", { n: 12 });
  });
});

describe('States.UUID (Developer Guide "Intrinsic for unique identifier generation")', () => {
  it('returns a version 4 UUID, a new one per call', async () => {
    const r = await evalParameter('States.Array(States.UUID(), States.UUID())');
    const [a, b] = r.value as string[];
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });
});

describe('intrinsic failures (Developer Guide "Handling errors": States.Runtime is not caught by States.ALL)', () => {
  it('fails the execution with States.Runtime, which a States.ALL catcher does not catch', async () => {
    const def = machine({
      A: {
        Type: 'Pass',
        Parameters: { 'v.$': 'States.ArrayRange(1, 9, 0)' },
        End: true,
      },
    });
    const run = await runDefinition(def, {});
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
  });

  it('rejects an unknown intrinsic name', async () => {
    await expectFailure("States.Nope('x')");
  });
});

describe('intrinsic argument counts (Developer Guide "Intrinsic functions": each function documents its arguments)', () => {
  it.each([
    'States.ArrayContains($.a)',
    'States.ArrayLength($.a, 1)',
    "States.Hash('x')",
    'States.JsonMerge($.o, $.o)',
    'States.MathAdd(1)',
    "States.UUID('x')",
  ])('fails %s, which has the wrong number of arguments', async (expression) => {
    await expectFailure(expression, { a: [1], o: {} });
  });
});
