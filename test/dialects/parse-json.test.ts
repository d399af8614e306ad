/** parseJsonBytes gives exactly what JSON.parse(bytes.toString('utf8')) gives: value, key order, error. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isShared, parseJsonBytes, stableRanges } from '../../src/dialects/parse-json.js';
import { CAPTURED_CLIS, loadCapture } from '../helpers/captures.js';

function outcome(
  parse: () => unknown,
): { ok: true; value: unknown; text: string } | { ok: false; error: string } {
  try {
    const value = parse();
    // deepStrictEqual ignores key order; the serialization does not.
    return { ok: true, value, text: JSON.stringify(value) };
  } catch (err) {
    return { ok: false, error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

function check(bytes: Buffer): void {
  const want = outcome(() => JSON.parse(bytes.toString('utf8')));
  const got = outcome(() => parseJsonBytes(bytes));
  const label = JSON.stringify(bytes.toString('latin1'));
  assert.deepStrictEqual(got, want, label);
  if (got.ok && got.value !== null && typeof got.value === 'object')
    assert.equal(
      Object.getPrototypeOf(got.value),
      Object.getPrototypeOf((want as { value: object }).value),
      label,
    );
}

const PIECES = [
  ...'{}[]":,\\ 0123456789-.eE',
  'true',
  'null',
  'a',
  'key',
  '__proto__',
  '\\u00e9',
  '\\u00C3\\u00A9',
  '\\u0041',
  '\\ud83d\\ude00',
  '\\ud83d',
  '\\n',
  '\\"',
  '\\\\',
  '\\/',
];
/** Raw byte runs: valid UTF-8, truncated sequences, stray continuation bytes, overlongs. */
const RAW: number[][] = [
  [0xc3, 0xa9],
  [0xe2, 0x80, 0x94],
  [0xf0, 0x9f, 0x98, 0x80],
  [0xc3],
  [0xe2, 0x80],
  [0x80],
  [0xbf, 0xbf],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xff],
  [0xef, 0xbb, 0xbf],
];

