/**
 * The policy file through the whole Airlock: the vault it names, and reloads. A reloaded policy
 * takes effect at once unless a custom rule does not compile (then it is refused and the old one
 * stays), except the settings read at start (vault, and audit when the config does not set it):
 * a reload that changes them says so in the log and on the dashboard's policy page.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { startAirlockStack } from '../helpers/airlock-stack.js';
import { until } from '../helpers/until.js';

/** The dashboard's policy page data (the stack's dashboard token is fixed). */
async function dashboardPolicy(
  gatewayUrl: string,
): Promise<{ atNextStart?: string[]; lastError?: { message: string } }> {
  const res = await fetch(`${gatewayUrl}/_airlock/api/policy`, {
    headers: { authorization: 'Bearer test-dashboard-token' },
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { atNextStart?: string[]; lastError?: { message: string } };
}

interface LogLine {
  level: number;
  msg: string;
  settings?: string[];
}

/** A pino logger whose lines land in `lines`. */
function capture(lines: LogLine[]): pino.Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

describe('policy reload and the settings read at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-reload-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('opens the vault the policy names (0600), and refuses a version whose custom rule does not compile', async () => {
    const lines: LogLine[] = [];
    const file = join(dir, 'vault.policy.yaml');
    writeFileSync(file, 'vault: sqlite\non_error: allow\n');
    const stack = await startAirlockStack({}, { policyFile: file, logger: capture(lines) });
    try {
      assert.equal(statSync(join(stack.dataDir, 'vault.db')).mode & 0o777, 0o600);
      writeFileSync(file, 'vault: sqlite\nmode: monitor\n');
      await until(() => stack.airlock.policy().policy.mode === 'monitor', 'monitor in force', 5000, 25);

      // A custom rule reusing a built-in id does not compile in the engine: refused, old policy kept.
      writeFileSync(
        file,
        "vault: sqlite\ncustom_rules:\n  - id: env.home-path\n    category: pii\n    pattern: 'x+'\n    keywords: [x]\n",
      );
      await until(
        () => lines.some((l) => l.msg === 'new policy refused; the previous one stays in force'),
        'refused',
        5000,
        25,
      );
      assert.equal(stack.airlock.policy().policy.mode, 'monitor');
      const page = await dashboardPolicy(stack.airlock.gateway.url);
      assert.match(page.lastError?.message ?? '', /keeping the previous policy/);
    } finally {
      await stack.close();
    }
  });

  it('names vault and audit when they change, and only then', async () => {
    const lines: LogLine[] = [];
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'mode: enforce\n');
    // The test config sets no audit: the policy's audit setting is the one in force.
    const stack = await startAirlockStack({}, { policyFile: file, logger: capture(lines) });
    const reloads = () => lines.filter((l) => l.msg === 'policy reloaded').length;
    const waitForReload = async (n: number) => {
      await until(() => reloads() >= n, `reload ${n}`, 5000, 25);
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
