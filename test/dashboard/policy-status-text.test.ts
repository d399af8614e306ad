/**
 * The policy page shows the text the version in force was parsed from, whatever the file holds
 * by then, and drops a refusal once the file is back to the version in force.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PolicyStatus } from '../../src/dashboard/policy-status.js';
import { defaultPolicy, loadPolicy, policyFromText } from '../../src/policy/load.js';
import { DEFAULT_POLICY_YAML } from '../../src/policy/default.js';
import { tempDir } from './helpers.js';

test('the text shown is the one that was parsed, not a newer refused version already on disk', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'mode: enforce\n');
    const status = new PolicyStatus(file);
    status.loaded(loadPolicy(file));
    // A valid edit is read; before the watcher reports it, an invalid one lands on disk.
    writeFileSync(file, 'mode: enforce\nallow_values: ["v1"]\n');
    const accepted = loadPolicy(file);
    writeFileSync(file, 'mode: THIS-VERSION-WAS-REFUSED\n');
    status.loaded(accepted);
    assert.equal(status.info().text, 'mode: enforce\nallow_values: ["v1"]\n');
  } finally {
    await cleanup();
  }
});

test('passwords are left out of the parsed text too; the built-in policy shows its own text', () => {
  const status = new PolicyStatus('policy.yaml');
  status.loaded(policyFromText('vault: redis://:hunter2@127.0.0.1:6379\n', 'policy.yaml'));
  assert.equal(status.info().text, 'vault: redis://127.0.0.1:6379\n');
  const builtIn = new PolicyStatus(undefined);
  builtIn.loaded(defaultPolicy());
  assert.equal(builtIn.info().text, DEFAULT_POLICY_YAML);
});

test('a refusal is dropped when the file is back to the version in force, kept when another loads', () => {
  const status = new PolicyStatus('policy.yaml');
  status.loaded(policyFromText('mode: monitor\n', 'policy.yaml'));
  status.failed(new Error('policy policy.yaml changed but the new version is invalid'));
  status.loaded(policyFromText('mode: monitor # as before\n', 'policy.yaml'));
  assert.equal(status.info().lastError, undefined);
  assert.equal(status.info().text, 'mode: monitor # as before\n');

  status.failed(new Error('refused again'));
  status.loaded(policyFromText('mode: enforce\n', 'policy.yaml'));
  // Another version: the page says a later version loaded after the refusal.
  assert.equal(status.info().lastError?.message, 'refused again');
});
