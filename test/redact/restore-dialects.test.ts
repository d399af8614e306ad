/** Restoration in the answer shapes of Gemini and the OpenAI Responses API. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicBatches } from '../../src/dialects/anthropic-batches.js';
import { anthropicComplete } from '../../src/dialects/anthropic-complete.js';
import { gemini } from '../../src/dialects/gemini.js';
import { geminiEmbed } from '../../src/dialects/gemini-embed.js';
import { openaiChat } from '../../src/dialects/openai-chat.js';
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

describe('held text at the end of a channel', () => {
  it('goes out before the Responses closing events, numbered in sequence with the events after it', () => {
    const s = createRestorer(openaiResponses, ENTRIES, { secretsInToolCalls: true })?.stream();
    assert.ok(s);
    let seq = 0;
    const ev = (type: string, data: Record<string, unknown>) =>
      sse(type, { type, sequence_number: seq++, ...data });
    const part = { output_index: 0, content_index: 0 };
    const out = Buffer.concat([
      s.event(ev('response.output_text.delta', { ...part, delta: 'Your home is' })),
      s.event(ev('response.output_text.delta', { ...part, delta: ' /home/us' })),
      s.event(ev('response.output_text.delta', { ...part, delta: 'er' })),
      s.event(ev('response.output_text.done', { ...part, text: 'Your home is /home/user' })),
      s.event(ev('response.content_part.done', { ...part, part: { type: 'output_text', text: 'x' } })),
      s.event(ev('response.completed', { response: { object: 'response', output: [] } })),
      s.end(),
    ]);
    const events = parseSse(out).map((e) => JSON.parse(e.data) as Record<string, unknown>);
    const done = events.findIndex((e) => e.type === 'response.output_text.done');
    const deltas = events.slice(0, done).filter((e) => e.type === 'response.output_text.delta');
    assert.equal(deltas.map((e) => e.delta).join(''), 'Your home is /home/alice', 'all text before .done');
    assert.equal(events.at(-1)?.type, 'response.completed', 'nothing after response.completed');
    assert.deepEqual(
      events.map((e) => e.sequence_number),
      events.map((_, i) => i),
      'numbers stay one apart, none repeated',
    );
  });

  it('is released by the legacy Complete event that carries the stop reason, not after it', () => {
    const s = createRestorer(anthropicComplete, ENTRIES, { secretsInToolCalls: true })?.stream();
    assert.ok(s);
    const ev = (completion: string, stop_reason: string | null) =>
      sse('completion', { type: 'completion', completion, stop_reason, model: 'claude-2.1' });
    const out = Buffer.concat([
      s.event(ev(' see /home/us', null)),
      s.event(ev('er', null)),
      s.event(ev('', 'stop_sequence')),
      s.end(),
    ]);
    const events = parseSse(out).map(
      (e) => JSON.parse(e.data) as { completion: string; stop_reason: string },
    );
    assert.equal(events.length, 3, 'no synthesized event after the stop');
    assert.equal(events.map((e) => e.completion).join(''), ' see /home/alice');
    assert.equal(events.at(-1)?.stop_reason, 'stop_sequence');
  });

  it("goes out before a Chat chunk's tool call, and only for the same choice", () => {
    const s = createRestorer(openaiChat, ENTRIES, { secretsInToolCalls: true })?.stream();
    assert.ok(s);
    const chunk = (index: number, delta: Record<string, unknown>) =>
      sse(undefined, { id: 'c', object: 'chat.completion.chunk', choices: [{ index, delta }] });
    const call = {
      tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
    };
    const out = Buffer.concat([
      s.event(chunk(0, { content: 'in /home/user' })),
      s.event(chunk(1, { content: 'and /home/us' })),
      s.event(chunk(0, call)),
      s.event(chunk(1, { content: 'er too' })),
      s.end(),
    ]);
    const events = parseSse(out).map(
      (e) =>
        JSON.parse(e.data) as {
          choices: { index: number; delta: { content?: string; tool_calls?: unknown[] } }[];
        },
    );
    const seen = events.map((e) => e.choices[0]);
    const toolAt = seen.findIndex((c) => c?.index === 0 && c.delta.tool_calls !== undefined);
    const content = (index: number, upTo = seen.length) =>
      seen
        .slice(0, upTo)
        .filter((c) => c?.index === index)
        .map((c) => c?.delta.content ?? '')
        .join('');
    assert.equal(content(0, toolAt), 'in /home/alice', "choice 0's content before its tool call");
    assert.equal(content(1), 'and /home/alice too', "choice 1's text was held on, not cut");
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
