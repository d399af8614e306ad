import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveDialect } from '../../src/dialects/index.js';
import { getAt, JsonPathError, rebuild, setAt } from '../../src/dialects/json-path.js';

describe('resolveDialect', () => {
  const cases: [Parameters<typeof resolveDialect>, string][] = [
    [['anthropic', 'POST', '/v1/messages'], 'anthropic-messages'],
    [['anthropic', 'POST', '/v1/messages?beta=true'], 'anthropic-messages'],
    [['anthropic', 'post', '/v1/messages/count_tokens'], 'anthropic-messages'],
    [['anthropic', 'POST', '/v1/complete'], 'anthropic-complete'],
    [['anthropic', 'POST', '/v1/messages/batches'], 'passthrough'],
    [['anthropic', 'GET', '/v1/messages'], 'passthrough'],
    [['anthropic', 'GET', '/v1/models'], 'passthrough'],
    [['anthropic', 'HEAD', '/'], 'passthrough'],
    [['openai', 'POST', '/v1/chat/completions'], 'openai-chat'],
    [['openai', 'POST', '/chat/completions'], 'openai-chat'],
    [['openai', 'POST', '/v1/responses'], 'openai-responses'],
    [['openai', 'POST', '/v1/responses/input_tokens'], 'openai-responses'],
    [['openai', 'POST', '/v1/responses/resp_1/cancel'], 'passthrough'],
    [['openai', 'GET', '/v1/responses/resp_1'], 'passthrough'],
    [['openai', 'POST', '/v1/files'], 'passthrough'],
    [['openai', 'POST', '/v1/messages'], 'passthrough'],
    [['gemini', 'POST', '/v1beta/models/gemini-2.5-pro:generateContent'], 'gemini-generate'],
    [['gemini', 'POST', '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse'], 'gemini-generate'],
    [['gemini', 'POST', '/v1/models/gemini-2.5-flash:countTokens'], 'gemini-generate'],
    [['gemini', 'POST', '/v1beta/models/gemini-2.5-flash%3AgenerateContent'], 'gemini-generate'],
    [['gemini', 'POST', '/v1beta/models/text-embedding-004:embedContent'], 'passthrough'],
    [['gemini', 'GET', '/v1beta/models'], 'passthrough'],
  ];
  for (const [args, id] of cases) {
    it(`${args.join(' ')} → ${id}`, () => {
      const dialect = resolveDialect(...args);
      assert.equal(dialect.id, id);
      assert.equal(dialect.provider, args[0]);
    });
  }

  it('passthrough lists nothing', () => {
    const p = resolveDialect('openai', 'POST', '/v1/files');
    assert.deepEqual(p.segments({ messages: [{ role: 'user', content: 'x' }] }), []);
    assert.deepEqual(p.answerFields({ choices: [{ message: { content: 'x' } }] }), []);
    assert.equal(p.streaming({ stream: true }, '/v1/files', new URLSearchParams()), false);
  });
});

describe('json-path', () => {
  it('reads and writes at paths, and refuses paths that do not exist', () => {
    const body = { a: [{ b: 'x' }, 'y'], c: null };
    assert.equal(getAt(body, ['a', 0, 'b']), 'x');
    assert.equal(getAt(body, ['a', 5, 'b']), undefined);
    assert.equal(getAt(body, ['c', 'd']), undefined);
    setAt(body, ['a', 1], 'z');
    assert.deepEqual(body.a, [{ b: 'x' }, 'z']);
    assert.throws(() => setAt(body, ['q', 'r'], 1), JsonPathError);
    assert.throws(() => setAt(body, ['a', 'length'], 1), JsonPathError);
    assert.throws(() => setAt(body, [], 1), JsonPathError);
    assert.equal(
      rebuild(body, [{ path: ['a', 0, 'b'], text: 'new "quoted"\n' }]),
      '{"a":[{"b":"new \\"quoted\\"\\n"},"z"],"c":null}',
    );
  });
});
