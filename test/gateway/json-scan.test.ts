/** The no-inspector body check accepts exactly what JSON.parse accepts and finds the same model. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  JsonStreamScan,
  jsonScanBuild,
  scanJson,
  scanJsonBytes,
  scanJsonChunks,
  type JsonScan,
} from '../../src/gateway/json-scan.js';

/** What the gateway did before the scan: JSON.parse, and the top-level model when a string. */
function reference(bytes: Buffer): { ok: boolean; model?: string } {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false };
  }
  const model =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>).model
      : undefined;
  return { ok: true, model: typeof model === 'string' ? model : undefined };
}

/** The streamed scan of `bytes` cut into chunks of `size` bytes (the last may be shorter). */
function streamed(bytes: Buffer, size: number): JsonScan | undefined | 'over capacity' {
  const scan = JsonStreamScan.open(bytes.length);
  if (!scan) return 'over capacity';
  try {
    let ok = true;
    for (let at = 0; at < bytes.length; at += size) {
      // Once the bytes so far cannot begin a JSON text, no later chunk changes that.
      scan.append(bytes.subarray(at, at + size));
      const more = scan.advance();
      assert.ok(ok || !more, 'a refused prefix was accepted again');
      ok = more;
    }
    const got = scan.finish();
    assert.ok(ok || got === undefined, 'a refused prefix ended as JSON');
    return got;
  } finally {
    scan.release();
  }
}

/**
 * Scans `bytes` at every alignment (the word-at-a-time string scan depends on it), with what the
 * gateway calls (the WebAssembly build up to 1 MiB) and with the TypeScript scanner alone.
 */
function check(bytes: Buffer): void {
  const want = reference(bytes);
  for (let shift = 0; shift < 4; shift++) {
    const holder = Buffer.alloc(bytes.length + shift + 3, 0x22);
    bytes.copy(holder, shift);
    for (const [build, scan] of [
      ['gateway', scanJson],
      ['typescript', scanJsonBytes],
    ] as const) {
      const got = scan(holder.subarray(shift, shift + bytes.length));
      const label = `${build}: ${JSON.stringify(bytes.toString('latin1').slice(0, 200))} at shift ${shift}`;
      assert.equal(got !== undefined, want.ok, label);
      if (got) assert.equal(got.model, want.model, label);
    }
  }
  // As the gateway scans a body that arrives in chunks: every cut must give the same verdict.
  const sizes = [7, 16, 17, 1000, 65_536];
  if (bytes.length <= 3000) sizes.push(1, 2, 3);
  for (const size of sizes) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
    const whole = scanJsonChunks(chunks, bytes.length);
    const label = `read whole in ${size}-byte chunks: ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`;
    assert.equal(whole !== undefined, want.ok, label);
    if (whole) assert.equal(whole.model, want.model, label);
  }
  for (const size of sizes) {
    const got = streamed(bytes, size);
    if (got === 'over capacity') break;
    const label = `streamed in ${size}-byte chunks: ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`;
    assert.equal(got !== undefined, want.ok, label);
    if (got) assert.equal(got.model, want.model, label);
  }
}

const ALPHABET = [
  ...'{}[]":,\\/ \t\r\n0123456789-+.eEtrufalsnbx',
  'model',
  '\\u00',
  '\u00e9',
  '\u2028',
  '\x00',
  '\x1f',
];

