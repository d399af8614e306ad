import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { geminiInteractions } from '../../src/dialects/gemini-interactions.js';
import type { Segment } from '../../src/dialects/types.js';
import { isToolField, isWholeField } from '../../src/redact/restore-text.js';
import {
  checkAnswerRoundTrip,
  checkOddShapes,
  checkRoundTrip,
  checkStreamAnswers,
  kindsByChannel,
  loadFixture,
  streamFields,
} from './helpers.js';

const fixture = loadFixture('gemini-interactions.json');
const at = (segs: Segment[], path: (string | number)[]) =>
  segs.find((s) => JSON.stringify(s.path) === JSON.stringify(path));

describe('gemini interactions requests', () => {
  it('round-trips a stateless request of steps, tools and an environment', () => {
    const segs = checkRoundTrip(geminiInteractions, fixture);
    const role = (path: (string | number)[]) => at(segs, path)?.role;
    assert.equal(role(['system_instruction']), 'system');
    assert.equal(role(['input', 0, 'content', 0, 'text']), 'user');
    assert.equal(role(['input', 0, 'content', 1, 'uri']), 'user');
    assert.equal(role(['input', 0, 'content', 3, 'uri']), 'user');
    assert.equal(role(['input', 1, 'summary', 0, 'text']), 'assistant');
    assert.equal(role(['input', 2, 'content', 0, 'text']), 'assistant');
    assert.equal(role(['input', 3, 'arguments', 'path']), 'tool_use');
    assert.equal(role(['input', 4, 'result', 0, 'text']), 'tool_result');
    assert.equal(role(['input', 5, 'result']), 'tool_result');
    assert.equal(role(['input', 6, 'result', 'owner']), 'tool_result');
    assert.equal(role(['input', 7, 'arguments', 'code']), 'tool_use');
    assert.equal(role(['input', 8, 'result']), 'tool_result');
    assert.equal(role(['input', 11, 'arguments', 'sql']), 'tool_use');
    assert.equal(role(['input', 14, 'content']), 'user');
    assert.equal(role(['input', 15, 'content', 0, 'text']), 'assistant');
    assert.equal(role(['tools', 0, 'description']), 'tool_definition');
    assert.equal(role(['tools', 0, 'parameters', 'properties', 'path', 'description']), 'tool_definition');
    // An MCP server the provider calls: its address and its token go as given (docs/policy.md),
    // its name is the id its calls name it by.
    assert.equal(role(['tools', 1, 'url']), 'tool_server');
    assert.equal(role(['tools', 1, 'headers', 'Authorization']), 'credential');
    assert.equal(role(['tools', 1, 'name']), undefined);
    // The agent's variables are for its tools in the sandbox: their values go as given, their
    // names are what the tools look up; the files it starts with are the user's.
    assert.equal(role(['environment', 'env', 'HOME']), 'credential');
    assert.equal(role(['environment', 'env', 'TOKEN', 'credential']), 'credential');
    assert.ok(!segs.some((s) => s.key && s.path[0] === 'environment' && s.path[1] === 'env'));
    assert.equal(role(['environment', 'sources', 0, 'content']), 'user');
    assert.equal(role(['environment', 'type']), undefined);
    // The environment to update, by its id.
    assert.equal(role(['environment', 'environment_id']), undefined);
    // Where the sandbox fetches a source from, the hosts it may reach and what its egress proxy
    // sends there, and where the provider calls back, are used as given; where a source lands in
    // the sandbox is the user's.
    assert.equal(role(['environment', 'sources', 1, 'source']), 'tool_server');
    assert.equal(role(['environment', 'sources', 1, 'target']), 'user');
    assert.equal(role(['environment', 'network', 'allowlist', 0, 'domain']), 'tool_server');
    assert.equal(role(['environment', 'network', 'allowlist', 0, 'credential']), 'credential');
    assert.equal(
      role(['environment', 'network', 'allowlist', 0, 'transform', 0, 'Authorization']),
      'credential',
    );
    assert.equal(role(['environment', 'network', 'allowlist', 1, 'domain']), 'tool_server');
    assert.equal(role(['environment', 'network', 'allowlist', 1, 'transform', 'X-User']), 'credential');
    assert.ok(!segs.some((s) => s.key && s.path[0] === 'environment' && s.path[1] === 'network'));
    assert.equal(role(['webhook_config', 'uris', 0]), 'tool_server');
    assert.equal(role(['webhook_config', 'user_metadata', 'who']), 'metadata');
    assert.equal(role(['labels', 'team']), 'metadata');
    // A media content's bytes are no text; ids and kinds are structure.
    assert.equal(at(segs, ['input', 0, 'content', 2, 'data']), undefined);
    assert.equal(at(segs, ['input', 3, 'id']), undefined);
    assert.equal(at(segs, ['input', 7, 'arguments', 'language']), undefined);
  });

  it('marks the text of signed steps (a thought, a server tool call) as signed, and nothing else', () => {
    const segs = geminiInteractions.segments(JSON.parse(fixture));
    const signed = segs.filter((s) => s.signed && !s.key).map((s) => JSON.stringify(s.path));
    assert.deepEqual(signed, [
      JSON.stringify(['input', 1, 'summary', 0, 'text']),
      JSON.stringify(['input', 7, 'arguments', 'code']),
    ]);
  });

  it('reads a plain text, one content, and contents as the input', () => {
    const text = geminiInteractions.segments({ model: 'm', input: 'at /home/alice' });
    assert.deepEqual(
      text.map((s) => [s.path, s.role]),
      [[['input'], 'user']],
    );
    const one = geminiInteractions.segments({ model: 'm', input: { type: 'text', text: 'at /home/alice' } });
    assert.deepEqual(
      one.map((s) => [s.path, s.role]),
      [[['input', 'text'], 'user']],
    );
    const list = geminiInteractions.segments({ model: 'm', input: [{ type: 'text', text: 'a' }, 'b'] });
    assert.deepEqual(
      list.map((s) => s.path),
      [['input', 0, 'text']],
    );
  });

  it('never throws on odd shapes', () => {
    checkOddShapes(geminiInteractions, fixture);
  });

  it('names the model or the agent, and streams only when asked', () => {
    assert.equal(
      geminiInteractions.model({ model: 'gemini-3-flash-preview' }, '/v1beta/interactions'),
      'gemini-3-flash-preview',
    );
    assert.equal(
      geminiInteractions.model({ agent: 'deep-research-pro-preview' }, '/v1beta/interactions'),
      'deep-research-pro-preview',
    );
    const q = new URLSearchParams();
    assert.equal(geminiInteractions.streaming({ stream: true }, '/v1beta/interactions', q), true);
    assert.equal(geminiInteractions.streaming({}, '/v1beta/interactions', q), false);
  });
});

