/**
 * `--policy`: the policy's custom rules and corporate domains are scanned for, its
 * `allow_values` are never findings, and a bad policy file is a usage error (exit 2).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runScan } from '../../src/scan/run.js';
import { tempDir } from './helpers/run.js';

const ENGINE = {
  module: new URL('../../src/scan/default-engine.ts', import.meta.url).href,
  options: { canaries: false },
};

const POLICY = `version: 1
corporate_domains: [acme-corp.internal]
allow_values: ["AKIAQ3EGZ7PLXN4TRW6M"]
custom_rules:
  - id: acme.ticket
    category: pii
    severity: critical
    pattern: 'ACME-\\d{6}'
    keywords: [ACME-]
    samples: { tp: ["see ACME-123456"], fp: ["ACME-12"] }
`;

describe('scan with a policy', () => {
  it('applies custom rules, corporate domains and allowed values', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const policy = path.join(dir, 'airlock.policy.yaml');
    await writeFile(policy, POLICY);
    const log = path.join(dir, 'session.txt');
    await writeFile(
      log,
      'ticket ACME-424242 on build-7.acme-corp.internal\nkeys AKIAQ3EGZ7PLXN4TRW6M and AKIAQ3EGZ7PLXN4TRW7N\n',
    );
    const without = await runScan({
      paths: [log],
      engine: ENGINE,
      workers: 0,
      cwd: dir,
      reveal: true,
      format: 'json',
    });
    const withPolicy = await runScan({
      paths: [log],
      engine: ENGINE,
      policy,
      workers: 0,
      cwd: dir,
      reveal: true,
      format: 'json',
    });
    const values = (r: typeof without) => r.report!.findings.map((f) => `${f.ruleId}=${f.value}`);
    assert.ok(values(without).includes('secret.aws-access-key=AKIAQ3EGZ7PLXN4TRW6M'));
    assert.ok(!values(without).some((v) => v.startsWith('acme.ticket')));
    const got = values(withPolicy);
    assert.ok(got.includes('acme.ticket=ACME-424242'), got.join(', '));
    assert.ok(
      got.some((v) => v.endsWith('build-7.acme-corp.internal')),
      got.join(', '),
    );
    assert.ok(!got.includes('secret.aws-access-key=AKIAQ3EGZ7PLXN4TRW6M'), 'allowed value');
    assert.ok(got.includes('secret.aws-access-key=AKIAQ3EGZ7PLXN4TRW7N'));
    assert.equal(withPolicy.report!.findings.find((f) => f.ruleId === 'acme.ticket')?.severity, 'critical');
    // Worker threads make the policy's engine from the main thread's options: the same findings.
    const pooled = await runScan({
      paths: [log],
      engine: ENGINE,
      policy,
      workers: 2,
      cwd: dir,
      reveal: true,
      format: 'json',
    });
    assert.deepEqual(values(pooled), got);
  });

  it('a policy that does not validate is a usage error', async () => {
    const dir = await tempDir();
    const policy = path.join(dir, 'bad.yaml');
    await writeFile(policy, 'version: 1\nmode: sometimes\n');
    const result = await runScan({ paths: [dir], engine: ENGINE, policy, workers: 0, cwd: dir });
    assert.equal(result.exitCode, 2);
    assert.match(result.errors, /mode/);
  });
});