describe('scanJson', () => {
  test('hand-picked cases', () => {
    const cases = [
      '',
      ' ',
      '{}',
      '[]',
      ' { } ',
      '{"model":"m"}',
      '{"model":"m","model":"n"}',
      '{"model":"m","model":3}',
      '{"model":{"model":"inner"}}',
      '{"a":{"model":"inner"}}',
      '[{"model":"m"}]',
      '{"mod\\u0065l":"esc"}',
      '{"model":"caf\\u00e9 \\"q\\" \\\\"}',
      '{"model":"\u00e9t\u00e9"}',
      '{"model":"a\nb"}',
      '{"model":"a\\x"}',
      '{"model":"\\u12"}',
      '{"model":"\\u12G4"}',
      '"model"',
      '0',
      '-0',
      '01',
      '1.',
      '.5',
      '1e',
      '1e+',
      '1E-7',
      '-',
      '+1',
      '1.5e10',
      'true',
      'tru',
      'nul',
      'false ',
      'null x',
      '{"a":1,}',
      '[1,]',
      '[,1]',
      '{"a" 1}',
      '{a:1}',
      '{"a":1 "b":2}',
      '[[[[]]]]',
      '[[[[]]]',
      '{"x":[1,{"y":[true,false,null]}],"model":"last"}',
      '\ufeff{}',
      '{"a":"\u2028"}',
    ];
    for (const text of cases) check(Buffer.from(text));
  });

  test('malformed UTF-8 inside and outside strings', () => {
    check(Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xe2, 0x22, 0x7d])); // {"m":"\xe2"}
    check(Buffer.from([0x22, 0xff, 0xfe, 0x22]));
    check(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])); // BOM
    check(Buffer.from([0x7b, 0x7d, 0xc3]));
    check(Buffer.concat([Buffer.from('{"model":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
  });

  test('the gateway runs the WebAssembly build on this runtime', () => {
    assert.equal(jsonScanBuild, 'wasm');
  });

  test('long strings: escapes, quotes and control characters at every place of a 16-byte block', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ minLength: 0, maxLength: 40 }),
            fc.constantFrom('\\', '\\n', '\\"', '\\u00e9', '\\x', '"', '\n', '\u0001', '\u00e9'),
          ),
          { maxLength: 30 },
        ),
        (parts) => {
          check(Buffer.from(`{"model":"m","t":"${parts.join('')}"}`));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('escapes, quotes and runs of backslashes at every place across 64-byte blocks', () => {
    // The WebAssembly build reads strings 64 bytes at a time and carries an open escape from one
    // block to the next: every token at every offset around the first two block edges.
    const tokens = ['\\', '\\\\', '\\\\\\', '\\"', '\\\\"', '\\\\\\"', '\\u00e9', '\\u00', '\\x'];
    tokens.push('"', '\n', '\u0001', '\u00e9', '\\/', '\\n\\t\\r\\b\\f');
    for (let at = 0; at < 140; at++) {
      for (const token of tokens) {
        check(Buffer.from(`{"model":"m","t":"${'a'.repeat(at)}${token}${'b'.repeat(70)}"}`));
        check(Buffer.from(`{"t":"${'a'.repeat(at)}${token}"}`));
      }
    }
  });

  test('a body over the WebAssembly capacity (1 MiB) is scanned by the TypeScript build', () => {
    check(Buffer.from(JSON.stringify({ model: 'big', text: 'x\n'.repeat(400_000) })));
    check(Buffer.from(`${JSON.stringify({ model: 'big', text: 'x'.repeat(1_100_000) }).slice(0, -2)}`));
  });

  test('deep nesting is accepted as JSON.parse accepts it', () => {
    check(Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`));
    check(Buffer.from(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`));
  });

  test('serialized JSON values, compact and indented', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.option(fc.string({ maxLength: 20 })), (value, model) => {
        const body =
          value !== null && typeof value === 'object' && !Array.isArray(value) && model !== null
            ? { ...value, model }
            : value;
        check(Buffer.from(JSON.stringify(body)));
        check(Buffer.from(JSON.stringify(body, null, 2)));
      }),
      { numRuns: 500 },
    );
  });

  test('random texts and mutated JSON agree with JSON.parse', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 40 }), (parts) => {
        check(Buffer.from(parts.join('')));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('replace', 'insert', 'delete', 'truncate'),
        (value, at, byte, op) => {
          const bytes = Buffer.from(JSON.stringify({ model: 'm', value }));
          const k = at % bytes.length;
          let mutated: Buffer;
          if (op === 'replace') {
            mutated = Buffer.from(bytes);
            mutated[k] = byte;
          } else if (op === 'insert') {
            mutated = Buffer.concat([bytes.subarray(0, k), Buffer.from([byte]), bytes.subarray(k)]);
          } else if (op === 'delete') {
            mutated = Buffer.concat([bytes.subarray(0, k), bytes.subarray(k + 1)]);
          } else {
            mutated = bytes.subarray(0, k);
          }
          check(mutated);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('a real Claude Code request', () => {
    const capture = JSON.parse(
      readFileSync(new URL('../fixtures/captures/claude.json', import.meta.url), 'utf8'),
    ) as { requests: { body: unknown }[] };
    for (const r of capture.requests) check(Buffer.from(JSON.stringify(r.body)));
  });
});