const INTERACTION = {
  id: 'v1_abc',
  object: 'interaction',
  status: 'completed',
  model: 'gemini-3-flash-preview',
  steps: [
    { type: 'user_input', content: [{ type: 'text', text: 'Working directory: /home/user/project-1' }] },
    { type: 'thought', signature: 'sig', summary: [{ type: 'text', text: 'in /home/user/project-1' }] },
    { type: 'model_output', content: [{ type: 'text', text: 'Reading /home/user/project-1' }] },
    {
      type: 'function_call',
      id: 'c1',
      name: 'read_file',
      arguments: { path: '/home/user/project-1/README.md' },
    },
    { type: 'function_result', call_id: 'c1', result: 'ok /home/user/project-1' },
  ],
  usage: { total_tokens: 3 },
};

/** The earlier shape: the model's contents in `outputs`. */
const LEGACY = {
  id: 'v1_old',
  status: 'completed',
  outputs: [
    { type: 'text', text: 'Reading /home/user/project-1' },
    { type: 'function_call', id: 'c1', name: 'read_file', arguments: { path: '/home/user/project-1' } },
  ],
};

const sse = (data: object) =>
  `event: ${(data as { event_type: string }).event_type}\ndata: ${JSON.stringify(data)}\n\n`;
const STREAM =
  sse({ event_type: 'interaction.created', interaction: { id: 'v1_abc', status: 'in_progress' } }) +
  sse({ event_type: 'step.start', index: 0, step: { type: 'thought' } }) +
  sse({
    event_type: 'step.delta',
    index: 0,
    delta: { type: 'thought_summary', content: { type: 'text', text: 'in /home/us' } },
  }) +
  sse({ event_type: 'step.delta', index: 0, delta: { type: 'thought_signature', signature: 'sig' } }) +
  sse({ event_type: 'step.stop', index: 0 }) +
  sse({ event_type: 'step.start', index: 1, step: { type: 'model_output' } }) +
  sse({ event_type: 'step.delta', index: 1, delta: { type: 'text', text: 'Reading /home/us' } }) +
  sse({ event_type: 'step.delta', index: 1, delta: { type: 'text', text: 'er/project-1' } }) +
  sse({ event_type: 'step.stop', index: 1 }) +
  sse({
    event_type: 'step.start',
    index: 2,
    step: { type: 'function_call', id: 'c1', name: 'read_file', arguments: {} },
  }) +
  sse({ event_type: 'step.delta', index: 2, delta: { type: 'arguments_delta', arguments: '{"path":"/ho' } }) +
  sse({
    event_type: 'step.delta',
    index: 2,
    delta: { type: 'arguments_delta', arguments: 'me/user/project-1"}' },
  }) +
  sse({ event_type: 'step.stop', index: 2 }) +
  sse({
    event_type: 'interaction.completed',
    interaction: { id: 'v1_abc', status: 'completed', steps: INTERACTION.steps },
  }) +
  'data: [DONE]\n\n';

