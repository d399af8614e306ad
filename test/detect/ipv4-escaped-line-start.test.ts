/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) no IPv4 address at
 * a line's start was found: env.ipv4 took the n of the escaped line break before it for part of
 * a word, so a log line's client, a loop's host status or ip route's networks left as written,
 * while the same lines unescaped were replaced. Section numbers stay what they are either way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ tail -3 /var/log/nginx/access.log',
  '10.20.3.7 - - [29/Nov/2026:09:12:01 +0000] "GET /health HTTP/1.1" 200 2',
  '$ for h in $HOSTS; do check $h; done',
  '10.1.2.3 Refused',
  '\t172.18.0.5 OK',
].join('\n');

const addresses = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.ipv4'));

describe('an IPv4 address at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = ['env.ipv4 10.20.3.7', 'env.ipv4 10.1.2.3', 'env.ipv4 172.18.0.5'];
    assert.deepEqual(addresses(output), expected);
    assert.deepEqual(addresses(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(addresses(JSON.stringify({ output })), expected);
  });

  it('is still a section number where a heading or a step numbers it', () => {
    const spec = 'From the spec:\n## 10.2.1.3 Introduction\n10.2.1.4 Let x be the value of the property.\n';
    assert.deepEqual(addresses(JSON.stringify(spec).slice(1, -1)), []);
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['10.20.3.7', '10.1.2.3', '172.18.0.5']) assert.ok(!r.sent.includes(real), r.sent);
  });
});
