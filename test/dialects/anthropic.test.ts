import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anthropicComplete } from '../../src/dialects/anthropic-complete.js';
import { anthropicMessages } from '../../src/dialects/anthropic-messages.js';
import type { Segment } from '../../src/dialects/types.js';
import { formatEvent } from '../../src/sse/writer.js';
import { ANTHROPIC_STREAM } from '../sse/streams.js';
import {
  checkOddShapes,
  checkRoundTrip,
  kindOf,
  kindsByChannel,
  loadFixture,
  streamFields,
  checkAnswerRoundTrip,
  checkStreamAnswers,
} from './helpers.js';

const claudeCode = loadFixture('anthropic-messages-claude-code.json');
const find = (segs: Segment[], path: (string | number)[]) =>
  segs.find((s) => JSON.stringify(s.path) === JSON.stringify(path));

describe('anthropic-messages requests', () => {
  it('round-trips a Claude Code request and lists every place user data sits', () => {
    const segs = checkRoundTrip(anthropicMessages, claudeCode);
    const env = find(segs, ['system', 1, 'text']);
    assert.equal(env?.role, 'system');
    assert.match(
      env?.text ?? '',
      /Working directory: \/home\/alice\/projects\/webshop\n[^]*OS Version: Linux 6\.8\.0/,
    );
    assert.equal(find(segs, ['messages', 0, 'content', 1, 'text'])?.role, 'user');
    assert.equal(find(segs, ['messages', 1, 'content', 0, 'thinking'])?.role, 'assistant');
    assert.equal(find(segs, ['messages', 1, 'content', 2, 'input', 'command'])?.role, 'tool_use');
    assert.equal(find(segs, ['messages', 3, 'content', 1, 'input', 'todos', 0, 'content'])?.role, 'tool_use');
    assert.equal(find(segs, ['messages', 3, 'content', 2, 'input', 'opts', 3, 'label'])?.role, 'tool_use');
    assert.equal(find(segs, ['messages', 2, 'content', 0, 'content'])?.role, 'tool_result');
    assert.equal(find(segs, ['messages', 4, 'content', 0, 'content', 0, 'text'])?.role, 'tool_result');
    assert.equal(find(segs, ['messages', 4, 'content', 4, 'source', 'data'])?.role, 'user');
    assert.equal(find(segs, ['messages', 4, 'content', 3, 'content', 0, 'source'])?.role, 'tool_result');
    assert.equal(
      find(segs, ['messages', 4, 'content', 3, 'content', 0, 'content', 0, 'text'])?.role,
      'tool_result',
    );
    assert.equal(find(segs, ['messages', 5, 'content'])?.role, 'assistant');
    assert.equal(
      find(segs, ['tools', 0, 'input_schema', 'properties', 'command', 'description'])?.role,
      'tool_definition',
    );
    // A schema property named "type" is still read; the structural "type": "string" is not.
    assert.ok(find(segs, ['tools', 3, 'input_schema', 'properties', 'type', 'description']));
    assert.equal(find(segs, ['tools', 3, 'input_schema', 'properties', 'type', 'type']), undefined);
    const meta = find(segs, ['metadata', 'user_id']);
    assert.equal(meta?.role, 'metadata');
    assert.equal(typeof (JSON.parse(meta?.text ?? '{}') as { device_id?: unknown }).device_id, 'string');
    // Identifiers, signatures and image bytes are not text to inspect.
    const noise = segs.filter((s) =>
      ['id', 'tool_use_id', 'signature', 'model'].includes(String(s.path.at(-1))),
    );
    assert.deepEqual(noise, []);
    assert.ok(!segs.some((s) => s.text.startsWith('iVBOR')));
  });

  it('lists the text of every kind of document and the URL of an image or a document', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'document',
              title: 'notes of alice',
              context: 'from /home/alice/notes',
              source: { type: 'content', content: [{ type: 'text', text: 'AKIA key in here' }] },
            },
            { type: 'document', source: { type: 'content', content: 'one string of content' } },
            { type: 'document', source: { type: 'url', url: 'https://wiki.corp.example/alice.pdf' } },
            {
              type: 'document',
              source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' },
            },
            { type: 'image', source: { type: 'url', url: 'https://build-07.corp.example/shot.png' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
      ],
    };
    const segs = checkRoundTrip(anthropicMessages, JSON.stringify(body));
    const at = (...p: (string | number)[]) => find(segs, ['messages', 0, 'content', ...p])?.text;
    assert.equal(at(0, 'title'), 'notes of alice');
    assert.equal(at(0, 'context'), 'from /home/alice/notes');
    assert.equal(at(0, 'source', 'content', 0, 'text'), 'AKIA key in here');
    assert.equal(at(1, 'source', 'content'), 'one string of content');
    assert.equal(at(2, 'source', 'url'), 'https://wiki.corp.example/alice.pdf');
    assert.equal(at(4, 'source', 'url'), 'https://build-07.corp.example/shot.png');
    assert.ok(!segs.some((s) => s.text === 'JVBERi0xLjQK' || s.text === 'iVBORw0KGgo='), 'bytes are no text');
  });

  it('round-trips count_tokens with a string system prompt', () => {
    const segs = checkRoundTrip(anthropicMessages, loadFixture('anthropic-count-tokens.json'));
    assert.equal(find(segs, ['system'])?.role, 'system');
    assert.equal(find(segs, ['messages', 0, 'content'])?.role, 'user');
  });

  it("lists a message of role system (Claude Code 2.1.3xx's environment block) as system text", () => {
    const body = {
      model: 'claude-opus-4-8',
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'system',
          content: [{ type: 'text', text: '# Environment\n - Primary working directory: /home/alice/app' }],
        },
      ],
    };
    const segs = checkRoundTrip(anthropicMessages, JSON.stringify(body));
    assert.equal(find(segs, ['messages', 0, 'content'])?.role, 'user');
    assert.equal(find(segs, ['messages', 1, 'content', 0, 'text'])?.role, 'system');
  });

  it("lists an MCP server's URL as a tool server and its token as a credential, not its name", () => {
    const body = {
      model: 'claude-opus-4-8',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'tickets on mcp.alice-corp.internal?' }],
      mcp_servers: [
        {
          type: 'url',
          name: 'tracker',
          url: 'https://mcp.alice-corp.internal/sse',
          authorization_token: 'alice-token',
        },
        { type: 'url', name: 'docs', url: 'https://docs.example.com/mcp' },
      ],
      tools: [{ type: 'mcp_toolset', mcp_server_name: 'tracker' }],
    };
    const segs = checkRoundTrip(anthropicMessages, JSON.stringify(body));
    assert.equal(find(segs, ['mcp_servers', 0, 'url'])?.role, 'tool_server');
    assert.equal(find(segs, ['mcp_servers', 0, 'authorization_token'])?.role, 'credential');
    assert.equal(find(segs, ['mcp_servers', 1, 'url'])?.role, 'tool_server');
    // The ids the toolsets and the model's calls name the server by.
    assert.equal(find(segs, ['mcp_servers', 0, 'name']), undefined);
    assert.equal(find(segs, ['tools', 0, 'mcp_server_name']), undefined);
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(anthropicMessages, claudeCode);
  });

  it('knows the model and when the answer streams', () => {
    const body: unknown = JSON.parse(claudeCode);
    assert.equal(anthropicMessages.model(body, '/v1/messages'), 'claude-sonnet-4-5-20250929');
    const q = new URLSearchParams('beta=true');
    assert.equal(anthropicMessages.streaming(body, '/v1/messages', q), true);
    assert.equal(anthropicMessages.streaming(body, '/v1/messages/count_tokens', q), false);
    assert.equal(anthropicMessages.streaming(body, '/v1/messages/count_tokens?beta=true', q), false);
    assert.equal(anthropicMessages.streaming({ stream: 'true' }, '/v1/messages', q), false);
  });
});

