/**
 * A host setting that holds an address (HOSTNAME=10.1.2.3, as a container or a cloud VM sets
 * it; Hostname: 10.1.2.3 in a report) went out as host-N.example.internal: env.hostname-context
 * gave every value kind `hostname` and won over env.env-variable's address. It now takes an
 * address surrogate of its family, so the model still reads an address where one was.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../../src/detect/engine.js';
import { inspectUserMessage } from '../helpers/inspect-message.js';

const engine = createEngine();

function kinds(text: string): string[] {
  return engine
    .scan([{ path: ['messages', 0, 'content'], role: 'user', text }])
    .map((f) => `${f.kind} ${text.slice(f.start, f.end)}`);
}

const DOC_V4 = /^(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}$/;

describe('a host setting that holds an address', () => {
  it('is reported as an address of its family', () => {
    assert.deepEqual(kinds('HOSTNAME=10.1.2.3'), ['ipv4 10.1.2.3']);
    assert.deepEqual(kinds('Hostname: 10.1.2.3\n'), ['ipv4 10.1.2.3']);
    assert.deepEqual(kinds('HOSTNAME=2a02:810d:4b3f:a100::17'), ['ipv6 2a02:810d:4b3f:a100::17']);
    // A name stays a name.
    assert.deepEqual(kinds('HOSTNAME=wks-0231'), ['hostname wks-0231']);
    // Our own address surrogates go out as written.
    assert.deepEqual(kinds('HOSTNAME=192.0.2.7\nHostname: 203.0.113.9\n'), []);
  });

  it('goes out as an address surrogate, restored in the answer', async () => {
    const r = await inspectUserMessage('$ env | grep HOST\nHOSTNAME=10.1.2.3\nHOSTNAME=fd00:12::7\n');
    const [v4, v6] = r.sent
      .split('\n')
      .slice(1, 3)
      .map((l) => l.slice('HOSTNAME='.length));
    assert.match(v4!, DOC_V4, r.sent);
    assert.match(v6!, /^2001:db8:/, r.sent);
    assert.equal(r.answer(`ping ${v4}; ping6 ${v6}`), 'ping 10.1.2.3; ping6 fd00:12::7');
  });
});
