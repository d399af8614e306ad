/**
 * A home directory written in JSON with escaped slashes (`\/home\/kpatel`: PHP's json_encode, a
 * JSON file the assistant read, inside a text) is replaced by the home's own surrogate escaped
 * the same way (`\/home\/user`), and put back in the answer as it was written: before, it took a
 * surrogate of its own, unescaped, and the answer's restoring wrote the escaped original into a
 * plain path the model used. (Homes only: an escaped project path still takes a surrogate of
 * its own, see generate.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectUserMessage as inspect } from '../helpers/inspect-message.js';

describe('JSON-escaped home directories', () => {
  it('take the home surrogate escaped the same way, and each spelling comes back as written', async () => {
    const r = await inspect(
      'config.json holds {"root":"\\/home\\/kpatel\\/app"}; the repo is /home/kpatel/app',
    );
    assert.equal(r.sent, 'config.json holds {"root":"\\/home\\/user\\/app"}; the repo is /home/user/app');
    assert.equal(
      r.answer('Run it from /home/user/app, or set "root":"\\/home\\/user\\/app".'),
      'Run it from /home/kpatel/app, or set "root":"\\/home\\/kpatel\\/app".',
    );
  });

  it('are replaced and restored when the request holds no plain spelling', async () => {
    const r = await inspect('{"home":"\\/home\\/kpatel"}');
    assert.equal(r.sent, '{"home":"\\/home\\/user"}');
    assert.equal(r.answer('"\\/home\\/user" is /home/user'), '"\\/home\\/kpatel" is /home/kpatel');
  });
});
