import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openaiChat } from '../../src/dialects/openai-chat.js';
import { openaiResponses } from '../../src/dialects/openai-responses.js';
import type { Segment } from '../../src/dialects/types.js';
import { formatEvent } from '../../src/sse/writer.js';
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
import { OPENAI_CHAT_STREAM, OPENAI_RESPONSE_JSON, OPENAI_RESPONSES_STREAM } from './openai-streams.js';

const chat = loadFixture('openai-chat-tools.json');
const codex = loadFixture('openai-responses-codex.json');
const roleAt = (segs: Segment[], path: (string | number)[]) =>
  segs.find((s) => JSON.stringify(s.path) === JSON.stringify(path))?.role;

describe('openai-chat requests', () => {
  it('round-trips a tool-using chat request', () => {
    const segs = checkRoundTrip(openaiChat, chat);
    assert.equal(roleAt(segs, ['messages', 0, 'content']), 'system');
    assert.equal(roleAt(segs, ['messages', 1, 'content', 0, 'text']), 'system');
    assert.equal(roleAt(segs, ['messages', 2, 'name']), 'metadata');
    assert.equal(roleAt(segs, ['messages', 2, 'content', 0, 'text']), 'user');
    assert.equal(roleAt(segs, ['messages', 3, 'tool_calls', 1, 'function', 'arguments']), 'tool_use');
    assert.equal(roleAt(segs, ['messages', 4, 'content']), 'tool_result');
    assert.equal(roleAt(segs, ['messages', 5, 'content', 0, 'text']), 'tool_result');
    assert.equal(roleAt(segs, ['messages', 6, 'content']), 'assistant');
    assert.equal(roleAt(segs, ['messages', 7, 'function_call', 'arguments']), 'tool_use');
    assert.equal(roleAt(segs, ['tools', 0, 'function', 'description']), 'tool_definition');
    assert.equal(
      roleAt(segs, ['tools', 0, 'function', 'parameters', 'properties', 'command', 'description']),
      'tool_definition',
    );
    assert.equal(roleAt(segs, ['prediction', 'content']), 'user');
    assert.equal(roleAt(segs, ['user']), 'metadata');
    assert.equal(roleAt(segs, ['metadata', 'client']), 'metadata');
    assert.equal(roleAt(segs, ['prompt_cache_key']), 'metadata');
    assert.ok(!segs.some((s) => s.text.includes('base64')));
    const body: unknown = JSON.parse(chat);
    assert.equal(openaiChat.model(body, '/v1/chat/completions'), 'gpt-4.1');
    assert.equal(openaiChat.streaming(body, '/v1/chat/completions', new URLSearchParams()), true);
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(openaiChat, chat);
  });
});

