import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SseEventTooLargeError, SseParser, type SseEvent } from '../../src/sse/parser.js';
import { ANTHROPIC_STREAM } from './streams.js';

/** Parse `input` delivered in pieces cut at `cuts` (sorted byte offsets). */
function parseSplit(input: Buffer, cuts: number[], maxEventSize?: number): SseEvent[] {
  const parser = new SseParser(maxEventSize === undefined ? {} : { maxEventSize });
  const events: SseEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    events.push(...parser.push(input.subarray(from, cut)));
    from = cut;
  }
  events.push(...parser.end());
  return events;
}

/** Fields only, with raw as text, for deep comparison. */
const view = (events: SseEvent[]) => events.map((e) => ({ ...e, raw: e.raw.toString('latin1') }));

const sortedCuts = (len: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: len }), { maxLength: 40 }).map((a) => a.sort((x, y) => x - y));

describe('SseParser on a real-shaped Anthropic stream', () => {
  const input = Buffer.from(ANTHROPIC_STREAM, 'utf8');
  const whole = parseSplit(input, []);

  it('yields every event with its fields and its exact bytes', () => {
    const block = (deltas: number) => [
      'content_block_start',
      ...Array<string>(deltas).fill('content_block_delta'),
      'content_block_stop',
    ];
    assert.deepEqual(
      whole.map((e) => e.event),
      ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta']
        .concat(['content_block_stop', ...block(2), ...block(3)])
        .concat(['message_delta', 'message_stop']),
    );
    for (const ev of whole) {
      assert.equal(ev.raw.toString('utf8'), `event: ${ev.event}\ndata: ${ev.data}\n\n`);
      assert.equal(typeof JSON.parse(ev.data), 'object');
    }
    assert.ok(whole.some((e) => e.data.includes('naïve café ✓ 🚀')));
    assert.deepEqual(Buffer.concat(whole.map((e) => e.raw)), input);
  });

  it('gives the same events for a split at every byte offset', () => {
    for (let cut = 0; cut <= input.length; cut++) {
      assert.deepEqual(view(parseSplit(input, [cut])), view(whole), `split at ${cut}`);
    }
  });

  it('gives the same events for random chunkings', () => {
    fc.assert(
      fc.property(sortedCuts(input.length), (cuts) => {
        assert.deepEqual(view(parseSplit(input, cuts)), view(whole));
      }),
      { numRuns: 300 },
    );
  });

  it('parses CRLF and CR line ends the same way, keeping the bytes exact', () => {
    for (const eol of ['\r\n', '\r']) {
      const other = Buffer.from(ANTHROPIC_STREAM.replaceAll('\n', eol), 'utf8');
      const fields = (events: SseEvent[]) => events.map(({ event, data }) => ({ event, data }));
      fc.assert(
        fc.property(sortedCuts(other.length), (cuts) => {
          const events = parseSplit(other, cuts);
          // A CRLF cut between its CR and LF leaves the LF as a tail of line ends only.
          const tail = events.filter((e) => e.partial);
          assert.ok(tail.every((e) => /^[\r\n]+$/.test(e.raw.toString())));
          assert.deepEqual(fields(events.filter((e) => !e.partial)), fields(whole));
          assert.deepEqual(Buffer.concat(events.map((e) => e.raw)), other);
        }),
        { numRuns: 200 },
      );
    }
  });
});