describe('anthropic-messages answers', () => {
  it('lists and edits the text and tool input of a JSON answer, never the signed thinking', () => {
    const answer = {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [
        { type: 'thinking', thinking: 'look in /home/user', signature: 'sig' },
        { type: 'text', text: 'Reading /home/user/project-1/.env' },
        {
          type: 'tool_use',
          id: 'toolu_1',
          name: 'Read',
          input: { file_path: '/home/user/project-1/.env', n: 3 },
        },
      ],
      stop_reason: 'tool_use',
    };
    checkAnswerRoundTrip(anthropicMessages, answer);
    const fields = anthropicMessages.answerFields(answer);
    assert.deepEqual(
      fields.map((f) => [f.channel, f.json, f.text]),
      [
        ['1', false, 'Reading /home/user/project-1/.env'],
        ['2:input:file_path', false, '/home/user/project-1/.env'],
        ['2:input#name0', false, 'file_path'],
        ['2:input#name1', false, 'n'],
      ],
    );
    assert.deepEqual(fields.map(kindOf), ['whole', 'tool+whole', 'tool+whole', 'tool+whole']);
    for (const f of fields) f.set(f.text.replaceAll('/home/user', '/home/alice'));
    assert.equal(answer.content[0]?.thinking, 'look in /home/user', 'the thinking is as signed');
    assert.equal(answer.content[1]?.text, 'Reading /home/alice/project-1/.env');
    assert.deepEqual(answer.content[2]?.input, { file_path: '/home/alice/project-1/.env', n: 3 });
    assert.equal(fields[1]?.text, '/home/alice/project-1/.env');
  });

  it('follows a real-shaped stream channel by channel and edits an event', () => {
    const { events, byChannel, fields, objects } = streamFields(anthropicMessages, ANTHROPIC_STREAM);
    checkStreamAnswers(anthropicMessages, objects);
    // Block 0 is thinking, signed as the model wrote it: no field (see Segment.sealed).
    assert.equal(byChannel.get('0'), undefined);
    assert.equal(
      byChannel.get('1'),
      "I'll read the file at `/home/alice/projects/webshop/.env` — naïve café ✓ 🚀",
    );
    assert.deepEqual(JSON.parse(byChannel.get('2') ?? ''), {
      file_path: '/home/alice/projects/webshop/.env',
    });
    assert.ok(fields.flat().every((f) => f.json === (f.channel === '2')));
    // Deltas continue their block; only the tool input is tool text.
    assert.deepEqual(kindsByChannel(fields), { '1': '', '2': 'tool' });
    // ping, signature_delta, stops and message events carry no text.
    const empty = events.filter((_, i) => fields[i]?.length === 0).map((e) => e.event);
    assert.deepEqual(
      new Set(empty),
      new Set([
        'message_start',
        'ping',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
        'content_block_start',
      ]),
    );

    const i = fields.findIndex((f) => f[0]?.json === true && f[0].text.includes('/home/alice/pro'));
    const field = fields[i]?.[0];
    assert.ok(field);
    field.set(field.text.replace('/home/alice/pro', '/home/user/pro'));
    const out = formatEvent({ event: events[i]?.event, data: JSON.stringify(objects[i]) });
    assert.equal(
      out,
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"file_path\\": \\"/home/user/pro"}}\n\n',
    );
  });
});

