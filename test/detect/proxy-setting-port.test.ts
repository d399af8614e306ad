/**
 * A proxy setting keeps its port and path: only its host is replaced (an address by an address),
 * as a URL's surrogate keeps the rest of the URL. `HTTPS_PROXY=http://squid.corp:3128` used to go
 * out as `http://host-N.example.internal`, its port lost. The proxy's user name takes the user
 * name's surrogate (the same as `USER=`'s), its password is redacted as a secret.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectUserMessage } from '../helpers/inspect-message.js';

/** The value of `NAME=` on its own line. */
function valueOf(text: string, name: string): string {
  const m = new RegExp(`^${name}=(.*)$`, 'm').exec(text);
  assert.ok(m, `${name}= in ${text}`);
  return m[1]!;
}

describe('env.proxy-setting: the host is replaced, its port and path kept', () => {
  it('keeps the port and the path and restores the host', async () => {
    const text = 'HTTPS_PROXY=http://squid.corp:3128/proxy.pac';
    const r = await inspectUserMessage(text);
    assert.match(r.sent, /^HTTPS_PROXY=http:\/\/host-\d+\.example\.internal:3128\/proxy\.pac$/);
    assert.equal(r.answer(r.sent), text);
  });

  it('an address stays an address, IPv6 in its brackets', async () => {
    const r = await inspectUserMessage(
      'ALL_PROXY=socks5h://[fd00:12::7]:1080\nhttp_proxy=http://10.20.0.5:8080',
    );
    assert.match(
      r.sent,
      /^ALL_PROXY=socks5h:\/\/\[2001:db8::[0-9a-f:]+\]:1080\nhttp_proxy=http:\/\/(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d+:8080$/,
    );
    assert.equal(r.answer(r.sent), 'ALL_PROXY=socks5h://[fd00:12::7]:1080\nhttp_proxy=http://10.20.0.5:8080');
  });

  it("the proxy's user name takes the user's surrogate, its password is redacted", async () => {
    const text = 'USER=mkowalski\nexport https_proxy=http://mkowalski:S3cr3t-Pr0xy@10.20.0.5:8080/';
    const r = await inspectUserMessage(text);
    const user = valueOf(r.sent, 'USER');
    const m = /https_proxy=http:\/\/([^:]+):([^@]+)@([\d.]+):8080\/$/.exec(r.sent);
    assert.ok(m, r.sent);
    assert.equal(m[1], user, 'the same person, the same surrogate');
    assert.notEqual(m[2], 'S3cr3t-Pr0xy');
    assert.equal(m[2]!.length, 'S3cr3t-Pr0xy'.length, 'a same-shape stand-in');
    assert.ok(!r.body.includes('S3cr3t') && !r.body.includes('mkowalski') && !r.body.includes('10.20.0.5'));
    assert.deepEqual(r.rules, [
      'env.env-variable',
      'env.proxy-user',
      'secret.url-credentials',
      'env.proxy-setting',
    ]);
    // The secret is put back into tool calls only (policy), the rest into the answer's text.
    assert.equal(r.answer(r.sent), text.replace('S3cr3t-Pr0xy', m[2]!));
  });
});
