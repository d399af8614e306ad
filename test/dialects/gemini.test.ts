import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gemini, geminiAnswerFormat } from '../../src/dialects/gemini.js';
import type { Segment } from '../../src/dialects/types.js';
import { formatEvent } from '../../src/sse/writer.js';
import {
  checkAnswerRoundTrip,
  checkOddShapes,
  checkRoundTrip,
  checkStreamAnswers,
  kindsByChannel,
  loadFixture,
  streamFields,
} from './helpers.js';

const cli = loadFixture('gemini-cli.json');
const roleAt = (segs: Segment[], path: (string | number)[]) =>
  segs.find((s) => JSON.stringify(s.path) === JSON.stringify(path))?.role;
const STREAM_PATH = '/v1beta/models/gemini-2.5-pro:streamGenerateContent';

describe('gemini requests', () => {
  it('round-trips a Gemini CLI request', () => {
    const segs = checkRoundTrip(gemini, cli);
    assert.equal(roleAt(segs, ['systemInstruction', 'parts', 0, 'text']), 'system');
    assert.match(
      segs[1]?.text ?? '',
      /I'm currently working in the directory: \/home\/alice\/projects\/webshop/,
    );
    assert.equal(roleAt(segs, ['contents', 0, 'parts', 0, 'text']), 'user');
    assert.equal(roleAt(segs, ['contents', 1, 'parts', 0, 'text']), 'assistant');
    assert.equal(roleAt(segs, ['contents', 3, 'parts', 0, 'text']), 'assistant');
    assert.equal(roleAt(segs, ['contents', 3, 'parts', 1, 'functionCall', 'args', 'ignore', 1]), 'tool_use');
    assert.equal(
      roleAt(segs, ['contents', 4, 'parts', 1, 'functionResponse', 'response', 'meta', 'owner']),
      'tool_result',
    );
    assert.equal(roleAt(segs, ['contents', 5, 'parts', 0, 'executableCode', 'code']), 'assistant');
    assert.equal(roleAt(segs, ['contents', 5, 'parts', 1, 'codeExecutionResult', 'output']), 'tool_result');
    assert.equal(roleAt(segs, ['contents', 6, 'parts', 0, 'text']), 'tool_result');
    assert.equal(
      roleAt(segs, [
        'tools',
        0,
        'functionDeclarations',
        0,
        'parametersJsonSchema',
        'properties',
        'path',
        'description',
      ]),
      'tool_definition',
    );
    assert.equal(
      roleAt(segs, [
        'tools',
        0,
        'functionDeclarations',
        1,
        'parameters',
        'properties',
        'command',
        'description',
      ]),
      'tool_definition',
    );
    // Function names and ids are not user data; inline image bytes are not text.
    assert.equal(roleAt(segs, ['contents', 3, 'parts', 1, 'functionCall', 'name']), undefined);
    assert.ok(!segs.some((s) => s.text.startsWith('iVBOR')));
  });

  it('round-trips countTokens in both of its shapes', () => {
    const segs = checkRoundTrip(gemini, loadFixture('gemini-count-tokens.json'));
    assert.deepEqual(
      segs.map((s) => s.path.join('.')),
      [
        'contents.0.parts.0.text',
        'generateContentRequest.systemInstruction.parts.0.text',
        'generateContentRequest.contents.0.parts.0.text',
      ],
    );
  });

  it('lists a file given by its address, not inline bytes', () => {
    const parts = [
      { fileData: { mimeType: 'application/pdf', fileUri: 'gs://alice-private-bucket/report.pdf' } },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
    ];
    const segs = checkRoundTrip(gemini, JSON.stringify({ contents: [{ role: 'user', parts }] }));
    assert.deepEqual(
      segs.map((s) => s.text),
      ['gs://alice-private-bucket/report.pdf'],
    );
  });

  it("lists an MCP server's URL as a tool server and its headers' values as credentials, in either spelling", () => {
    const body = {
      contents: [{ role: 'user', parts: [{ text: 'tickets on mcp.alice-corp.internal?' }] }],
      tools: [
        {
          mcpServers: [
            {
              name: 'tracker',
              streamableHttpTransport: {
                url: 'https://mcp.alice-corp.internal/mcp',
                headers: { Authorization: 'Bearer alice-token' },
                timeout: '30s',
              },
            },
          ],
        },
        {
          mcp_servers: [
            { name: 'docs', streamable_http_transport: { url: 'https://docs.alice.example/mcp' } },
          ],
        },
      ],
    };
    const segs = checkRoundTrip(gemini, JSON.stringify(body));
    const at = ['tools', 0, 'mcpServers', 0, 'streamableHttpTransport'];
    assert.equal(roleAt(segs, [...at, 'url']), 'tool_server');
    assert.equal(roleAt(segs, [...at, 'headers', 'Authorization']), 'credential');
    assert.equal(
      roleAt(segs, ['tools', 1, 'mcp_servers', 0, 'streamable_http_transport', 'url']),
      'tool_server',
    );
    // The id its calls name it by, the protocol's names and settings.
    assert.equal(roleAt(segs, ['tools', 0, 'mcpServers', 0, 'name']), undefined);
    assert.equal(roleAt(segs, [...at, 'timeout']), undefined);
    assert.ok(!segs.some((s) => s.key));
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(gemini, cli);
  });

  it('reads the model from the path and tells SSE from a JSON array', () => {
    assert.equal(gemini.model({}, STREAM_PATH), 'gemini-2.5-pro');
    assert.equal(gemini.model({}, '/v1beta/models/gemini-2.5-flash%3AgenerateContent'), 'gemini-2.5-flash');
    assert.equal(gemini.model({}, '/v1beta/tunedModels/my%20model:generateContent'), 'my model');
    assert.equal(gemini.model({}, '/v1beta/models/bad%E0:generateContent'), 'bad%E0');
    assert.equal(gemini.model({}, '/v1beta/models'), undefined);
    const sse = new URLSearchParams('alt=sse');
    assert.equal(gemini.streaming({}, STREAM_PATH, sse), true);
    assert.equal(gemini.streaming({}, STREAM_PATH, new URLSearchParams()), false);
    assert.equal(geminiAnswerFormat(STREAM_PATH, new URLSearchParams()), 'json-array');
    assert.equal(geminiAnswerFormat('/v1beta/models/m:generateContent', sse), 'json');
  });
});