describe('SseParser edge cases', () => {
  it('reports comment-only blocks (keep-alives) with their bytes', () => {
    const input = Buffer.from(': ping\n\ndata: {"a":1}\n: inline comment\n\n:\n\n');
    const events = parseSplit(input, []);
    assert.deepEqual(view(events), [
      { data: '', comment: true, raw: ': ping\n\n' },
      { data: '{"a":1}', raw: 'data: {"a":1}\n: inline comment\n\n' },
      { data: '', comment: true, raw: ':\n\n' },
    ]);
  });

  it('joins multi-line data, reads id and retry, drops one leading space only', () => {
    const input = Buffer.from('id: 7\nretry: 1500\ndata:first\ndata:  second\ndata\nevent:\n\n');
    const [ev] = parseSplit(input, []);
    assert.equal(ev?.data, 'first\n second\n');
    assert.equal(ev?.id, '7');
    assert.equal(ev?.retry, 1500);
    assert.equal(ev?.event, undefined);
  });

  it('ignores a non-numeric retry and an id with NUL', () => {
    const [ev] = parseSplit(Buffer.from('retry: 1s\nid: a\u0000b\ndata: x\n\n'), []);
    assert.equal(ev?.retry, undefined);
    assert.equal(ev?.id, undefined);
  });

  it('keeps stray blank lines in the bytes of the next event', () => {
    const input = Buffer.from('\n\ndata: 1\n\n\ndata: 2\n\n');
    const events = parseSplit(input, []);
    assert.deepEqual(
      view(events).map((e) => e.raw),
      ['\n\ndata: 1\n\n', '\ndata: 2\n\n'],
    );
  });

  it('strips a BOM, even split, but keeps it in the first raw', () => {
    const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: x\n\n')]);
    for (const cuts of [[], [1], [2], [1, 2], [3]]) {
      const events = parseSplit(input, cuts);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.data, 'x');
      assert.deepEqual(events[0]?.raw, input);
    }
    // A lone partial BOM at the end is handed back, not lost.
    assert.deepEqual(view(parseSplit(Buffer.from([0xef, 0xbb]), [])), [
      { data: '', partial: true, raw: '\u00ef\u00bb' },
    ]);
  });

  it('decodes a multi-byte character split across chunks', () => {
    const input = Buffer.from('data: 🚀é\n\n', 'utf8');
    for (let cut = 0; cut <= input.length; cut++) {
      assert.equal(parseSplit(input, [cut])[0]?.data, '🚀é');
    }
  });

  it('parses an event trickled one byte at a time', () => {
    const line = 'data: ' + 'é'.repeat(3000) + '\n\n';
    const input = Buffer.from(`event: x\n${line}`, 'utf8');
    const cuts = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    const events = parseSplit(input, cuts);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.event, 'x');
    assert.equal(events[0]?.data, 'é'.repeat(3000));
    assert.deepEqual(events[0]?.raw, input);
  });

  it('returns an unterminated tail as a partial event at end()', () => {
    const events = parseSplit(Buffer.from('data: 1\n\nevent: x\ndata: half'), [12]);
    assert.deepEqual(view(events)[1], {
      event: 'x',
      data: 'half',
      partial: true,
      raw: 'event: x\ndata: half',
    });
    assert.deepEqual(new SseParser().end(), []);
  });

  it('refuses an event larger than maxEventSize, handing back the events before it', () => {
    const big = 'data: ' + 'x'.repeat(200) + '\n\n';
    const parser = new SseParser({ maxEventSize: 100 });
    assert.throws(
      () => parser.push(Buffer.from('data: ok\n\n' + big)),
      (err: unknown) =>
        err instanceof SseEventTooLargeError &&
        err.limit === 100 &&
        err.events.length === 1 &&
        err.events[0]?.data === 'ok' &&
        /maximum event size of 100 bytes/.test(err.message),
    );
    // Growing across many small chunks without a line end is caught too.
    const slow = new SseParser({ maxEventSize: 100 });
    assert.throws(() => {
      for (let i = 0; i < 50; i++) slow.push(Buffer.from('data: xxxxxxxx'));
    }, SseEventTooLargeError);
    // An event of exactly the limit passes.
    const exact = Buffer.from('data: ' + 'y'.repeat(92) + '\n\n');
    assert.equal(exact.length, 100);
    assert.equal(parseSplit(exact, [50], 100)[0]?.data.length, 92);
  });
});

// undici's EventSourceStream (the reference for this parser) as an oracle on random streams.
const require = createRequire(import.meta.url);
const { EventSourceStream } = require('undici/lib/web/eventsource/eventsource-stream.js') as {
  EventSourceStream: new (opts: {
    push: (ev: { type: string; options: { data: string } } | null) => boolean;
  }) => { write(chunk: Buffer): void; end(): void };
};

function undiciParse(input: Buffer, cuts: number[]): Promise<{ type: string; data: string }[]> {
  return new Promise((resolve, reject) => {
    const out: { type: string; data: string }[] = [];
    const stream = new EventSourceStream({
      push: (ev) => {
        if (ev === null) resolve(out);
        else out.push({ type: ev.type, data: ev.options.data });
        return true;
      },
    }) as unknown as NodeJS.ReadWriteStream;
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
    stream.resume();
    let from = 0;
    for (const cut of [...cuts, input.length]) {
      stream.write(input.subarray(from, cut));
      from = cut;
    }
    stream.end();
  });
}

describe('SseParser agrees with undici on random streams', () => {
  const text = fc.string({ unit: fc.constantFrom('a', ' ', ':', 'é', '🚀', '{', '"', 'x'), maxLength: 12 });
  const eol = fc.constantFrom('\n', '\r', '\r\n');
  const line = fc.oneof(
    text.map((t) => `data: ${t}`),
    text.map((t) => `data:${t}`),
    fc.constantFrom('event: content_block_delta', 'event: ping', 'id: 3', 'retry: 10'),
    text.map((t) => `: ${t}`),
  );
  const block = fc
    .tuple(fc.array(line, { minLength: 1, maxLength: 5 }), text)
    .map(([lines, t]) => (lines.some((l) => l.startsWith(':')) ? lines : [...lines, `data: ${t}`]));
  const stream = fc.array(fc.tuple(block, eol), { maxLength: 8 }).map((blocks) => {
    return Buffer.from(
      blocks.map(([lines, end]) => lines.map((l) => l + end).join('') + end).join(''),
      'utf8',
    );
  });

  it('dispatches the same events', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(
        stream.chain((input) => fc.tuple(fc.constant(input), sortedCuts(input.length))),
        async ([input, cuts]) => {
          const ours = parseSplit(input, cuts);
          assert.deepEqual(Buffer.concat(ours.map((e) => e.raw)), input);
          const expected = await undiciParse(input, cuts);
          const dispatched = ours
            .filter((e) => !e.comment && !e.partial && /(^|[\r\n])data/.test(e.raw.toString()))
            .map((e) => ({ type: e.event ?? 'message', data: e.data }));
          assert.deepEqual(dispatched, expected);
          compared += expected.length;
        },
      ),
      { numRuns: 300 },
    );
    assert.ok(compared > 300, `only ${compared} events compared`);
  });
});
