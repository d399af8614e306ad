/**
 * A login that is a word programs name things with (an agent sandbox's `agent`, a CI machine's
 * `jenkins` or `build`, a `deploy` account, a user named Grant) was found wherever `_` joined it
 * to another word (07b03d4): this machine's user name canary reported `user_agent`, `agent_id`,
 * `JENKINS_URL`, `grant_type` in the code a CLI read, and a `USER=agent` found in the request
 * had `headers["user_agent"]` sent as `headers["user_user-N"]`. Such a name keeps word
 * boundaries, as a short one does; a personal login joined by `_` is still the user.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectUserMessage } from '../helpers/inspect-message.js';
import { usernameCanaryFindings } from '../helpers/username-canary.js';

// What a CLI reads on such a machine: an HTTP client, an OAuth call, a CI script.
const code = [
  'def fetch(user_id, user_name, user_data):',
  '    headers = {"user_agent": USER_AGENT, "x-agent_id": agent_id}',
  '    token = oauth.post(grant_type="client_credentials", build_dir=BUILD_DIR)',
  '    notify(JENKINS_URL, deploy_key, get_agent_id())',
].join('\n');

describe('a login that is a word programs use, joined by _', () => {
  it("is not this machine's user name in identifiers", () => {
    for (const login of ['agent', 'jenkins', 'build', 'deploy', 'grant'])
      assert.deepEqual(usernameCanaryFindings(login, code, 5), [], login);
  });

  it('while a personal login joined by _ still is', () => {
    assert.deepEqual(
      usernameCanaryFindings('mkowalski', `${code}\nmkowalski_build.log\nbuild_mkowalski.txt`, 5),
      ['d())\nmkowalski_buil', 'uild_mkowalski.txt'],
    );
  });

  it('is not replaced in the code of a request that names the user', async () => {
    const r = await inspectUserMessage(`$ env | grep ^USER=\nUSER=agent\n$ cat client.py\n${code}`);
    assert.match(r.sent, /\nUSER=user-\d+\n/);
    assert.ok(r.sent.endsWith(code), r.sent);
    const named = await inspectUserMessage('USER=mkowalski\n$ ls /tmp\nmkowalski_build.log');
    assert.match(named.sent, /\nuser-\d+_build\.log$/);
  });
});
