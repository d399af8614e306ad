/**
 * `airlock audit tail` prints fields clients chose (model, path, host) and rows anyone with write
 * access to the store may have edited: a control character in them is shown as an escape, never
 * obeyed by the terminal (an escape sequence, a newline that forges a line).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { runAuditTail, type AuditIo } from '../../src/cli/commands/audit.js';
import { sampleInput, tempDir } from './helpers.js';

// eslint-disable-next-line no-control-regex -- control characters are what must not be printed
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('audit tail on a terminal', () => {
  it('escapes control characters of every field, in lines and in --json', async () => {
    const tmp = await tempDir();
    try {
      const store = new SqliteAuditStore({ path: join(tmp.dir, 'audit.db') });
      const recorder = new AuditRecorder({ store, dataDir: tmp.dir });
      const forged = '\n2026-01-01T00:00:00.000Z  forward      anthropic  fake';
      recorder.record({
        ...sampleInput(1, Date.now()),
        model: `claude\u001b]0;owned\u0007${forged}`,
        path: '/v1/messages\u009b2J\r',
      });
      recorder.record({
        ...sampleInput(2, Date.now()),
        kind: 'egress',
        egress: { host: 'evil\u001b[2Jhost', port: 443 },
      });
      await recorder.close();
      await store.close();
      for (const json of [false, true]) {
        let out = '';
        const io: AuditIo = {
          stdout: { write: (s: string) => ((out += s), true) },
          stderr: { write: () => true, isTTY: false },
        };
        assert.equal(await runAuditTail({ store: `sqlite:${join(tmp.dir, 'audit.db')}`, json }, io), 0);
        const lines = out.split('\n').slice(0, -1);
        assert.equal(lines.length, 2, out);
        for (const line of lines) assert.doesNotMatch(line, CONTROL);
        assert.ok(out.includes('\\u001b]0;owned\\u0007'), out);
        assert.ok(out.includes('\\u009b2J'), out);
        assert.ok(out.includes('evil\\u001b[2Jhost'), out);
        if (json) for (const line of lines) JSON.parse(line);
      }
    } finally {
      await tmp.cleanup();
    }
  });
});
