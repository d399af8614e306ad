/**
 * What a running Airlock says about its policy file between versions: a deleted file is logged
 * (the policy in force stays), and a refused version followed by the version in force again
 * leaves neither the dashboard nor the log saying that the refusal is current.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { startAirlockStack } from '../helpers/airlock-stack.js';
import { until } from '../helpers/until.js';

interface LogLine {
  level: number;
  msg: string;
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

/** The dashboard's policy page data (the stack's dashboard token is fixed). */
async function dashboardPolicy(
  gatewayUrl: string,
): Promise<{ text?: string; lastError?: { message: string } }> {
  const res = await fetch(`${gatewayUrl}/_airlock/api/policy`, {
    headers: { authorization: 'Bearer test-dashboard-token' },
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { text?: string; lastError?: { message: string } };
}

describe('policy file status while running', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-reload-status-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('clears a refusal when the file is back to the version in force, and logs a deletion', async () => {
    const lines: LogLine[] = [];
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'mode: monitor\n');
    const stack = await startAirlockStack({}, { policyFile: file, logger: capture(lines) });
    const logged = (msg: string) => lines.filter((l) => l.msg === msg).length;
    try {
      writeFileSync(file, 'mode: sideways\n');
      await until(
        () => logged('new policy refused; the previous one stays in force') === 1,
        'refused',
        20_000,
        25,
      );
      assert.match((await dashboardPolicy(stack.airlock.gateway.url)).lastError?.message ?? '', /invalid/);

      writeFileSync(file, 'mode: monitor\n');
      await until(() => logged('policy file is back to the version in force') === 1, 'back', 20_000, 25);
      const page = await dashboardPolicy(stack.airlock.gateway.url);
      assert.equal(page.lastError, undefined);
      assert.equal(page.text, 'mode: monitor\n');

      unlinkSync(file);
      const deleted = 'policy file deleted; the policy in force stays until a valid version is saved';
      await until(() => logged(deleted) === 1, 'deletion logged', 20_000, 25);
      assert.equal(lines.find((l) => l.msg === deleted)?.level, 40);
      assert.equal(stack.airlock.policy().policy.mode, 'monitor');
    } finally {
      await stack.close();
    }
  });
});
