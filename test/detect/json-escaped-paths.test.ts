/**
 * A home directory written in JSON with escaped slashes (`\/home\/kpatel`: PHP's json_encode, a
 * JSON file the assistant read, inside a text) is replaced by the home's own surrogate escaped
 * the same way (`\/home\/user`), and put back in the answer as it was written: before, it took a
 * surrogate of its own, unescaped, and the answer's restoring wrote the escaped original into a
 * plain path the model used. A project path (`"cwd":"\/home\/kpatel\/acme-billing"`) likewise
 * takes the plain path's project surrogate, escaped.
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

describe('JSON-escaped project paths', () => {
  it("take the plain path's project surrogate, escaped, and a path the model builds on it comes back plain", async () => {
    const r = await inspect(
      'cwd: /home/kpatel/acme-billing; the runner logged {"cwd":"\\/home\\/kpatel\\/acme-billing"}',
    );
    const project = /^cwd: (\/home\/user\/project-\d+);/.exec(r.sent)?.[1];
    assert.ok(project !== undefined, r.sent);
    const escaped = project.replaceAll('/', '\\/');
    assert.equal(r.sent, `cwd: ${project}; the runner logged {"cwd":"${escaped}"}`);
    assert.equal(
      r.answer(`Edit ${project}/src/x.ts; the log's "cwd":"${escaped}" is that folder.`),
      'Edit /home/kpatel/acme-billing/src/x.ts; the log\'s "cwd":"\\/home\\/kpatel\\/acme-billing" is that folder.',
    );
  });

  it('alone in a request, a plain path built on its surrogate is restored as a plain path', async () => {
    // Before, the escaped cwd became `/workspace/project-N` and that path came back as
    // `\/home\/kpatel\/acme-billing/src/x.ts`: no file a tool could open.
    const r = await inspect('{"cwd":"\\/home\\/kpatel\\/acme-billing"}');
    const escaped = /^\{"cwd":"(\\\/home\\\/user\\\/project-\d+)"\}$/.exec(r.sent)?.[1];
    assert.ok(escaped !== undefined, r.sent);
    const plain = escaped.replaceAll('\\/', '/');
    assert.equal(r.answer(`Open ${plain}/src/x.ts`), 'Open /home/kpatel/acme-billing/src/x.ts');
  });
});
