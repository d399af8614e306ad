/** Restoration in the answer shapes of Gemini and the OpenAI Responses API. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicBatches } from '../../src/dialects/anthropic-batches.js';
import { gemini } from '../../src/dialects/gemini.js';
import { geminiEmbed } from '../../src/dialects/gemini-embed.js';
import { openaiEmbeddings } from '../../src/dialects/openai-embeddings.js';
import { openaiResponses } from '../../src/dialects/openai-responses.js';
import { createRestorer } from '../../src/redact/restore.js';
import { parseSse, sse } from './helpers.js';

const ENTRIES = [
  { surrogate: '/home/user', original: '/home/alice', secret: false },
  { surrogate: '/home/user/project-3', original: '/home/alice/acme-api', secret: false },
  {
    surrogate: 'ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    original: 'ghp_realrealrealrealrealrealrealrealreal',
    secret: true,
  },
];

function crlf(data: unknown) {
  const text = JSON.stringify(data);
  return { data: text, raw: Buffer.from(`data: ${text}\r\n\r\n`) };
}

describe('Gemini answers', () => {
  const chunk = (text: string, extra: Record<string, unknown> = {}) =>
    crlf({ candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0, ...extra }] });

  it('restores text split over chunks and flushes the held tail at the end in a chunk of the same shape', () => {
    const s = createRestorer(gemini, ENTRIES, { secretsInToolCalls: true })?.stream();
    assert.ok(s);
    const out = Buffer.concat([
      s.event(chunk('Open /home/us')),
      s.event(chunk('er/project-3/main.py, then /home/us')),
      s.event(chunk('er', { finishReason: 'STOP' })),
      s.end(),
    ]);
    assert.ok(out.includes('\r\n'), 'Gemini line ends are kept');
    const events = parseSse(out);
    assert.equal(events.length, 3, 'the finishing chunk releases everything: no synthesized copy after it');
    const text = events
      .map(
        (e) =>
          (JSON.parse(e.data) as { candidates: { content: { parts: { text: string }[] } }[] }).candidates[0]
            ?.content.parts[0]?.text,
      )
      .join('');
    assert.equal(text, 'Open /home/alice/acme-api/main.py, then /home/alice');
  });

  it('restores function-call arguments at once (they arrive whole), secrets included when allowed', () => {
    const s = createRestorer(gemini, ENTRIES, { secretsInToolCalls: true })?.stream();
    assert.ok(s);
    const call = crlf({
      candidates: [
        {
          content: {
            parts: [
              {
                functionCall: {
                  name: 'write_file',
                  args: {
                    path: '/home/user/project-3/.env',
                    content: 'TOKEN=ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
                  },
                },
              },
            ],
          },
          index: 0,
        },
      ],
    });
    const out = Buffer.concat([s.event(call), s.end()]);
    const events = parseSse(out);
    assert.equal(events.length, 1, 'nothing held back, nothing synthesized');
    const args = (
      JSON.parse(events[0]?.data ?? '{}') as {
        candidates: { content: { parts: { functionCall: { args: unknown } }[] } }[];
      }
    ).candidates[0]?.content.parts[0]?.functionCall.args;
    assert.deepEqual(args, {
      path: '/home/alice/acme-api/.env',
      content: 'TOKEN=ghp_realrealrealrealrealrealrealrealreal',
    });
  });

  it('restores a whole (array) answer', () => {
    const answer = [{ candidates: [{ content: { parts: [{ text: 'see /home/user/project-3' }] } }] }];
    createRestorer(gemini, ENTRIES, { secretsInToolCalls: true })?.json(answer);
    assert.equal(answer[0]?.candidates[0]?.content.parts[0]?.text, 'see /home/alice/acme-api');
  });
});

describe('OpenAI Responses answers', () => {
  it('restores text and argument deltas, and the whole values in .done events', () => {
    const s = createRestorer(openaiResponses, ENTRIES, { secretsInToolCalls: false })?.stream();
    assert.ok(s);
    const ev = (type: string, data: Record<string, unknown>) => sse(type, { type, ...data });
    const args = JSON.stringify({
      path: '/home/user/project-3/a.ts',
      token: 'ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    });
    const out = Buffer.concat([
      s.event(
        ev('response.output_text.delta', { output_index: 0, content_index: 0, delta: 'at /home/user/pro' }),
      ),
      s.event(ev('response.output_text.delta', { output_index: 0, content_index: 0, delta: 'ject-3 ok' })),
      s.event(
        ev('response.output_text.done', {
          output_index: 0,
          content_index: 0,
          text: 'at /home/user/project-3 ok',
        }),
      ),
      s.event(ev('response.function_call_arguments.delta', { output_index: 1, delta: args.slice(0, 15) })),
      s.event(ev('response.function_call_arguments.delta', { output_index: 1, delta: args.slice(15) })),
      s.event(ev('response.function_call_arguments.done', { output_index: 1, arguments: args })),
      s.end(),
    ]);
    const events = parseSse(out).map((e) => JSON.parse(e.data) as Record<string, string>);
    const text = events
      .filter((e) => e.type === 'response.output_text.delta')
      .map((e) => e.delta)
      .join('');
    assert.equal(text, 'at /home/alice/acme-api ok');
    assert.equal(
      events.find((e) => e.type === 'response.output_text.done')?.text,
      'at /home/alice/acme-api ok',
    );
    const argDeltas = events
      .filter((e) => e.type === 'response.function_call_arguments.delta')
      .map((e) => e.delta)
      .join('');
    const done = events.find((e) => e.type === 'response.function_call_arguments.done')?.arguments ?? '';
    for (const a of [argDeltas, done]) {
      // restore_secrets_in_tool_calls: false keeps the surrogate token.
      assert.deepEqual(JSON.parse(a), {
        path: '/home/alice/acme-api/a.ts',
        token: 'ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
      });
    }
  });
});

describe('answers with no text to restore', () => {
  it('get no restorer, so the gateway relays them as they come instead of reading them whole', () => {
    const entries = [{ surrogate: '/home/user', original: '/home/alice', secret: false }];
    for (const dialect of [openaiEmbeddings, geminiEmbed, anthropicBatches])
      assert.equal(createRestorer(dialect, entries, { secretsInToolCalls: true }), undefined, dialect.id);
    assert.notEqual(createRestorer(gemini, entries, { secretsInToolCalls: true }), undefined);
  });
});