describe('files and images given by address or name', () => {
  const texts = (segs: Segment[]) => segs.map((s) => s.text);

  it('lists a Chat image URL and file name, not the bytes of a data: URL', () => {
    const content = [
      { type: 'image_url', image_url: { url: 'https://build-07.alice.internal/shot.png' } },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      {
        type: 'file',
        file: { filename: 'alice-salary.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
      },
    ];
    const segs = checkRoundTrip(
      openaiChat,
      JSON.stringify({ model: 'm', messages: [{ role: 'user', content }] }),
    );
    assert.deepEqual(texts(segs), ['https://build-07.alice.internal/shot.png', 'alice-salary.pdf']);
  });

  it('lists a Responses image URL, file name and file URL, not the bytes of a data: URL', () => {
    const content = [
      { type: 'input_image', image_url: 'https://build-07.alice.internal/shot.png' },
      { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
      { type: 'input_file', filename: 'alice-salary.pdf', file_url: 'https://files.alice.internal/s.pdf' },
    ];
    const segs = checkRoundTrip(
      openaiResponses,
      JSON.stringify({ model: 'm', input: [{ type: 'message', role: 'user', content }] }),
    );
    assert.deepEqual(texts(segs), [
      'https://build-07.alice.internal/shot.png',
      'alice-salary.pdf',
      'https://files.alice.internal/s.pdf',
    ]);
  });
});

describe('openai-chat answers', () => {
  it('lists content and tool-call arguments of a JSON answer', () => {
    const answer = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'See /home/user',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'read', arguments: '{"p":"/home/user"}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
        { index: 1, message: { role: 'assistant', content: null } },
      ],
    };
    checkAnswerRoundTrip(openaiChat, answer);
    const fields = openaiChat.answerFields(answer);
    assert.deepEqual(
      fields.map((f) => [f.channel, f.json, f.text]),
      [
        ['0:content', false, 'See /home/user'],
        ['0:tool:0', true, '{"p":"/home/user"}'],
      ],
    );
    assert.deepEqual(fields.map(kindOf), ['whole', 'tool+whole']);
    fields[1]?.set('{"p":"/home/alice"}');
    assert.equal(answer.choices[0]?.message.tool_calls?.[0]?.function.arguments, '{"p":"/home/alice"}');
  });

  it('follows a stream by choice, content and tool index, and ignores [DONE]', () => {
    const { events, byChannel, fields, objects } = streamFields(openaiChat, OPENAI_CHAT_STREAM);
    checkStreamAnswers(openaiChat, objects);
    assert.deepEqual(Object.fromEntries(byChannel), {
      '0:content': 'Reading /home/user/project-1 — ✓',
      '0:tool:0': '{"filePath":"/home/user/project-1/a.ts"}',
      '0:tool:1': '{"command":"ls"}',
    });
    assert.deepEqual(kindsByChannel(fields), { '0:content': '', '0:tool:0': 'tool', '0:tool:1': 'tool' });
    assert.equal(events.at(-1)?.data, '[DONE]');
    assert.deepEqual(fields.at(-1), []);
    const i = fields.findIndex((f) => f[0]?.text === '{"filePath":"/home/');
    assert.equal(fields[i]?.[0]?.json, true);
    fields[i]?.[0]?.set('{"filePath":"/home/alice/');
    const out = formatEvent({ data: JSON.stringify(objects[i]) });
    assert.match(out, /^data: \{.*"arguments":"\{\\"filePath\\":\\"\/home\/alice\/"\}.*\}\n\n$/);
  });
});

describe('openai-responses requests', () => {
  it('round-trips a Codex request', () => {
    const segs = checkRoundTrip(openaiResponses, codex);
    assert.equal(roleAt(segs, ['instructions']), 'system');
    assert.equal(roleAt(segs, ['input', 1, 'content', 0, 'text']), 'user');
    assert.match(
      segs.find((s) => s.text.includes('<cwd>'))?.text ?? '',
      /<cwd>\/home\/alice\/projects\/webshop<\/cwd>/,
    );
    assert.equal(roleAt(segs, ['input', 3, 'summary', 0, 'text']), 'assistant');
    assert.equal(roleAt(segs, ['input', 4, 'arguments']), 'tool_use');
    assert.equal(roleAt(segs, ['input', 5, 'output']), 'tool_result');
    assert.equal(roleAt(segs, ['input', 6, 'input']), 'tool_use');
    assert.equal(roleAt(segs, ['input', 7, 'output']), 'tool_result');
    assert.equal(roleAt(segs, ['input', 8, 'action', 'env', 'HOME']), 'tool_use');
    assert.equal(roleAt(segs, ['input', 10, 'output', 0, 'text']), 'tool_result');
    assert.equal(roleAt(segs, ['input', 11, 'content', 0, 'text']), 'assistant');
    assert.equal(roleAt(segs, ['input', 12, 'content']), 'system');
    assert.equal(roleAt(segs, ['input', 17, 'action', 'commands', 0]), 'tool_use');
    assert.equal(roleAt(segs, ['input', 18, 'output', 0, 'stdout']), 'tool_result');
    assert.equal(roleAt(segs, ['input', 18, 'output', 0, 'outcome', 'type']), undefined);
    assert.equal(roleAt(segs, ['input', 19, 'operation', 'diff']), 'tool_use');
    assert.equal(roleAt(segs, ['input', 20, 'output']), 'tool_result');
    assert.equal(roleAt(segs, ['input', 21, 'arguments']), 'tool_use');
    assert.equal(roleAt(segs, ['input', 22, 'content', 0, 'text']), 'assistant');
    assert.equal(
      roleAt(segs, ['tools', 0, 'parameters', 'properties', 'workdir', 'description']),
      'tool_definition',
    );
    assert.equal(roleAt(segs, ['tools', 1, 'description']), 'tool_definition');
    assert.equal(roleAt(segs, ['prompt_cache_key']), 'metadata');
    assert.equal(roleAt(segs, ['safety_identifier']), 'metadata');
    assert.equal(roleAt(segs, ['prompt', 'variables', 'note', 'text']), 'user');
    assert.equal(roleAt(segs, ['prompt', 'variables', 'file', 'file_id']), undefined);
    assert.equal(roleAt(segs, ['metadata', 'account']), 'metadata');
    assert.equal(roleAt(segs, ['client_metadata', 'x-codex-installation-id']), 'metadata');
    assert.equal(roleAt(segs, ['client_metadata', 'x-codex-turn-metadata']), 'metadata');
    assert.ok(!segs.some((s) => s.path.includes('encrypted_content') || s.path.includes('call_id')));
    const body: unknown = JSON.parse(codex);
    assert.equal(openaiResponses.model(body, '/v1/responses'), 'gpt-5-codex');
    assert.equal(openaiResponses.streaming(body, '/v1/responses', new URLSearchParams()), true);
    assert.equal(openaiResponses.streaming(body, '/v1/responses/input_tokens', new URLSearchParams()), false);
  });

  it('reads a plain string input', () => {
    const segs = checkRoundTrip(openaiResponses, JSON.stringify({ model: 'gpt-5', input: 'hi from alice' }));
    assert.deepEqual(segs, [{ path: ['input'], role: 'user', text: 'hi from alice' }]);
  });

  it("lists an MCP server's URL as a tool server, its authorization and header values as credentials", () => {
    const body = {
      model: 'gpt-5',
      input: 'tickets on mcp.alice-corp.internal?',
      tools: [
        {
          type: 'mcp',
          server_label: 'tracker',
          server_url: 'https://mcp.alice-corp.internal/sse',
          server_description: 'the tracker of alice-corp',
          authorization: 'alice-token',
          headers: { 'X-Tenant': 'alice-corp' },
          allowed_tools: ['list_tickets'],
        },
      ],
    };
    const segs = checkRoundTrip(openaiResponses, JSON.stringify(body));
    assert.equal(roleAt(segs, ['tools', 0, 'server_url']), 'tool_server');
    assert.equal(roleAt(segs, ['tools', 0, 'authorization']), 'credential');
    assert.equal(roleAt(segs, ['tools', 0, 'headers', 'X-Tenant']), 'credential');
    assert.equal(roleAt(segs, ['tools', 0, 'server_description']), 'tool_definition');
    // The ids the model's calls and the answers name the server and its tools by; the header's name.
    assert.equal(roleAt(segs, ['tools', 0, 'server_label']), undefined);
    assert.equal(roleAt(segs, ['tools', 0, 'allowed_tools', 0]), undefined);
    assert.ok(!segs.some((s) => s.key));
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(openaiResponses, codex);
  });
});

describe('openai-responses answers', () => {
  it('lists the output of a JSON answer', () => {
    const answer = structuredClone(OPENAI_RESPONSE_JSON);
    checkAnswerRoundTrip(openaiResponses, answer);
    const fields = openaiResponses.answerFields(answer);
    assert.deepEqual(
      fields.map((f) => [f.channel, f.json]),
      [
        ['0:summary:0', false],
        ['1:0', false],
        ['2', true],
        ['3', false],
        ['5:action:commands.0', false],
        // Member names of tool inputs too, after the values of their object.
        ['5:action#name0', false],
        ['5:action#name1', false],
        ['5:action#name2', false],
        ['6:operation:type', false],
        ['6:operation:path', false],
        ['6:operation:diff', false],
        ['6:operation#name0', false],
        ['6:operation#name1', false],
        ['6:operation#name2', false],
      ],
    );
    assert.deepEqual(fields.map(kindOf), ['whole', 'whole', ...Array<string>(12).fill('tool+whole')]);
    fields[3]?.set('*** Begin Patch\n*** Update File: /home/alice/webshop/a.ts\n');
    assert.match(JSON.stringify(answer.output[3]), /\/home\/alice\/webshop/);
  });

  it('follows a Codex stream: deltas continue their item, whole values stand alone', () => {
    const { byChannel, fields, objects, events } = streamFields(openaiResponses, OPENAI_RESPONSES_STREAM);
    checkStreamAnswers(openaiResponses, objects);
    assert.equal(byChannel.get('1:0'), 'Patching /home/user/project-1');
    assert.equal(byChannel.get('2'), '{"command":["ls"],"workdir":"/home/user/project-1"}');
    assert.equal(byChannel.get('0:summary:0'), '**Checking** /home/user');
    assert.equal(byChannel.get('1:0:done'), 'Patching /home/user/project-1');
    assert.equal(byChannel.get('2:done'), byChannel.get('2'));
    assert.equal(byChannel.get('1:item:done:0'), 'Patching /home/user/project-1');
    assert.equal(byChannel.get('2:item:done'), byChannel.get('2'));
    assert.equal(byChannel.get('response.completed:2'), byChannel.get('2'));
    // Deltas are plain (or tool) text; every .done, .added, item and snapshot value is whole.
    for (const [channel, kind] of Object.entries(kindsByChannel(fields))) {
      const whole = /:(done|added)$|:item:|^response\./.test(channel);
      const tool = channel.startsWith('2') || channel.startsWith('response.completed:2');
      assert.equal(kind, [tool ? 'tool' : '', whole ? 'whole' : ''].filter(Boolean).join('+'), channel);
    }
    const jsonChannels = [
      ...new Set(
        fields
          .flat()
          .filter((f) => f.json)
          .map((f) => f.channel),
      ),
    ].sort();
    assert.deepEqual(jsonChannels, ['2', '2:done', '2:item:added', '2:item:done', 'response.completed:2']);

    const i = events.findIndex((e) => e.event === 'response.function_call_arguments.delta');
    fields[i]?.[0]?.set('{"command":["ls"],"workdir":"/home/alice/');
    const out = formatEvent({ event: events[i]?.event, data: JSON.stringify(objects[i]) });
    assert.ok(out.startsWith('event: response.function_call_arguments.delta\ndata: {'));
    assert.ok(out.includes('"delta":"{\\"command\\":[\\"ls\\"],\\"workdir\\":\\"/home/alice/"'));
  });
});
