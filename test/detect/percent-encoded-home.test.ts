/**
 * A home directory percent-encoded in a URL or a query string (%2Fhome%2Falice) is a home path:
 * found in either hex case, replaced by the home's own surrogate encoded the same way, and put
 * back in the answer. Checked through the engine and the policy inspector.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn as found, inspectUserMessage as inspect } from '../helpers/inspect-message.js';

describe('percent-encoded home directories', () => {
  it('are found in a URL or a query string, either hex case', () => {
    assert.deepEqual(found('GET /open?path=%2Fhome%2Falice%2Fproj HTTP/1.1'), [
      'env.home-path-percent %2Fhome%2Falice',
    ]);
    assert.deepEqual(found('https://ci.acme.io/x?dir=%2fUsers%2fjsmith%2fsrc'), [
      'env.home-path-percent %2fUsers%2fjsmith',
    ]);
    assert.deepEqual(found('?p=%2Fhome%2Fuser%2Fproject and %2Fhome%2F%24USER'), []);
  });

  it('take the home surrogate in the same encoding, and come back in the answer', async () => {
    const r = await inspect(
      'cd /home/alice, then open http://127.0.0.1:8/?d=%2Fhome%2Falice%2Fx&e=%2fhome%2falice',
    );
    assert.equal(
      r.sent,
      'cd /home/user, then open http://127.0.0.1:8/?d=%2Fhome%2Fuser%2Fx&e=%2fhome%2fuser',
    );
    assert.equal(
      r.answer('Open ?d=%2Fhome%2Fuser%2Fy or %2fhome%2fuser'),
      'Open ?d=%2Fhome%2Falice%2Fy or %2fhome%2falice',
    );
  });

  it('are replaced and restored when the request holds no plain home', async () => {
    const r = await inspect('curl "http://127.0.0.1:8/files?path=%2FUsers%2Fjnowak%2Fwork"');
    assert.equal(r.sent, 'curl "http://127.0.0.1:8/files?path=%2FUsers%2Fuser%2Fwork"');
    assert.equal(r.answer('see %2FUsers%2Fuser%2Fwork'), 'see %2FUsers%2Fjnowak%2Fwork');
  });
});
