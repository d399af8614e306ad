import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicMessages } from '../../src/dialects/anthropic-messages.js';
import { openaiChat } from '../../src/dialects/openai-chat.js';
import { SurrogateMatcher } from '../../src/redact/matcher.js';
import { createRestorer } from '../../src/redact/restore.js';
import { restoreStep, restoreWhole } from '../../src/redact/restore-text.js';
import { parseSse, sse } from './helpers.js';

const ENTRIES = [
  { surrogate: '/home/user', original: '/home/alice', secret: false },
  { surrogate: '/home/user/project-1', original: '/home/alice/acme-api', secret: false },
  { surrogate: 'C:\\Users\\user', original: 'C:\\Users\\carol', secret: false },
  { surrogate: 'host-12.example.internal', original: 'db.acme.corp', secret: false },
  { surrogate: 'user-4', original: 'alice', secret: false },
  { surrogate: 'AKIAQWERTYUIOPASDFGH', original: 'AKIAIOSFODNN7EXAMPLE', secret: true },
];
const matcher = new SurrogateMatcher(ENTRIES);

describe('whole-text restoration', () => {
  it('restores the longest surrogate, keeping sub-paths', () => {
    assert.equal(
      restoreWhole(matcher, 'see /home/user/project-1/src/x.ts and /home/user/.bashrc', false, false),
      'see /home/alice/acme-api/src/x.ts and /home/alice/.bashrc',
    );
  });

  it('respects word boundaries', () => {
    assert.equal(
      restoreWhole(matcher, 'user-4 user-42 xuser-4 /home/users', false, false),
      'alice user-42 xuser-4 /home/users',
    );
    assert.equal(restoreWhole(matcher, '/home/user/project-12/a', false, false), '/home/alice/project-12/a');
  });

  it('restores secrets only where allowed', () => {
    assert.equal(restoreWhole(matcher, 'key AKIAQWERTYUIOPASDFGH', false, false), 'key AKIAQWERTYUIOPASDFGH');
    assert.equal(restoreWhole(matcher, 'key AKIAQWERTYUIOPASDFGH', false, true), 'key AKIAIOSFODNN7EXAMPLE');
  });

  it('matches JSON-escaped surrogates and writes the original escaped', () => {
    const fragment = JSON.stringify({ path: 'C:\\Users\\user\\x.txt', host: 'host-12.example.internal' });
    const restored = restoreWhole(matcher, fragment, true, false);
    assert.deepEqual(JSON.parse(restored), { path: 'C:\\Users\\carol\\x.txt', host: 'db.acme.corp' });
    // A surrogate written with \u escapes and \/ is still found.
    const odd = '{"p":"\\/home\\/\\u0075ser\\/a"}';
    assert.deepEqual(JSON.parse(restoreWhole(matcher, odd, true, false)), { p: '/home/alice/a' });
  });
});

describe('streaming steps', () => {
  it('holds back only a possible surrogate prefix', () => {
    const a = restoreStep(matcher, '', '', 'at /home/us', false, false, false);
    assert.deepEqual([a.out, a.held], ['at ', '/home/us']);
    const b = restoreStep(matcher, a.held, a.prev, 'er/project-', false, false, false);
    assert.deepEqual([b.out, b.held], ['', '/home/user/project-']);
    const c = restoreStep(matcher, b.held, b.prev, '1/a.ts done', false, false, false);
    assert.deepEqual([c.out, c.held], ['/home/alice/acme-api/a.ts done', '']);
    const plain = restoreStep(matcher, '', '', 'nothing to see here.', false, false, false);
    assert.deepEqual([plain.out, plain.held], ['nothing to see here.', '']);
  });

  it('holds a JSON escape cut by an event boundary', () => {
    const a = restoreStep(matcher, '', '', '{"p":"C:\\', true, false, false);
    assert.deepEqual([a.out, a.held], ['{"p":"', 'C:\\']);
    const b = restoreStep(matcher, a.held, a.prev, '\\Users\\\\user\\\\d"}', true, false, false);
    assert.equal(b.out, '{"p":"C:\\\\Users\\\\carol\\\\d"}'.slice(6));
  });
});

