/**
 * restore(answer(pseudonymize(x))) === x: random texts with planted values are pseudonymized,
 * the model "echoes" the pseudonymized text as an answer split into random events, and the
 * stream restorer must give back exactly x — as text deltas and as JSON partial deltas.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { anthropicMessages } from '../../src/dialects/anthropic-messages.js';
import { openaiChat } from '../../src/dialects/openai-chat.js';
import type { StreamEvent } from '../../src/gateway/inspector.js';
import { createRestorer } from '../../src/redact/restore.js';
import {
  compose,
  parseSse,
  PLANTS,
  pseudonymize,
  SECRET_PLANTS,
  splitAt,
  sse,
  type Plant,
} from './helpers.js';

/** Filler that is hard on the restorer: surrogate prefixes, escapes, quotes, astral characters. */
const FILLER = fc.constantFrom(
  'lorem ',
  'ipsum',
  ' ',
  '/home/',
  '/Users/u',
  'C:\\Users\\',
  'host-',
  '.example',
  '192.0.',
  '00:00:5e',
  'AKIA',
  'project-',
  '\\',
  '"',
  '\n',
  '\t',
  'é',
  '🚀',
  '{',
  '}',
  ':',
);

const pieces = (plants: Plant[]) =>
  fc.array(fc.oneof(FILLER, fc.constantFrom(...plants)), { minLength: 1, maxLength: 25 });
const cuts = fc.array(fc.nat({ max: 2000 }), { maxLength: 30 });

function run(
  dialect: typeof anthropicMessages,
  entries: Awaited<ReturnType<typeof pseudonymize>>['entries'],
  events: StreamEvent[],
): Buffer {
  const restorer = createRestorer(dialect, entries, { secretsInToolCalls: true });
  if (restorer === undefined) return Buffer.concat(events.map((e) => e.raw));
  const s = restorer.stream();
  return Buffer.concat([...events.map((e) => s.event(e)), s.end()]);
}

describe('restore(answer(pseudonymize(x))) === x', () => {
  it('Anthropic text deltas, any split', async () => {
    await fc.assert(
      fc.asyncProperty(pieces(PLANTS), cuts, async (parts, at) => {
        const { text, findings } = compose(parts);
        const pseudo = await pseudonymize(text, findings);
        for (const f of findings)
          assert.ok(!pseudo.text.includes(text.slice(f.start, f.end)) || f.kind === 'username');
        const events = [
          sse('content_block_start', {
            type: 'content_block_start',
            index: 0,
            content_block: { type: 'text', text: '' },
          }),
          ...splitAt(pseudo.text, at).map((t) =>
            sse('content_block_delta', {
              type: 'content_block_delta',
              index: 0,
              delta: { type: 'text_delta', text: t },
            }),
          ),
          sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
          sse('message_stop', { type: 'message_stop' }),
        ];
        const restored = parseSse(run(anthropicMessages, pseudo.entries, events))
          .filter((e) => e.event === 'content_block_delta')
          .map((e) => (JSON.parse(e.data) as { delta: { text: string } }).delta.text)
          .join('');
        assert.equal(restored, text);
      }),
      { numRuns: 300 },
    );
  });

  it('Anthropic input_json_delta (secrets included), any split of the serialized JSON', async () => {
    await fc.assert(
      fc.asyncProperty(pieces([...PLANTS, ...SECRET_PLANTS]), cuts, async (parts, at) => {
        const { text, findings } = compose(parts);
        const pseudo = await pseudonymize(text, findings);
        const partial = JSON.stringify({ content: pseudo.text });
        const events = [
          ...splitAt(partial, at).map((t) =>
            sse('content_block_delta', {
              type: 'content_block_delta',
              index: 1,
              delta: { type: 'input_json_delta', partial_json: t },
            }),
          ),
          sse('content_block_stop', { type: 'content_block_stop', index: 1 }),
        ];
        const json = parseSse(run(anthropicMessages, pseudo.entries, events))
          .filter((e) => e.event === 'content_block_delta')
          .map((e) => (JSON.parse(e.data) as { delta: { partial_json: string } }).delta.partial_json)
          .join('');
        assert.deepEqual(JSON.parse(json), { content: text });
      }),
      { numRuns: 300 },
    );
  });

  it('OpenAI chat tool-call arguments, two interleaved calls, any split', async () => {
    await fc.assert(
      fc.asyncProperty(
        pieces([...PLANTS, ...SECRET_PLANTS]),
        pieces(PLANTS),
        cuts,
        cuts,
        async (pa, pb, cutA, cutB) => {
          const a = compose(pa);
          const b = compose(pb);
          // One request carries both texts; surrogates are shared as they would be.
          const joined = `${a.text}\u0000${b.text}`;
          const offset = a.text.length + 1;
          const findings = [
            ...a.findings,
            ...b.findings.map((f) => ({ ...f, start: f.start + offset, end: f.end + offset })),
          ];
          const pseudo = await pseudonymize(joined, findings);
          const [pa2, pb2] = pseudo.text.split('\u0000') as [string, string];
          const argsA = splitAt(JSON.stringify({ x: pa2 }), cutA);
          const argsB = splitAt(JSON.stringify({ y: pb2 }), cutB);
          const chunk = (index: number, args: string) =>
            sse(undefined, {
              object: 'chat.completion.chunk',
              choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: args } }] } }],
            });
          const events: StreamEvent[] = [];
          for (let i = 0; i < Math.max(argsA.length, argsB.length); i++) {
            if (argsA[i] !== undefined) events.push(chunk(0, argsA[i] ?? ''));
            if (argsB[i] !== undefined) events.push(chunk(1, argsB[i] ?? ''));
          }
          events.push(
            sse(undefined, {
              object: 'chat.completion.chunk',
              choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }],
            }),
          );
          events.push({ data: '[DONE]', raw: Buffer.from('data: [DONE]\n\n') });
          const got = ['', ''];
          for (const e of parseSse(run(openaiChat, pseudo.entries, events))) {
            if (e.data === '[DONE]') continue;
            const c = JSON.parse(e.data) as {
              choices: { delta: { tool_calls?: { index: number; function: { arguments: string } }[] } }[];
            };
            for (const call of c.choices[0]?.delta.tool_calls ?? [])
              got[call.index] += call.function.arguments;
          }
          assert.deepEqual(JSON.parse(got[0] ?? ''), { x: a.text });
          assert.deepEqual(JSON.parse(got[1] ?? ''), { y: b.text });
        },
      ),
      { numRuns: 200 },
    );
  });
});
