/**
 * A reloaded policy takes effect at once, except the settings read at start (vault, and audit
 * when the config does not set it): a reload that changes them says so in the log and on the
 * dashboard's policy page, naming them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { startAirlockStack } from '../helpers/airlock-stack.js';

/** The dashboard's policy page data (the stack's dashboard token is fixed). */
async function dashboardPolicy(gatewayUrl: string): Promise<{ atNextStart?: string[] }> {
  const res = await fetch(`${gatewayUrl}/_airlock/api/policy`, {
    headers: { authorization: 'Bearer test-dashboard-token' },
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { atNextStart?: string[] };
}

interface LogLine {
  level: number;
  msg: string;
  settings?: string[];
}

describe('policy reload and the settings read at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-reload-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names vault and audit when they change, and only then', async () => {
    const lines: LogLine[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as LogLine);
        done();
      },
    });
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'mode: enforce\n');
    // The test config sets no audit: the policy's audit setting is the one in force.
    const stack = await startAirlockStack({}, { policyFile: file, logger: pino({ level: 'info' }, sink) });
    const reloads = () => lines.filter((l) => l.msg === 'policy reloaded').length;
    const waitForReload = async (n: number) => {
      const deadline = Date.now() + 5000;
      while (reloads() < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      assert.equal(reloads(), n, 'reloaded');
    };
    const warnings = () => lines.filter((l) => l.level === 40 && /read at start only/.test(l.msg));
    try {
      writeFileSync(file, 'mode: monitor\n');
      await waitForReload(1);
      assert.equal(warnings().length, 0, 'nothing read at start changed');

      writeFileSync(file, `mode: monitor\nvault: sqlite\naudit: postgres://127.0.0.1:1/none\n`);
      await waitForReload(2);
      assert.deepEqual(warnings().at(-1)?.settings, ['vault', 'audit']);
      assert.match(warnings().at(-1)!.msg, /vault and audit are read at start only/);
      assert.equal(stack.airlock.policy().policy.mode, 'monitor', 'the rest took effect');
      assert.deepEqual((await dashboardPolicy(stack.airlock.gateway.url)).atNextStart, ['vault', 'audit']);

      writeFileSync(file, 'mode: enforce\n');
      await waitForReload(3);
      assert.equal(warnings().length, 1, 'back to the values in force: no warning');
      assert.equal((await dashboardPolicy(stack.airlock.gateway.url)).atNextStart, undefined);
    } finally {
      await stack.close();
    }
  });
});
