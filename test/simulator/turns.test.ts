/**
 * How each endpoint counts the turns of a conversation (for `turnBy: 'history'` and
 * `turnBy: 'toolResults'`), on real-shaped multi-turn requests with tool round trips.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicMessages } from '../../src/simulator/anthropic.js';
import type { GenerateEndpoint } from '../../src/simulator/endpoint.js';
import { geminiGenerate } from '../../src/simulator/gemini.js';
import { openaiChat } from '../../src/simulator/openai-chat.js';
import { openaiResponses } from '../../src/simulator/openai-responses.js';
import type { RecordedRequest } from '../../src/simulator/index.js';

function req(json: unknown): RecordedRequest {
  return { method: 'POST', path: '/', headers: {}, body: Buffer.from(JSON.stringify(json)), json, at: 0 };
}

function counts(endpoint: GenerateEndpoint, json: unknown): [number, number] {
  return [endpoint.assistantTurns(req(json)), endpoint.toolResultTurns(req(json))];
}

describe('simulator: turn counting per dialect', () => {
  it('Anthropic: assistant messages, and user messages holding tool_result blocks', () => {
    const messages = [
      { role: 'user', content: 'read two files' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'a', name: 'Read', input: {} },
          { type: 'tool_use', id: 'b', name: 'Read', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'a', content: 'x' },
          { type: 'tool_result', tool_use_id: 'b', content: 'y' },
        ],
      },
      { role: 'assistant', content: 'done' },
      { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
    ];
    assert.deepEqual(counts(anthropicMessages, { messages }), [2, 1]);
    assert.deepEqual(counts(anthropicMessages, { messages: messages.slice(0, 1) }), [0, 0]);
  });

  it('OpenAI Chat: a run of tool messages after parallel calls is one turn', () => {
    const messages = [
      { role: 'system', content: 's' },
      { role: 'assistant', content: 'Got it. Thanks for the context!' }, // seeded by Qwen Code
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [{ id: '1' }, { id: '2' }] },
      { role: 'tool', tool_call_id: '1', content: 'a' },
      { role: 'tool', tool_call_id: '2', content: 'b' },
    ];
    assert.deepEqual(counts(openaiChat, { messages }), [2, 1]);
  });

  it('OpenAI Responses: assistant messages and function calls form one turn; outputs another', () => {
    const input = [
      { type: 'message', role: 'developer', content: 'd' },
      { type: 'message', role: 'user', content: 'go' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'I will' }] },
      { type: 'function_call', call_id: 'c', name: 'exec_command', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c', output: 'ok' },
      { type: 'custom_tool_call', call_id: 'd', name: 'apply_patch', input: '' },
      { type: 'custom_tool_call_output', call_id: 'd', output: 'ok' },
    ];
    assert.deepEqual(counts(openaiResponses, { input }), [2, 2]);
    assert.deepEqual(counts(openaiResponses, { input: 'a plain string input' }), [0, 0]);
  });

  it('Gemini: model contents, and contents holding functionResponse parts', () => {
    const contents = [
      { role: 'user', parts: [{ text: 'go' }] },
      { role: 'model', parts: [{ functionCall: { name: 'read_file', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'read_file', response: { output: 'x' } } }] },
    ];
    assert.deepEqual(counts(geminiGenerate, { contents }), [1, 1]);
  });
});