describe('stream restorer (Anthropic)', () => {
  const restorer = () => {
    const r = createRestorer(anthropicMessages, ENTRIES, { secretsInToolCalls: true });
    assert.ok(r);
    return r.stream();
  };
  const delta = (index: number, text: string) =>
    sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
  const json = (index: number, partial_json: string) =>
    sse('content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'input_json_delta', partial_json },
    });

  it('forwards events that cannot hold a surrogate byte-identical', () => {
    const s = restorer();
    const ev = delta(0, 'Hello there, nothing here.');
    assert.equal(s.event(ev), ev.raw);
    const ping = sse('ping', { type: 'ping' });
    assert.equal(s.event(ping), ping.raw);
    const comment = { comment: true, data: '', raw: Buffer.from(': keep-alive\n\n') };
    assert.equal(s.event(comment), comment.raw);
  });

  it('restores a surrogate split over many events and flushes held text before content_block_stop', () => {
    const s = restorer();
    const out: Buffer[] = [];
    for (const piece of ['Edit /ho', 'me/', 'user/pro', 'ject-1', '/a.ts and /home/us'])
      out.push(s.event(delta(0, piece)));
    // The ping inside the block does not release held text.
    out.push(s.event(sse('ping', { type: 'ping' })));
    out.push(s.event(sse('content_block_stop', { type: 'content_block_stop', index: 0 })));
    out.push(s.end());
    const events = parseSse(Buffer.concat(out));
    const texts = events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => (JSON.parse(e.data) as { delta: { text: string } }).delta.text);
    assert.equal(texts.join(''), 'Edit /home/alice/acme-api/a.ts and /home/us');
    const names = events.map((e) => e.event);
    assert.equal(names.at(-1), 'content_block_stop');
    assert.equal(names.at(-2), 'content_block_delta', 'the flushed text comes as a delta before the stop');
  });

  it('keeps the word boundary across deltas that go out unchanged, per block', () => {
    const s = restorer();
    const texts = (events: Buffer[]) =>
      parseSse(Buffer.concat(events))
        .filter((e) => e.event === 'content_block_delta')
        .map((e) => (JSON.parse(e.data) as { delta: { text: string } }).delta.text)
        .join('|');
    // `x` then `user-4`: one word, `xuser-4`, not the surrogate; block 1 starts afresh.
    const out = [
      s.event(delta(0, 'see x')),
      s.event(delta(1, 'user-4 ')),
      s.event(delta(0, 'user-4 ')),
      s.event(delta(0, 'and user-4.')),
    ];
    assert.equal(texts([...out, s.end()]), 'see x|alice |user-4 |and alice.');
  });

  it('restores secrets into input_json_delta and keeps the JSON valid', () => {
    const s = restorer();
    const args = JSON.stringify({
      file_path: 'C:\\Users\\user\\.aws\\credentials',
      content: 'key=AKIAQWERTYUIOPASDFGH',
    });
    const out: Buffer[] = [];
    for (let i = 0; i < args.length; i += 3) out.push(s.event(json(1, args.slice(i, i + 3))));
    out.push(s.event(sse('content_block_stop', { type: 'content_block_stop', index: 1 })));
    const partial = parseSse(Buffer.concat(out))
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => (JSON.parse(e.data) as { delta: { partial_json: string } }).delta.partial_json)
      .join('');
    assert.deepEqual(JSON.parse(partial), {
      file_path: 'C:\\Users\\carol\\.aws\\credentials',
      content: 'key=AKIAIOSFODNN7EXAMPLE',
    });
  });

  it('does not restore secrets into tool calls when the policy says no, nor into text', () => {
    const r = createRestorer(anthropicMessages, ENTRIES, { secretsInToolCalls: false });
    const s = r?.stream();
    assert.ok(s);
    const out = Buffer.concat([
      s.event(json(1, '{"k":"AKIAQWERTYUIOPASDFGH"}')),
      s.event(delta(0, 'AKIAQWERTYUIOPASDFGH')),
      s.end(),
    ]).toString();
    assert.ok(!out.includes('AKIAIOSFODNN7EXAMPLE'));
  });

  it('restores a whole JSON answer, tool_use input included', () => {
    const r = createRestorer(anthropicMessages, ENTRIES, { secretsInToolCalls: true });
    const answer = {
      type: 'message',
      content: [
        { type: 'text', text: 'Reading /home/user/project-1/README.md on host-12.example.internal' },
        {
          type: 'tool_use',
          id: 't1',
          name: 'Read',
          input: { file_path: '/home/user/project-1/README.md', key: 'AKIAQWERTYUIOPASDFGH' },
        },
      ],
    };
    r?.json(answer);
    assert.equal(answer.content[0]?.text, 'Reading /home/alice/acme-api/README.md on db.acme.corp');
    assert.deepEqual(answer.content[1]?.input, {
      file_path: '/home/alice/acme-api/README.md',
      key: 'AKIAIOSFODNN7EXAMPLE',
    });
  });
});

describe('stream restorer (OpenAI chat)', () => {
  it('flushes held tool-call arguments as a chunk of the same shape before the finish chunk and [DONE]', () => {
    const s = createRestorer(openaiChat, ENTRIES, { secretsInToolCalls: true })?.stream();
    assert.ok(s);
    const chunk = (args: string) =>
      sse(undefined, {
        id: 'c1',
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args } }] } }],
      });
    const out = Buffer.concat([
      s.event(chunk('{"path":"/home/user/project-1/x","h":"host-12.exa')),
      s.event(
        sse(undefined, {
          id: 'c1',
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }],
        }),
      ),
      s.event({ data: '[DONE]', raw: Buffer.from('data: [DONE]\n\n') }),
      s.end(),
    ]);
    const events = parseSse(out);
    assert.equal(events.at(-1)?.data, '[DONE]');
    const args = events
      .slice(0, -1)
      .map(
        (e) =>
          JSON.parse(e.data) as {
            choices: { delta: { tool_calls?: { function: { arguments: string } }[] } }[];
          },
      )
      .map((c) => c.choices[0]?.delta.tool_calls?.[0]?.function.arguments ?? '')
      .join('');
    assert.equal(args, '{"path":"/home/alice/acme-api/x","h":"host-12.exa');
    assert.ok(
      (JSON.parse(events.at(-2)?.data ?? '{}') as { choices: { finish_reason?: string }[] }).choices[0]
        ?.finish_reason,
    );
  });
});