const chunk = (parts: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({
    candidates: [{ content: { parts, role: 'model' }, index: 0, ...extra }],
    usageMetadata: { promptTokenCount: 9120, candidatesTokenCount: 12, totalTokenCount: 9132 },
    modelVersion: 'gemini-2.5-pro',
    responseId: 'x4c1aKfZ',
  })}\r\n\r\n`;

// Gemini ends SSE lines with CRLF.
const GEMINI_STREAM =
  chunk([{ text: '**Planning** for /home/us', thought: true }]) +
  chunk([{ text: 'The files in /home/' }]) +
  chunk([{ text: 'user/project-1 are:' }]) +
  chunk(
    [
      {
        functionCall: {
          name: 'read_file',
          args: { absolute_path: '/home/user/project-1/a.ts', opts: { n: 1 } },
        },
      },
    ],
    {
      finishReason: 'STOP',
    },
  );

describe('gemini answers', () => {
  it('follows an SSE stream (CRLF) by candidate and edits a chunk', () => {
    const { byChannel, fields, objects, events } = streamFields(gemini, GEMINI_STREAM);
    checkStreamAnswers(gemini, objects);
    assert.equal(events.length, 4);
    assert.deepEqual(Object.fromEntries(byChannel), {
      '0:thought': '**Planning** for /home/us',
      '0': 'The files in /home/user/project-1 are:',
      '0:0:args:absolute_path': '/home/user/project-1/a.ts',
      '0:0:args:opts#name0': 'n',
      '0:0:args#name1': 'absolute_path',
      '0:0:args#name2': 'opts',
    });
    assert.ok(fields.flat().every((f) => !f.json));
    assert.deepEqual(kindsByChannel(fields), {
      '0:thought': '',
      '0': '',
      '0:0:args:absolute_path': 'tool+whole',
      '0:0:args:opts#name0': 'tool+whole',
      '0:0:args#name1': 'tool+whole',
      '0:0:args#name2': 'tool+whole',
    });
    fields[1]?.[0]?.set('The files in /home/alice/');
    const out = formatEvent({ data: JSON.stringify(objects[1]) }, { eol: '\r\n' });
    assert.ok(
      out.startsWith('data: {"candidates":[{"content":{"parts":[{"text":"The files in /home/alice/"}]'),
    );
    assert.ok(out.endsWith('}\r\n\r\n'));
    fields[3]?.[0]?.set('/home/alice/webshop/a.ts');
    assert.match(
      JSON.stringify(objects[3]),
      /"args":\{"absolute_path":"\/home\/alice\/webshop\/a.ts","opts":\{"n":1\}\}/,
    );
  });

  it('lists the fields of a JSON answer and of a streamed JSON array', () => {
    const one = {
      candidates: [
        { content: { role: 'model', parts: [{ text: 'Hello /home/user' }] }, finishReason: 'STOP', index: 0 },
        {
          content: {
            role: 'model',
            parts: [{ text: 'Second' }, { functionCall: { name: 'f', args: { p: '/x' } } }],
          },
          index: 1,
        },
      ],
    };
    checkAnswerRoundTrip(gemini, one);
    const fields = gemini.answerFields(one);
    assert.deepEqual(
      fields.map((f) => [f.channel, f.text]),
      [
        ['0', 'Hello /home/user'],
        ['1', 'Second'],
        ['1:1:args:p', '/x'],
        ['1:1:args#name0', 'p'],
      ],
    );
    fields[0]?.set('Hello /home/alice');
    assert.equal(one.candidates[0]?.content.parts[0]?.text, 'Hello /home/alice');
    const array = [one, { candidates: [{ content: { parts: [{ text: ' more' }] } }] }];
    assert.deepEqual(
      gemini.answerFields(array).map((f) => f.text),
      ['Hello /home/alice', 'Second', '/x', 'p', ' more'],
    );
  });
});