describe('parseJsonBytes', () => {
  test('hand-picked cases', () => {
    const cases: (string | Buffer)[] = [
      '',
      '{}',
      '[]',
      '"plain"',
      '"caf\u00e9"',
      '{"a":"caf\u00e9 \u2014 \u{1f600}","b":["\u00e9",1,{"c":"x\u00e9y\\n\u00e9"}]}',
      '{"a":"\\u00e9 \u00e9"}',
      '{"a":"\\\\u00ff \u00e9"}',
      '{"a":"\\\\\\u00ff \u00e9"}',
      '{"a":"\\\\\\\\u00e9 \u00e9","b":"\\u00C3"}',
      '{"a":"\\u00c3\\u00a9"}',
      '{"a":"\u00c3\u00a9"}',
      '{"a":"\\u2014\u2014\\u2014"}',
      '{"\u00e9":"x"}',
      '{"\u00e9":"x","\u00e9":"y"}',
      '{"__proto__":"\u00e9"}',
      '{"__proto__":{"a":"\u00e9"}}',
      '{"a":1,"a":"\u00e9"}',
      '{"a":"\u00e9","a":2}',
      '{"2":"\u00e9","1":"x","b":"y"}',
      '"\u00e9',
      '{"a":\u00e9}',
      '\u00e9',
      '\ufeff{}',
      '{"a":"\u2028\u2029"}',
      Buffer.from([0x22, 0xc3, 0x22]),
      Buffer.from([0x22, 0xc3, 0x5c, 0x6e, 0xa9, 0x22]),
      Buffer.from([0x22, 0xe2, 0x80, 0x41, 0x22]),
      Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x2c, 0x22, 0xfe, 0x22, 0x5d]),
      Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x2c, 0x22, 0xfe, 0x22, 0x3a, 0x32, 0x7d]),
    ];
    for (const c of cases) check(typeof c === 'string' ? Buffer.from(c) : c);
  });

  test('the captured requests of real CLIs', () => {
    for (const cli of Object.keys(CAPTURED_CLIS)) {
      const capture = loadCapture(cli);
      for (const r of capture.requests) {
        const bytes = Buffer.from(JSON.stringify(r.body));
        check(bytes);
        // The same with every non-ASCII character escaped, and pretty-printed.
        check(
          Buffer.from(
            JSON.stringify(r.body).replace(
              /[\u0080-\uffff]/g,
              (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
            ),
          ),
        );
        check(Buffer.from(JSON.stringify(r.body, null, 2)));
      }
    }
  });

  test('random JSON values (serialized, with unicode)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }), fc.boolean(), (value, pretty) => {
        check(Buffer.from(JSON.stringify(value, null, pretty ? 1 : undefined)));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.json({ maxDepth: 3, stringUnit: 'binary' }), (text) => check(Buffer.from(text))),
      { numRuns: 300 },
    );
  });

  test('random byte soups of JSON pieces and raw non-ASCII bytes', () => {
    const piece = fc.oneof(
      fc.constantFrom(...PIECES).map((p) => Buffer.from(p)),
      fc.constantFrom(...RAW).map((r) => Buffer.from(r)),
      fc.string({ unit: 'binary', maxLength: 4 }).map((s) => Buffer.from(s)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => check(Buffer.concat(pieces))),
      { numRuns: 3000 },
    );
    // Mostly valid: objects and arrays whose strings hold random bytes.
    const str = fc.array(piece, { maxLength: 6 }).map((ps) => {
      const inner = Buffer.concat(ps);
      // Keep quotes and backslashes from ending or breaking the string.
      const safe = Buffer.from(inner.map((b) => (b === 0x22 || b === 0x5c || b < 0x20 ? 0x78 : b)));
      return Buffer.concat([Buffer.from('"'), safe, Buffer.from('"')]);
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(str, str), { maxLength: 6 }),
        fc.array(str, { maxLength: 6 }),
        (pairs, items) => {
          const obj = Buffer.concat([
            Buffer.from('{'),
            ...pairs.flatMap(([k, v], i) => [...(i > 0 ? [Buffer.from(',')] : []), k, Buffer.from(':'), v]),
            Buffer.from('}'),
          ]);
          check(obj);
          const arr = Buffer.concat([
            Buffer.from('['),
            ...items.flatMap((v, i) => [...(i > 0 ? [Buffer.from(',')] : []), v]),
            Buffer.from(']'),
          ]);
          check(arr);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('stable top-level values come from the cache, exactly and frozen', () => {
    const tools = Array.from({ length: 30 }, (_, k) => ({
      name: `tool_${k}`,
      description: `Does thing ${k} \u2014 caf\u00e9 — café `.repeat(3),
      input_schema: { type: 'object', properties: { p: { type: 'string' } } },
    }));
    const system = [{ type: 'text', text: 'You are a helpful assistant → '.repeat(60) }];
    const body = (messages: unknown[], extra = '') =>
      `{"model":"m","messages":${JSON.stringify(messages)},"system":${JSON.stringify(system)},"tools":${JSON.stringify(tools)}${extra},"metadata":{"user_id":"u"}}`;
    const m1 = [{ role: 'user', content: 'hi é' }];
    const m2 = [...m1, { role: 'assistant', content: 'ok' }];
    for (const text of [body(m1), body(m1), body(m2), body(m2, ',"x":1')]) {
      const bytes = Buffer.from(text);
      check(bytes);
      const got = parseJsonBytes(bytes) as Record<string, unknown>;
      assert.ok(isShared(got.tools) && isShared(got.system), 'remembered values are frozen');
      assert.ok(!isShared(got.messages) && !isShared(got), "the rest is the request's own");
      const ranges = stableRanges(got) ?? [];
      assert.deepEqual(
        ranges.map((r) => [r.key, bytes.toString('utf8', r.start, r.end)]),
        [
          ['system', JSON.stringify(system)],
          ['tools', JSON.stringify(tools)],
        ],
      );
    }
    // Shared between requests: the same objects.
    const a = parseJsonBytes(Buffer.from(body(m1))) as Record<string, unknown>;
    const b = parseJsonBytes(Buffer.from(body(m2))) as Record<string, unknown>;
    assert.equal(a.tools, b.tools);
    // Changed, repeated, escaped, broken: still exactly JSON.parse.
    const big = JSON.stringify(tools);
    const variants = [
      body(m1).replace('tool_3', 'tool_X'),
      `{"tools":[],"tools":${big}}`,
      `{"tools":${big},"tools":[]}`,
      `{"tools":${big},"tools":${big}}`,
      `{"tool\\u0073":${big}}`,
      `{"tools":${big} , "system" : ${big} }`,
      `{"tools":${big}`,
      `{"tools":${big},}`,
      `{"tools":${big}}x`,
      `{"tools":${big}} `,
      `{"tools":${big.slice(0, -1)}}`,
      `{"tools":${big},"é":1}`,
      `{"tools":"${'long string '.repeat(200)}"}`,
      `[${big}]`,
    ];
    for (const v of variants) {
      check(Buffer.from(v));
      check(Buffer.from(v));
    }
  });

  test('turns of the conversation come from the cache, exactly and frozen', () => {
    const turn = (k: number, extra = '') => ({
      role: k % 2 === 0 ? 'user' : 'assistant',
      content: [{ type: 'text', text: `turn ${k} → ${extra}${'words of the conversation é '.repeat(12)}` }],
    });
    const small = { role: 'user', content: 'short' };
    const body = (key: string, turns: unknown[], rest = '') =>
      `{"model":"m",${JSON.stringify(key)}:${JSON.stringify(turns)}${rest},"stream":true}`;
    for (const key of ['messages', 'contents', 'input']) {
      const turns = [turn(0), small, turn(1), turn(2)];
      for (let n = 1; n <= turns.length; n++) {
        const bytes = Buffer.from(body(key, turns.slice(0, n)));
        check(bytes);
        const got = parseJsonBytes(bytes) as Record<string, unknown[]>;
        const list = got[key]!;
        assert.ok(!isShared(list), 'the array itself is the request’s own');
        list.forEach((t, i) => assert.equal(isShared(t), i !== 1, `turn ${i}: remembered unless short`));
      }
      // The same turn object again, also at another index; a changed turn is parsed anew.
      const a = parseJsonBytes(Buffer.from(body(key, [turn(0), turn(1)]))) as Record<string, unknown[]>;
      const b = parseJsonBytes(Buffer.from(body(key, [turn(1)]))) as Record<string, unknown[]>;
      assert.equal(a[key]![1], b[key]![0]);
      const c = parseJsonBytes(Buffer.from(body(key, [turn(1, 'x')]))) as Record<string, unknown[]>;
      assert.notEqual(c[key]![0], b[key]![0]);
      assert.deepEqual(
        (stableRanges(a) ?? []).map((r) => [r.key, r.index]),
        [
          [key, 0],
          [key, 1],
        ],
      );
      // Repeated, spaced, nested, broken: still exactly JSON.parse.
      const t = JSON.stringify(turn(0));
      const variants = [
        `{${JSON.stringify(key)}:[],${JSON.stringify(key)}:[${t}]}`,
        `{${JSON.stringify(key)}:[${t}],${JSON.stringify(key)}:[]}`,
        `{${JSON.stringify(key)}: [ ${t} , ${t} ] }`,
        `{${JSON.stringify(key)}:[${t},]}`,
        `{${JSON.stringify(key)}:[${t}`,
        `{${JSON.stringify(key)}:[${t}]`,
        `{${JSON.stringify(key)}:[${t.slice(0, -1)}]}`,
        `{${JSON.stringify(key)}:[${t}] x}`,
        `{${JSON.stringify(key)}:[[${t}],{"a":${t}}]}`,
        `{${JSON.stringify(key)}:${JSON.stringify('a string ' + t)}}`,
        `{${JSON.stringify(key)}:[${t}],"é":1}`,
        `{"x":{${JSON.stringify(key)}:[${t}]}}`,
      ];
      for (const v of variants) {
        check(Buffer.from(v));
        check(Buffer.from(v));
      }
    }
  });

  test('random bodies with remembered values, changed between requests', () => {
    const value = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
    const bigArray = fc.array(value, { minLength: 1, maxLength: 8 }).map((items) => [
      ...items,
      'padding é '.repeat(120),
      // Turns long enough to be remembered (objects and arrays of 64 bytes and more).
      { role: 'user', content: ['padding é '.repeat(30), ...items] },
      ['padding é '.repeat(30), items],
    ]);
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('tools', 'system', 'messages', 'model', 'instructions', 'contents', 'input'),
            fc.oneof(value, bigArray),
          ),
          {
            maxLength: 5,
          },
        ),
        fc.nat(),
        (members, cut) => {
          const text = `{${members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
          check(Buffer.from(text));
          check(Buffer.from(text));
          // A truncated body after its values were remembered.
          check(Buffer.from(text.slice(0, cut % (text.length + 1))));
        },
      ),
      { numRuns: 300 },
    );
  });
});
