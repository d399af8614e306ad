/** The policy page's data: the text in force, when it loaded, and the last refused reload. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PolicyStatus } from '../../src/dashboard/policy-status.js';
import { loadPolicy } from '../../src/policy/load.js';
import { DEFAULT_POLICY_YAML } from '../../src/policy/default.js';
import { tempDir } from './helpers.js';

test('a refused reload leaves the text in force and records the error; a good one replaces both text and time', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'mode: monitor\n');
    const status = new PolicyStatus(file);
    status.loaded(loadPolicy(file));
    const first = status.info();
    assert.equal(first.text, 'mode: monitor\n');
    assert.equal(first.mode, 'monitor');
    assert.equal(first.source, file);
    assert.equal(first.lastError, undefined);

    writeFileSync(file, 'mode: sideways\n');
    let refused: Error | undefined;
    try {
      loadPolicy(file);
    } catch (err) {
      refused = err as Error;
    }
    assert.ok(refused, 'the bad file does not load');
    status.failed(refused);
    const afterError = status.info();
    assert.equal(afterError.text, 'mode: monitor\n', 'still the version in force');
    assert.equal(afterError.lastError?.message, refused.message);

    writeFileSync(file, 'mode: enforce\n');
    status.loaded(loadPolicy(file));
    const fixed = status.info();
    assert.equal(fixed.text, 'mode: enforce\n');
    assert.equal(fixed.mode, 'enforce');
    assert.ok(new Date(fixed.loadedAt ?? 0) >= new Date(afterError.lastError?.at ?? 0));
  } finally {
    await cleanup();
  }
});

test('without a file: the built-in default policy text', () => {
  const info = new PolicyStatus(undefined).info();
  assert.equal(info.text, DEFAULT_POLICY_YAML);
  assert.equal(info.source, 'built-in default policy');
});

test('settings that wait for the next start are reported with the version that changed them, and cleared by the next', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'vault: sqlite\n');
    const status = new PolicyStatus(file);
    status.loaded(loadPolicy(file), ['vault']);
    assert.deepEqual(status.info().atNextStart, ['vault']);
    writeFileSync(file, 'vault: memory\n');
    status.loaded(loadPolicy(file));
    assert.equal(status.info().atNextStart, undefined);
  } finally {
    await cleanup();
  }
});

test('the text shown leaves out the passwords of the store URLs in it', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      [
        'mode: enforce',
        'vault: redis://:hunter2@127.0.0.1:6379 # shared by the team',
        'audit: "postgres://airlock:s3cret@db.internal:5432/audit?sslmode=require&password=also"',
        '# docs: https://example.com/airlock?tab=policy',
        '# old: redis://:pa#S3cretHash@127.0.0.1:6379',
        '',
      ].join('\n'),
    );
    const text = new PolicyStatus(file).info().text ?? '';
    assert.doesNotMatch(text, /hunter2|s3cret|also|S3cretHash/);
    assert.equal(
      text,
      [
        'mode: enforce',
        'vault: redis://127.0.0.1:6379 # shared by the team',
        'audit: "postgres://airlock@db.internal:5432/audit?sslmode=require"',
        '# docs: https://example.com/airlock?tab=policy',
        '# old: redis://127.0.0.1:6379',
        '',
      ].join('\n'),
    );
  } finally {
    await cleanup();
  }
});
