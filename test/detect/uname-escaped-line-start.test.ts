/**
 * In a JSON-escaped transcript (a Claude Code or Codex session file, a HAR) a line uname -a printed
 * was not found: env.uname took the n of the escaped line break before it for part of a word, so
 * the machine's name, kernel and build left as written, while the same lines unescaped were
 * replaced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsIn, inspectUserMessage } from '../helpers/inspect-message.js';

const output = [
  '$ uname -a',
  'Linux ml-gpu-04 5.15.0-105-generic #115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux',
  '$ ssh build uname -a',
  '\tLinux build-7 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64 GNU/Linux',
].join('\n');

const found = (text: string): string[] => findingsIn(text).filter((f) => f.startsWith('env.uname '));

describe('uname -a at the start of a JSON-escaped line', () => {
  it('is reported as it is unescaped', () => {
    const expected = [
      'env.uname Linux ml-gpu-04 5.15.0-105-generic #115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux',
      'env.uname Linux build-7 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64 GNU/Linux',
    ];
    assert.deepEqual(found(output), expected);
    assert.deepEqual(found(JSON.stringify(output).slice(1, -1)), expected);
    assert.deepEqual(found(JSON.stringify({ output })), expected);
  });

  it('is not found after an escaped backslash and an n', () => {
    assert.deepEqual(
      found(
        JSON.stringify({
          output:
            'C:\\nLinux ml-gpu-04 5.15.0-105-generic #115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024 x86_64 GNU/Linux',
        }),
      ),
      [],
    );
  });

  it('does not leave the gateway', async () => {
    const r = await inspectUserMessage(JSON.stringify({ output }));
    for (const real of ['ml-gpu-04', '#115-Ubuntu SMP Mon Apr 15', 'build-7', 'PREEMPT_DYNAMIC Debian'])
      assert.ok(!r.sent.includes(real), r.sent);
  });
});
