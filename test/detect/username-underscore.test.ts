/**
 * A user name joined to a word by `_` (`mkowalski_build.log`, `build_mkowalski.txt`): `_` is a
 * word character, so the name stood inside a longer word for detection, for the request's
 * replacing of a value found elsewhere, and for the answer's restoring, and left the gateway
 * beside its surrogate. Names of five or more characters now stand there; shorter ones
 * (`max_tokens`) stay as they are, being more often part of an identifier.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SurrogateMatcher } from '../../src/redact/matcher.js';
import { restoreStep, restoreWhole } from '../../src/redact/restore-text.js';
import { inspectUserMessage } from '../helpers/inspect-message.js';
import { usernameCanaryFindings } from '../helpers/username-canary.js';

describe('a user name joined by _', () => {
  // `ls -1 /tmp` on the machine of user mkowalski.
  const listing = ['mkowalski_build.log', 'build_mkowalski.txt', 'MKOWALSKI_cache', 'mkowalskix.tmp'].join(
    '\n',
  );

  it("is found by this machine's user name canary, whole words only otherwise", () => {
    assert.deepEqual(usernameCanaryFindings('mkowalski', listing), ['mkowalski', 'mkowalski', 'MKOWALSKI']);
    // A short name joined by _ is part of an identifier more often than not.
    assert.deepEqual(usernameCanaryFindings('max', 'max_tokens = 5 # max'), ['max']);
  });

  it('is replaced where the name was found elsewhere, and restored in the answer', async () => {
    const r = await inspectUserMessage(`mkowalski@devbox-7:/tmp$ ls -1\n${listing}`);
    assert.ok(!/mkowalski_|_mkowalski/i.test(r.sent.replace('MKOWALSKI_cache', '')), r.sent);
    const alias = /^(user-\d+)@/.exec(r.sent)?.[1] ?? '';
    assert.match(alias, /^user-\d+$/);
    assert.equal(
      r.sent.split('\n').slice(1).join('\n'),
      [`${alias}_build.log`, `build_${alias}.txt`, 'MKOWALSKI_cache', 'mkowalskix.tmp'].join('\n'),
    );
    assert.equal(
      r.answer(`rm /tmp/${alias}_build.log /tmp/build_${alias}.txt /tmp/${alias}_buildx`),
      'rm /tmp/mkowalski_build.log /tmp/build_mkowalski.txt /tmp/mkowalski_buildx',
    );
  });

  it('as a literal of the request, joined by _, moves the name to another surrogate', async () => {
    const first = await inspectUserMessage('mkowalski@devbox-7:/tmp$ ls');
    const alias = /^(user-\d+)@/.exec(first.sent)?.[1] ?? '';
    // A file named after the surrogate: restoring its echo would name the user's real file.
    const r = await inspectUserMessage(`mkowalski@devbox-7:/tmp$ ls\n${alias}_old.log`);
    const other = /^(user-\d+)@/.exec(r.sent)?.[1] ?? '';
    assert.notEqual(other, alias, r.sent);
    assert.equal(r.answer(`rm ${alias}_old.log ${other}_x`), `rm ${alias}_old.log mkowalski_x`);
  });

  it('is left joined when the name is short', async () => {
    const r = await inspectUserMessage('bob@devbox-7:/tmp$ ls -1\nbob_build.log\nbob.log');
    assert.match(r.sent, /\nbob_build\.log\nuser-\d+\.log$/);
  });
});

describe("a user name's surrogate joined by _ in an answer", () => {
  const matcher = new SurrogateMatcher([
    { surrogate: 'user-4', original: 'mkowalski', secret: false },
    { surrogate: 'host-4', original: 'devbox-7', secret: false },
  ]);

  it('is restored, the other surrogates only on word boundaries', () => {
    assert.equal(
      restoreWhole(matcher, 'user-4_build.log build_user-4 host-4_x user-42_x xuser-4', false, false),
      'mkowalski_build.log build_mkowalski host-4_x user-42_x xuser-4',
    );
  });

  it('is restored the same wherever a stream splits it', () => {
    const text = 'cat /tmp/user-4_build.log build_user-4.txt user-42_x';
    const whole = restoreWhole(matcher, text, false, false);
    for (let cut = 0; cut <= text.length; cut++) {
      const a = restoreStep(matcher, '', '', text.slice(0, cut), false, false, false);
      const b = restoreStep(matcher, a.held, a.prev, text.slice(cut), false, false, true);
      assert.equal(a.out + b.out, whole, `split at ${cut}`);
    }
    assert.equal(whole, 'cat /tmp/mkowalski_build.log build_mkowalski.txt user-42_x');
  });
});
