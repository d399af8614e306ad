/** Shared checks for the dialect tests: fixture loading, round trips, answer streams. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { getAt, rebuild } from '../../src/dialects/json-path.js';
import type { AnswerField, Dialect, JsonPath, Segment } from '../../src/dialects/types.js';
import { parseEventData } from '../../src/sse/event-data.js';
import { SseParser, type SseEvent } from '../../src/sse/parser.js';

export function loadFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/requests/${name}`, import.meta.url), 'utf8');
}

/** Every string leaf of a JSON value with its path (an independent walker, for cross-checks). */
export function stringLeaves(value: unknown, path: JsonPath = []): { path: JsonPath; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
  }
  return [];
}

/** Every member name of a JSON value with the path of its object (the walker's Segment.key). */
export function memberNames(value: unknown, path: JsonPath = []): { path: JsonPath; text: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => memberNames(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [{ path, text: k }, ...memberNames(v, [...path, k])]);
  }
  return [];
}

/** A segment's place: a value's path, or a member name's object path and the name. */
const key = (path: JsonPath, name?: string) =>
  JSON.stringify(name === undefined ? path : [...path, { name }]);
const placeOf = (s: Segment) => key(s.path, s.key ? s.text : undefined);

/** The text a segment lists is there: the value at its path, or a member name of the object there. */
function assertListed(body: unknown, seg: Segment): void {
  const at = getAt(body, seg.path);
  if (seg.key)
    assert.ok(
      at !== null && typeof at === 'object' && Object.hasOwn(at, seg.text),
      `name at ${key(seg.path)}`,
    );
  else assert.equal(at, seg.text, `text at ${key(seg.path)}`);
}

const editOf = (s: Segment, text: string) =>
  s.key ? { path: s.path, text, from: s.text } : { path: s.path, text };

/**
 * The round-trip contract of segments() on one fixture, returning its segments:
 * - each segment's text is what sits at its path, and no path is listed twice;
 * - every string leaf that mentions a sentinel (planted wherever user data can be) is a segment;
 * - rebuild with no edits is JSON.stringify(JSON.parse(x));
 * - editing every segment and listing again gives the edited texts at the same paths, and
 *   writing the old texts back gives the original: edits touch nothing else.
 */
export function checkRoundTrip(
  dialect: Dialect,
  source: string,
  sentinels: readonly string[] = ['alice'],
): Segment[] {
  const body: unknown = JSON.parse(source);
  const segs = dialect.segments(body);
  assert.ok(segs.length > 0, 'no segments found');
  for (const seg of segs) assertListed(body, seg);
  assert.equal(new Set(segs.map(placeOf)).size, segs.length, 'a place is listed twice');

  const listed = new Set(segs.map(placeOf));
  const missed = [
    ...stringLeaves(body).map((l) => ({ ...l, place: key(l.path) })),
    ...memberNames(body).map((n) => ({ ...n, place: key(n.path, n.text) })),
  ].filter((l) => sentinels.some((s) => l.text.includes(s)) && !listed.has(l.place));
  assert.deepEqual(missed, [], 'string leaves or member names with user data that no segment lists');

  const canonical = JSON.stringify(JSON.parse(source));
  assert.equal(rebuild(JSON.parse(source), []), canonical);

  const edited = segs.map((s, i) => editOf(s, `[edited ${i}: ${s.text.length}]`));
  const again: unknown = JSON.parse(rebuild(JSON.parse(source), edited));
  const relisted = dialect.segments(again);
  // Paths through a renamed member lead through its new name.
  const renamed = new Map(
    edited.filter((e) => e.from !== undefined).map((e) => [key(e.path, e.from), e.text]),
  );
  const through = (path: JsonPath): JsonPath =>
    path.map((step, i) =>
      typeof step === 'string' ? (renamed.get(key(path.slice(0, i), step)) ?? step) : step,
    );
  assert.deepEqual(
    relisted.map((s) => ({ path: s.path, text: s.text })),
    edited.map((e) => ({ path: through(e.path), text: e.text })),
  );
  assert.deepEqual(
    relisted.map((s) => s.role),
    segs.map((s) => s.role),
  );
  assert.equal(
    rebuild(
      again,
      relisted.map((s, i) => editOf(s, (segs[i] as Segment).text)),
    ),
    canonical,
  );
  return segs;
}

