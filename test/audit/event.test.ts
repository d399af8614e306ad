/** What the gateway's input becomes: sanitized path, agent family, JSON paths, caps. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientFamily } from '../../src/audit/client.js';
import { auditFinding, buildEventBody, jsonPathToString, sanitizePath } from '../../src/audit/event.js';
import type { FindingDecision } from '../../src/gateway/inspector.js';
import { findingDecision } from './helpers.js';

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
  it('puts the places of one value together, values in order of first appearance', () => {
    const at = (valueHash: string, i: number): FindingDecision => {
      const d = findingDecision(`rule-${valueHash}`, 'environment');
      return { ...d, valueHash, finding: { ...d.finding, path: ['messages', i, 'content'] } };
    };
    const input = ['a', 'b', 'a', 'a', 'c', 'b'].map(at);
    const findings = (n: readonly FindingDecision[]) =>
      buildEventBody({ kind: 'request', decision: 'pseudonymize', latency_ms: { total: 1 }, findings: n })
        .findings;
    assert.deepEqual(
      findings(input).map((f) => `${f.valueHash}${f.path}`),
      ['a$.messages[0].content', 'a$.messages[2].content', 'a$.messages[3].content'].concat([
        'b$.messages[1].content',
        'b$.messages[5].content',
        'c$.messages[4].content',
      ]),
    );
    // Already grouped: as they came.
    const grouped = ['a', 'a', 'b'].map(at);
    assert.deepEqual(findings(grouped), grouped.map(auditFinding));
    // However many: a long conversation names a few values thousands of times, interleaved.
    const many = Array.from({ length: 4000 }, (_, i) => at(i % 2 ? 'a' : 'b', i));
    const out = findings(many);
    assert.equal(out.length, 4000);
    assert.deepEqual(
      out.map((f) => f.valueHash),
      [...Array<string>(2000).fill('b'), ...Array<string>(2000).fill('a')],
    );
  });
});
