/**
 * Windows profile directories in the spellings tools write besides `C:\Users\alice`: a lower-cased
 * `c:\users\alice` (Windows ignores case). Each is found, takes the home's surrogate in the same
 * spelling, and comes back so in the answer. Checked through the engine and the policy inspector.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn as found, inspectUserMessage } from '../helpers/inspect-message.js';

describe('a lower-cased Windows home (c:\\users\\alice)', () => {
  // `dir /s /b` in a shell that lower-cases what it echoes, and a path below the home.
  const output = [
    'PS> cmd /c "dir /s /b c:\\users\\alice\\src\\*.csproj"',
    'c:\\users\\alice\\src\\billing\\Billing.csproj',
    'd:/users/alice/cache',
  ].join('\n');

  it('is found', () => {
    assert.deepEqual(found(output), [
      'env.windows-home-path c:\\users\\alice',
      'env.windows-home-path c:\\users\\alice',
      'env.windows-home-path d:/users/alice',
    ]);
  });

  it("takes the home's surrogate in its own case, below the home too, and comes back", async () => {
    const r = await inspectUserMessage(output);
    assert.equal(
      r.sent,
      [
        'PS> cmd /c "dir /s /b c:\\users\\user\\src\\*.csproj"',
        'c:\\users\\user\\src\\billing\\Billing.csproj',
        'd:/users/user/cache',
      ].join('\n'),
    );
    assert.equal(
      r.answer('Build c:\\users\\user\\src\\billing\\Billing.csproj; d:/users/user/cache is stale.'),
      'Build c:\\users\\alice\\src\\billing\\Billing.csproj; d:/users/alice/cache is stale.',
    );
  });

  it("is the home of a project below it, whose surrogate is under the home's", async () => {
    const r = await inspectUserMessage('cwd: c:\\users\\alice\\billing-api\nPS c:\\users\\alice> dir');
    const project = /^cwd: (\S+)$/m.exec(r.sent)?.[1] ?? '';
    assert.match(project, /^c:\\users\\user\\project-\d+$/);
    assert.equal(r.answer(`cd ${project}`), 'cd c:\\users\\alice\\billing-api');
  });
});
