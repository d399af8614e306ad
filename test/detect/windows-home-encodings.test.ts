/**
 * Windows profile directories in the spellings tools write besides `C:\Users\alice`: a lower-cased
 * `c:\users\alice` (Windows ignores case), and percent-encoded in a URL or a query string
 * (`C%3A%5CUsers%5Calice`, `C:%5CUsers%5Calice`, either hex case). Each is found, takes the home's
 * surrogate in the same spelling, and comes back so in the answer. Checked through the engine and
 * the policy inspector.
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

describe('a percent-encoded Windows home', () => {
  // A dev server's access log and an editor's log, as `Get-Content -Tail` shows them.
  const log = [
    '127.0.0.1 - - [29/Nov/2026:05:01:12 +0000] "GET /api/files?path=C%3A%5CUsers%5Cmkowalski%5Crepo%5Csrc HTTP/1.1" 200 512',
    '127.0.0.1 - - [29/Nov/2026:05:01:13 +0000] "GET /api/files?path=c%3a%5cusers%5cmkowalski%5crepo HTTP/1.1" 404 0',
    '[info] Opening vscode://file/C:%5CUsers%5Cmkowalski%5Crepo%5Csrc%5Capp.ts',
    '[info] Opening vscode://file/C:%5cUsers%5cmkowalski%5crepo',
    '[info] Reveal file%3A%2F%2F%2FC%3A%2FUsers%2Fmkowalski%2Frepo',
  ].join('\n');

  it('is found in each encoding, either hex case', () => {
    assert.deepEqual(found(log), [
      'env.windows-home-path-percent C%3A%5CUsers%5Cmkowalski',
      'env.windows-home-path-percent c%3a%5cusers%5cmkowalski',
      'env.windows-home-path-percent C:%5CUsers%5Cmkowalski',
      'env.windows-home-path-percent C:%5cUsers%5cmkowalski',
      'env.windows-home-path-percent C%3A%2FUsers%2Fmkowalski',
    ]);
    // Shared profiles, variables and the home's own surrogate are not.
    assert.deepEqual(
      found('?a=C%3A%5CUsers%5CPublic%5Cx&b=C%3A%5CUsers%5C%25USERNAME%25&c=C%3A%5CUsers%5Cuser%5Crepo'),
      [],
    );
  });

  it("takes the home's surrogate encoded the same way, and comes back in the answer", async () => {
    const r = await inspectUserMessage(`${log}\nPS C:\\Users\\mkowalski\\repo> npm run dev`);
    assert.ok(!r.body.includes('mkowalski'), r.body);
    assert.equal(
      r.sent,
      [
        '127.0.0.1 - - [29/Nov/2026:05:01:12 +0000] "GET /api/files?path=C%3A%5CUsers%5Cuser%5Crepo%5Csrc HTTP/1.1" 200 512',
        '127.0.0.1 - - [29/Nov/2026:05:01:13 +0000] "GET /api/files?path=c%3a%5cusers%5cuser%5crepo HTTP/1.1" 404 0',
        '[info] Opening vscode://file/C:%5CUsers%5Cuser%5Crepo%5Csrc%5Capp.ts',
        '[info] Opening vscode://file/C:%5cUsers%5cuser%5crepo',
        '[info] Reveal file%3A%2F%2F%2FC%3A%2FUsers%2Fuser%2Frepo',
        'PS C:\\Users\\user\\repo> npm run dev',
      ].join('\n'),
    );
    assert.equal(
      r.answer(
        'Request /api/files?path=C%3A%5CUsers%5Cuser%5Crepo or open vscode://file/C:%5cUsers%5cuser%5crepo (C:\\Users\\user\\repo).',
      ),
      'Request /api/files?path=C%3A%5CUsers%5Cmkowalski%5Crepo or open vscode://file/C:%5cUsers%5cmkowalski%5crepo (C:\\Users\\mkowalski\\repo).',
    );
  });

  it('is replaced and restored when the request holds no plain home', async () => {
    const r = await inspectUserMessage(
      'curl -s "http://127.0.0.1:5173/open?f=C%3A%5CUsers%5CJan%20Nowak%5CDesktop%5Cnotes.md"',
    );
    assert.equal(r.sent, 'curl -s "http://127.0.0.1:5173/open?f=C%3A%5CUsers%5Cuser%5CDesktop%5Cnotes.md"');
    assert.equal(
      r.answer('GET /open?f=C%3A%5CUsers%5Cuser%5CDesktop%5Cnotes.md failed'),
      'GET /open?f=C%3A%5CUsers%5CJan%20Nowak%5CDesktop%5Cnotes.md failed',
    );
  });
});
