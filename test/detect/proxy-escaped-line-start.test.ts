/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a proxy variable at a
 * line's start (env | grep -i proxy) was not found: the proxy rules took the n of the escaped line
 * break before the variable's name for part of a word, so the proxy's host and user and the
 * internal domains left as written, while the same lines unescaped were replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ env | grep -i proxy',
  'HTTPS_PROXY=http://gw-7.acmecorp.net:3128',
  'http_proxy=http://mkowalski:S3cr3t!@gw-8.acmecorp.net:8080',
  '\tALL_PROXY=socks5://[fd00:12::7]:1080',
  'NO_PROXY=localhost,.acmecorp.net,10.0.0.0/8',
].join('\n');

const of = (rule: string, text: string): string[] => findingsIn(text).filter((f) => f.startsWith(`${rule} `));

/** Each form of `output`: as it is, JSON-escaped, and a whole JSON object holding it. */
const forms = [output, JSON.stringify(output).slice(1, -1), JSON.stringify({ output })];

describe('a proxy variable at the start of a JSON-escaped line', () => {
  it("reports the proxy's host as it does unescaped", () => {
    const expected = [
      'env.proxy-setting gw-7.acmecorp.net',
      'env.proxy-setting gw-8.acmecorp.net',
      'env.proxy-setting fd00:12::7',
    ];
    for (const text of forms) assert.deepEqual(of('env.proxy-setting', text), expected, text);
    assert.deepEqual(
      of('env.proxy-setting', JSON.stringify({ output: 'C:\\nHTTPS_PROXY=http://gw-7.acmecorp.net:3128' })),
      [],
    );
  });

  it("reports the proxy's user as it does unescaped", () => {
    for (const text of forms)
      assert.deepEqual(of('env.proxy-user', text), ['env.proxy-user mkowalski'], text);
    assert.deepEqual(
      of(
        'env.proxy-user',
        JSON.stringify({ output: 'C:\\nhttp_proxy=http://mkowalski:pw@gw-8.acmecorp.net:8080' }),
      ),
      [],
    );
  });

  it('reports the internal domains of NO_PROXY as it does unescaped', () => {
    const expected = ['env.no-proxy localhost,.acmecorp.net,10.0.0.0/8'];
    for (const text of forms) assert.deepEqual(of('env.no-proxy', text), expected, text);
    assert.deepEqual(
      of('env.no-proxy', JSON.stringify({ output: 'C:\\nNO_PROXY=localhost,.acmecorp.net' })),
      [],
    );
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['gw-7.acmecorp.net', 'gw-8.acmecorp.net', 'mkowalski', 'fd00:12::7', '.acmecorp.net'])
      assert.ok(!r.sent.includes(real), r.sent);
  });
});
