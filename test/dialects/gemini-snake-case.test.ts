/**
 * The Gemini API reads proto3 JSON, which takes a field's snake_case name as well as its
 * lowerCamelCase one (Google's REST examples write `system_instruction`): a body spelled that
 * way lists the same places as the camelCase one, under its own keys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gemini } from '../../src/dialects/gemini.js';
import { geminiCaches } from '../../src/dialects/gemini-caches.js';
import type { Segment } from '../../src/dialects/types.js';
import { checkRoundTrip } from './helpers.js';

const camel = {
  systemInstruction: { parts: [{ text: 'system' }] },
  contents: [
    {
      role: 'user',
      parts: [{ text: 'user' }, { fileData: { fileUri: 'gs://bucket/file', mimeType: 'text/plain' } }],
    },
    {
      role: 'model',
      parts: [
        { functionCall: { name: 'run', args: { command: 'call' } }, thoughtSignature: 'c2ln' },
        { executableCode: { language: 'PYTHON', code: 'code' } },
        { codeExecutionResult: { outcome: 'OUTCOME_OK', output: 'output' } },
      ],
    },
    { role: 'user', parts: [{ functionResponse: { name: 'run', response: { out: 'response' } } }] },
  ],
  tools: [
    {
      functionDeclarations: [
        { name: 'run', description: 'tool', parametersJsonSchema: { type: 'object', description: 'schema' } },
      ],
    },
  ],
};

/** The same body with every field the dialect reads spelled in snake_case. */
const SNAKE: Record<string, string> = {
  systemInstruction: 'system_instruction',
  fileData: 'file_data',
  fileUri: 'file_uri',
  mimeType: 'mime_type',
  functionCall: 'function_call',
  functionResponse: 'function_response',
  executableCode: 'executable_code',
  codeExecutionResult: 'code_execution_result',
  functionDeclarations: 'function_declarations',
  parametersJsonSchema: 'parameters_json_schema',
  thoughtSignature: 'thought_signature',
};
const snake = JSON.parse(
  JSON.stringify(camel),
  function (this: Record<string, unknown>, key, value: unknown) {
    const to = SNAKE[key];
    if (to === undefined) return value;
    this[to] = value;
    return undefined;
  },
) as unknown;

const view = (segs: readonly Segment[]) =>
  segs.map((s) => `${s.role}:${s.text}${s.signed ? ':signed' : ''}`).sort();

describe('Gemini bodies spelled in snake_case', () => {
  it('list the same texts, roles and signatures as in camelCase', () => {
    const expected = view(gemini.segments(camel));
    assert.ok(expected.length >= 9, expected.join(', '));
    assert.deepEqual(view(checkRoundTrip(gemini, JSON.stringify(snake))), expected);
    assert.ok(
      gemini.segments(snake).some((s) => s.path.join('.') === 'system_instruction.parts.0.text'),
      'paths name the keys as sent',
    );
  });

  it('countTokens and cachedContents read snake_case too', () => {
    const counted = gemini.segments({ generate_content_request: snake });
    assert.deepEqual(view(counted), view(gemini.segments(camel)));
    const cache = geminiCaches.segments({ ...(snake as object), display_name: 'cache of alice' });
    assert.ok(cache.some((s) => s.text === 'cache of alice' && s.role === 'metadata'));
    assert.ok(cache.some((s) => s.text === 'system' && s.role === 'system'));
  });
});
