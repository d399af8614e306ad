/**
 * Splicing edited leaves into the request bytes: on a body serialized by JSON.stringify the
 * result is byte-identical to editing the parsed body and serializing it again; on any other
 * formatting it parses to the same value; and it refuses whenever the bytes could carry text the
 * parsed body does not (repeated keys) or it cannot tell.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addLeaves } from '../../src/dialects/walk.js';
import { setAt } from '../../src/dialects/json-path.js';
import type { Segment } from '../../src/dialects/types.js';
import { spliceJson, type KnownValue, type LeafEdit } from '../../src/redact/json-splice.js';

const clone = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

/** Keys without escapes or non-ASCII (the splice refuses those), none integer-like (JSON.stringify moves those first). */
const KEY = fc.stringMatching(/^[a-zA-Z_ $./-]{0,6}$/);
const TEXT = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('"', '\\', '\\"', 'a"b\\', '\n\t', '\u2028', '\ud800', 'é/ü', '😀'),
);
const JSON_VALUE = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    TEXT,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(KEY, tie('value'), { maxKeys: 4 }),
  ),
})).value;

function leaves(body: unknown): Segment[] {
  const out: Segment[] = [];
  addLeaves(out, body, [], 'user');
  return out.filter((s) => s.path.length > 0 && !s.key);
}

/** Reformats JSON text with whitespace everywhere it may go. */
function spaced(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    out += c;
    if (inString) {
      if (c === '\\') out += text[++i] as string;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ',' || c === ':' || c === '{' || c === '[') out += ' \n\t';
  }
  return ` ${out} \r\n`;
}

/** Edits of distinct string leaves of `value`, each picked by a number (modulo the leaves). */
function pickEdits(value: unknown, picks: readonly [number, string][]): LeafEdit[] {
  const segs = leaves(value);
  const edits: LeafEdit[] = [];
  const used = new Set<number>();
  for (const [k, text] of picks) {
    if (segs.length === 0) break;
    const at = k % segs.length;
    if (used.has(at)) continue;
    used.add(at);
    edits.push({ path: (segs[at] as Segment).path, text });
  }
  return edits;
}