/** `source` with up to 6 random leaves or containers replaced by random JSON. */
function mutations(source: string): fc.Arbitrary<unknown> {
  const leaves = stringLeaves(JSON.parse(source));
  return fc
    .array(fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.jsonValue({ maxDepth: 2 })), { maxLength: 6 })
    .map((swaps) => {
      const copy: unknown = JSON.parse(source);
      for (const [i, up, value] of swaps) {
        const leaf = leaves[i % leaves.length];
        if (!leaf) continue;
        const path = leaf.path.slice(0, Math.max(1, leaf.path.length - up));
        const parent = getAt(copy, path.slice(0, -1));
        if (parent !== null && typeof parent === 'object') {
          (parent as Record<string | number, unknown>)[path[path.length - 1] as string | number] = value;
        }
      }
      return copy;
    });
}

/** segments() and answerFields() never throw on arbitrary JSON, and segment paths stay true. */
export function checkOddShapes(dialect: Dialect, source: string): void {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), mutations(source)), (body) => {
      for (const seg of dialect.segments(body)) assertListed(body, seg);
      dialect.answerFields(body);
    }),
    { numRuns: 300 },
  );
}

/**
 * The round trip of answer fields: set() on every field, serialize, list again: the same
 * channels and flags with the new texts. Also on randomly damaged copies of the answer, where
 * nothing may throw.
 */
export function checkAnswerRoundTrip(dialect: Dialect, answer: unknown): void {
  const roundTrip = (obj: unknown) => {
    const fields = dialect.answerFields(obj);
    // A renamed member would move the channels of the values below it: names keep their text
    // here (their renaming has tests of its own).
    const texts = fields.map((f, i) => (f.key ? f.text : `${f.text}<${i}>`));
    fields.forEach((f, i) => f.set(texts[i] as string));
    assert.deepEqual(
      fields.map((f) => f.text),
      texts,
    );
    const again = dialect.answerFields(JSON.parse(JSON.stringify(obj)));
    const shape = (f: AnswerField) => [f.channel, f.json, kindOf(f), f.text];
    assert.deepEqual(again.map(shape), fields.map(shape));
    return fields.length;
  };
  assert.ok(roundTrip(structuredClone(answer)) > 0, 'the answer has no fields');
  fc.assert(
    fc.property(mutations(JSON.stringify(answer)), (obj) => {
      roundTrip(obj);
    }),
    { numRuns: 100 },
  );
}

/** checkAnswerRoundTrip on every event object of a stream that has fields. */
export function checkStreamAnswers(dialect: Dialect, objects: unknown[]): void {
  let checked = 0;
  for (const obj of objects) {
    if (dialect.answerFields(structuredClone(obj)).length === 0) continue;
    checkAnswerRoundTrip(dialect, obj);
    checked++;
  }
  assert.ok(checked > 0, 'no event with fields');
}

/** A field's kind as a short string: "tool", "whole", "tool+whole" or "" (a plain delta). */
export function kindOf(field: AnswerField): string {
  return [field.tool ? 'tool' : '', field.whole ? 'whole' : ''].filter(Boolean).join('+');
}

/** Kinds seen per channel over a stream. */
export function kindsByChannel(fields: AnswerField[][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields.flat()) out[f.channel] = kindOf(f);
  return out;
}

export interface StreamFields {
  events: SseEvent[];
  /** Text of each channel, in order, joined. */
  byChannel: Map<string, string>;
  /** Fields per event (index-aligned with events). */
  fields: AnswerField[][];
  objects: unknown[];
}

/** Parses an SSE answer and lists the answer fields of every event. */
export function streamFields(dialect: Dialect, sse: string): StreamFields {
  const parser = new SseParser();
  const events = [...parser.push(Buffer.from(sse, 'utf8')), ...parser.end()];
  const byChannel = new Map<string, string>();
  const objects = events.map((ev) => parseEventData(ev));
  const fields = events.map((ev, i) => {
    const found = dialect.answerFields(objects[i], ev.event);
    for (const f of found) byChannel.set(f.channel, (byChannel.get(f.channel) ?? '') + f.text);
    return found;
  });
  return { events, byChannel, fields, objects };
}