describe('anthropic-complete', () => {
  it('round-trips a legacy completion request', () => {
    const segs = checkRoundTrip(anthropicComplete, loadFixture('anthropic-complete.json'));
    assert.deepEqual(
      segs.map((s) => s.role),
      ['user', 'metadata'],
    );
    checkOddShapes(anthropicComplete, loadFixture('anthropic-complete.json'));
  });

  it('edits the completion of JSON answers and of stream events', () => {
    const whole = {
      type: 'completion',
      completion: ' It holds /home/user',
      stop_reason: 'stop_sequence',
      model: 'claude-2.1',
    };
    checkAnswerRoundTrip(anthropicComplete, whole);
    const [field] = anthropicComplete.answerFields(whole);
    field?.set(' It holds /home/alice');
    assert.equal(whole.completion, ' It holds /home/alice');
    const sse = [
      'event: completion',
      'data: {"type":"completion","completion":" It","stop_reason":null,"model":"claude-2.1"}',
      '',
      'event: ping',
      'data: {"type": "ping"}',
      '',
      'event: completion',
      'data: {"type":"completion","completion":" holds","stop_reason":"stop_sequence","model":"claude-2.1"}',
      '',
      '',
    ].join('\n');
    const { byChannel, fields, objects } = streamFields(anthropicComplete, sse);
    assert.deepEqual([...byChannel], [['0', ' It holds']]);
    fields[2]?.[0]?.set(' keeps');
    assert.match(JSON.stringify(objects[2]), /"completion":" keeps"/);
    assert.equal(
      anthropicComplete.streaming(
        JSON.parse(loadFixture('anthropic-complete.json')),
        '/v1/complete',
        new URLSearchParams(),
      ),
      true,
    );
  });
});