describe('spliceJson', () => {
  it('gives the bytes JSON.stringify gives for the edited body', () => {
    fc.assert(
      fc.property(JSON_VALUE, fc.array(fc.tuple(fc.nat(), TEXT), { maxLength: 5 }), (value, picks) => {
        const edits = pickEdits(value, picks);
        const raw = Buffer.from(JSON.stringify(value));
        const expected = clone(value);
        for (const e of edits) setAt(expected, e.path, e.text);
        const out = spliceJson(raw, edits);
        assert.ok(out, 'splice refused');
        assert.equal(out.toString('utf8'), JSON.stringify(expected));
        // Any other formatting: the same value.
        const loose = spliceJson(Buffer.from(spaced(JSON.stringify(value))), edits);
        assert.ok(loose, 'splice refused spaced JSON');
        assert.deepEqual(JSON.parse(loose.toString('utf8')), expected);
        // Written over the input when the caller gives it up: the same bytes, whether or not
        // the output ever gets ahead of the input (then a new buffer is made).
        for (const text of [JSON.stringify(value), spaced(JSON.stringify(value))]) {
          const given = Buffer.from(`${text}${'#'.repeat(7)}`).subarray(0, Buffer.byteLength(text));
          const want = spliceJson(Buffer.from(text), edits);
          const got = spliceJson(given, edits, undefined, { inPlace: true });
          assert.equal(got?.toString('latin1'), want?.toString('latin1'));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same bytes with known values (top-level and turns), edited or not, call after call', () => {
    // A known value is the same object whenever its bytes are the same, as the parser gives it.
    const objects = new Map<string, object>();
    const known = (raw: Buffer, body: Record<string, unknown>, spacedOut: boolean): KnownValue[] => {
      if (spacedOut) return [];
      const out: KnownValue[] = [];
      let at = 1;
      for (const [key, value] of Object.entries(body)) {
        at += Buffer.byteLength(JSON.stringify(key)) + 1;
        const bytes = JSON.stringify(value);
        const len = Buffer.byteLength(bytes);
        const shared = (text: string): object => {
          let o = objects.get(text);
          if (o === undefined) objects.set(text, (o = {}));
          return o;
        };
        if (value !== null && typeof value === 'object') {
          if (key === 'messages' && Array.isArray(value)) {
            let el = at + 1;
            value.forEach((turn, index) => {
              const t = JSON.stringify(turn);
              const n = Buffer.byteLength(t);
              if (turn !== null && typeof turn === 'object')
                out.push({ key, index, start: el, end: el + n, value: shared(`${key}#${t}`) });
              el += n + 1;
            });
          } else out.push({ key, start: at, end: at + len, value: shared(`${key}:${bytes}`) });
        }
        assert.equal(raw.toString('utf8', at, at + len), bytes);
        at += len + 1;
      }
      return out;
    };
    const BODY = fc.record({
      system: fc.oneof(
        JSON_VALUE,
        fc.array(fc.dictionary(KEY, JSON_VALUE, { maxKeys: 3 }), { maxLength: 3 }),
      ),
      messages: fc.array(fc.oneof(JSON_VALUE, fc.dictionary(KEY, JSON_VALUE, { maxKeys: 3 })), {
        maxLength: 4,
      }),
      tools: JSON_VALUE,
      model: TEXT,
    });
    fc.assert(
      fc.property(BODY, fc.array(fc.tuple(fc.nat(), TEXT), { maxLength: 5 }), (body, picks) => {
        const edits = pickEdits(body, picks);
        const raw = Buffer.from(JSON.stringify(body));
        const want = spliceJson(raw, edits)?.toString('latin1');
        // Twice: the second time from the places kept per known value; then with fewer edits.
        for (const list of [edits, edits, edits.slice(1)]) {
          const expected = list === edits ? want : spliceJson(raw, list)?.toString('latin1');
          const got = spliceJson(Buffer.from(raw), list, known(raw, body, false));
          assert.equal(got?.toString('latin1'), expected);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('writes over the input only when the output is never ahead of it', () => {
    const raw = Buffer.from('{"a":"/home/alice/long/path","b":"x","c":"/home/alice/long/path"}');
    const shorter = [
      { path: ['a'], text: '/home/u' },
      { path: ['c'], text: '/home/u/p' },
    ];
    const out = spliceJson(raw, shorter, undefined, { inPlace: true });
    assert.equal(out?.toString(), '{"a":"/home/u","b":"x","c":"/home/u/p"}');
    assert.ok(out && raw.subarray(0, out.length).equals(out), 'written over the input');
    // Longer first, shorter later: ahead after the first edit, so a new buffer.
    const raw2 = Buffer.from('{"a":"x","b":"/home/alice/long/path/and/more"}');
    const mixed = [
      { path: ['a'], text: 'xxxxxx' },
      { path: ['b'], text: '/h' },
    ];
    const out2 = spliceJson(raw2, mixed, undefined, { inPlace: true });
    assert.equal(out2?.toString(), '{"a":"xxxxxx","b":"/h"}');
    assert.equal(raw2.toString(), '{"a":"x","b":"/home/alice/long/path/and/more"}');
  });

  it('returns the bytes themselves when nothing is edited', () => {
    const raw = Buffer.from('{"a":"b"}');
    assert.equal(spliceJson(raw, []), raw);
  });

  it('keeps the bytes around the edited leaves as they were', () => {
    const raw = Buffer.from('{ "model" : "m",\n "messages": [ {"content": "at /home/alice\\/x \\u00e9"} ] }');
    const out = spliceJson(raw, [{ path: ['messages', 0, 'content'], text: 'at /home/user/x é' }]);
    assert.equal(out?.toString(), '{ "model" : "m",\n "messages": [ {"content": "at /home/user/x é"} ] }');
  });

  it('refuses a body with a repeated key, anywhere', () => {
    const edits = [{ path: ['system'], text: 'clean' }];
    assert.equal(spliceJson(Buffer.from('{"system":"/home/a","system":"/home/b"}'), edits), undefined);
    assert.equal(
      spliceJson(Buffer.from('{"system":"/home/a","tools":[{"x":1,"y":{},"x":"/home/b"}]}'), edits),
      undefined,
    );
    // The same key in different objects is fine.
    assert.ok(spliceJson(Buffer.from('{"system":"/home/a","t":[{"x":1},{"x":2}],"u":{"x":3}}'), edits));
  });

  it('refuses keys it cannot compare byte for byte, and paths that are not string leaves', () => {
    const edits = [{ path: ['system'], text: 'clean' }];
    assert.equal(spliceJson(Buffer.from('{"system":"a","sys\\u0074em":"b"}'), edits), undefined);
    assert.equal(spliceJson(Buffer.from('{"système":"a","system":"b"}'), edits), undefined);
    assert.equal(spliceJson(Buffer.from('{"system":["a"]}'), edits), undefined);
    assert.equal(spliceJson(Buffer.from('{"system":1}'), edits), undefined);
    assert.equal(spliceJson(Buffer.from('{"other":"a"}'), edits), undefined);
    assert.equal(spliceJson(Buffer.from('{"system":"a"}'), [{ path: ['system', 0], text: 'x' }]), undefined);
  });
});