/** The earlier stream: content.* events, a function call's delta whole. */
const LEGACY_STREAM =
  sse({ event_type: 'content.delta', index: 0, delta: { type: 'text', text: 'Reading /home/us' } }) +
  sse({ event_type: 'content.delta', index: 0, delta: { type: 'text', text: 'er/project-1' } }) +
  sse({
    event_type: 'content.delta',
    index: 1,
    delta: {
      type: 'function_call',
      id: 'c1',
      name: 'read_file',
      arguments: { path: '/home/user/project-1' },
    },
  }) +
  sse({ event_type: 'interaction.complete', interaction: LEGACY });

describe('gemini interactions answers', () => {
  it('lists the text, thought summary, call arguments and results of an Interaction, each whole', () => {
    const fields = geminiInteractions.answerFields(structuredClone(INTERACTION)).filter((f) => !f.key);
    assert.deepEqual(
      fields.map((f) => f.text),
      [
        'Working directory: /home/user/project-1',
        'in /home/user/project-1',
        'Reading /home/user/project-1',
        '/home/user/project-1/README.md',
        'ok /home/user/project-1',
      ],
    );
    assert.ok(fields.every(isWholeField));
    assert.deepEqual(
      fields.filter(isToolField).map((f) => f.text),
      ['/home/user/project-1/README.md'],
    );
    checkAnswerRoundTrip(geminiInteractions, INTERACTION);
    checkAnswerRoundTrip(geminiInteractions, LEGACY);
    assert.deepEqual(
      geminiInteractions
        .answerFields(structuredClone(LEGACY))
        .filter((f) => !f.key)
        .map((f) => f.text),
      ['Reading /home/user/project-1', '/home/user/project-1'],
    );
  });

  it('follows text, thought summary and argument deltas per step; argument deltas are JSON and tool input', () => {
    const { byChannel, fields, objects } = streamFields(geminiInteractions, STREAM);
    checkStreamAnswers(geminiInteractions, objects);
    assert.equal(byChannel.get('0:thought'), 'in /home/us');
    assert.equal(byChannel.get('1:text'), 'Reading /home/user/project-1');
    assert.equal(byChannel.get('2:fn'), '{"path":"/home/user/project-1"}');
    const kinds = kindsByChannel(fields);
    assert.equal(kinds['0:thought'], '');
    assert.equal(kinds['1:text'], '');
    assert.equal(kinds['2:fn'], 'tool');
    const deltas = fields.flat().filter((f) => !isWholeField(f));
    assert.deepEqual([...new Set(deltas.map((f) => f.channel))], ['0:thought', '1:text', '2:fn']);
    assert.ok(deltas.filter((f) => f.channel === '2:fn').every((f) => f.json));
    // The completed interaction's steps are whole values.
    const completed = (fields.at(-2) ?? []).filter((f) => !f.key);
    assert.equal(completed.length, 5);
    assert.ok(completed.every(isWholeField));
  });

  it('reads the earlier content.* stream', () => {
    const { byChannel, fields, objects } = streamFields(geminiInteractions, LEGACY_STREAM);
    checkStreamAnswers(geminiInteractions, objects);
    assert.equal(byChannel.get('0:text'), 'Reading /home/user/project-1');
    const call = (fields[2] ?? []).filter((f) => !f.key);
    assert.equal(call.length, 1);
    assert.ok(isWholeField(call[0]!) && isToolField(call[0]!));
  });
});
