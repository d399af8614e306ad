/** What the gateway's input becomes: sanitized path, agent family, JSON paths, caps. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientFamily } from '../../src/audit/client.js';
import { buildEventBody, jsonPathToString, sanitizePath } from '../../src/audit/event.js';

describe('audit event building', () => {
  it('drops query parameters that may carry secrets', () => {
    assert.equal(
      sanitizePath('/v1beta/models/x:generateContent?key=AIzaSy123'),
      '/v1beta/models/x:generateContent',
    );
    assert.equal(sanitizePath('/v1/x?alt=sse&key=k&access_token=t&beta=true'), '/v1/x?alt=sse&beta=true');
    assert.equal(sanitizePath('/v1/messages'), '/v1/messages');
  });
  it('keeps only the user-agent family', () => {
    assert.equal(clientFamily('claude-cli/1.0.83 (external, cli)'), 'claude-code');
    assert.equal(clientFamily('codex_cli_rs/0.40.0 (Ubuntu 24.4.0; x86_64) xterm'), 'codex');
    assert.equal(clientFamily('GeminiCLI/0.5.0 (linux; x64)'), 'gemini-cli');
    assert.equal(clientFamily('OpenAI/JS 6.1.0'), 'openai-sdk');
    assert.equal(clientFamily('curl/8.5.0'), 'curl');
    assert.equal(clientFamily('my-tool/1 on host dev-42'), 'other');
    assert.equal(clientFamily(undefined), 'unknown');
    // Asked again (the answer is remembered per user agent), and past the remembered ones.
    for (let i = 0; i < 600; i++) assert.equal(clientFamily(`tool-${i % 300}/1`), 'other');
    assert.equal(clientFamily('claude-cli/1.0.83 (external, cli)'), 'claude-code');
    assert.equal(clientFamily('my-tool/1 on host dev-42'), 'other');
  });
  it('writes JSON paths the way a reader expects', () => {
    assert.equal(jsonPathToString(['messages', 2, 'content', 0, 'text']), '$.messages[2].content[0].text');
    assert.equal(jsonPathToString(['headers', 'x-api-key']), '$.headers["x-api-key"]');
    assert.equal(jsonPathToString([]), '$');
  });
  it('turns non-finite numbers into absent fields instead of failing the request', () => {
    const body = buildEventBody({
      kind: 'request',
      decision: 'forward',
      latency_ms: { total: Number.NaN, upstream: Infinity },
      bytes_in: Number.NaN,
      status: Number.NaN,
      model: 'm'.repeat(500),
    });
    assert.equal(body.latency_ms.total, 0);
    assert.equal(body.latency_ms.upstream, undefined);
    assert.equal(body.bytes_in, 0);
    assert.equal('status' in body, false);
    assert.equal(body.model?.length, 200);
  });
});
