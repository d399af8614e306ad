/**
 * A secret used as a name never reaches the audit log: a URL path segment that is one, and a
 * JSON member name in a finding's place, are stored masked.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jsonPathToString, sanitizePath } from '../../src/audit/event.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { findingDecision, tempDir } from './helpers.js';

// Assembled, so that no complete key-shaped literal sits in the source.
const GITHUB = 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
const AWS = 'AKIA' + 'Q3ZK7XWPL2M4RTV6';

describe('secrets in audited names', () => {
  it('masks path segments that hold a secret, and keeps the rest of the path', () => {
    assert.equal(sanitizePath(`/v1/files/${GITHUB}`), '/v1/files/[…]');
    assert.equal(sanitizePath(`/v1/files/${GITHUB}/content?alt=sse&key=x`), '/v1/files/[…]/content?alt=sse');
    assert.equal(sanitizePath(`/v1/${encodeURIComponent(`token ${AWS}`)}`), '/v1/[…]');
    for (const path of [
      '/v1/messages',
      '/v1beta/models/gemini-2.5-pro:streamGenerateContent',
      '/v1/responses/resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
      '/v1/messages/batches/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d',
    ]) {
      assert.equal(sanitizePath(path), path);
    }
  });

  it('masks member names in finding paths that are not plain words, or are secrets', () => {
    assert.equal(
      jsonPathToString(['messages', 1, 'content', 0, 'input', GITHUB]),
      '$.messages[1].content[0].input[…]',
    );
    assert.equal(jsonPathToString(['tools', 0, 'input_schema', AWS]), '$.tools[0].input_schema[…]');
    assert.equal(jsonPathToString(['input', '/home/ysolde/.ssh/id_rsa']), '$.input[…]');
    assert.equal(jsonPathToString(['input', 'a name with spaces']), '$.input[…]');
    assert.equal(jsonPathToString(['input', 'x'.repeat(41)]), '$.input[…]');
    assert.equal(jsonPathToString(['headers', 'x-api-key']), '$.headers["x-api-key"]');
    assert.equal(jsonPathToString(['input', 'file_path']), '$.input.file_path');
  });

  it('stores neither in the recorded event', async () => {
    const tmp = await tempDir();
    try {
      const store = new SqliteAuditStore({ path: join(tmp.dir, 'audit.db') });
      const recorder = new AuditRecorder({ store, dataDir: tmp.dir });
      const finding = findingDecision('secret.github-token', 'secret');
      finding.finding.path = ['messages', 1, 'content', 0, 'input', GITHUB];
      recorder.record({
        kind: 'request',
        decision: 'block',
        // The client names the model: a secret there is masked too.
        model: `gpt-4o ${GITHUB}`,
        path: `/v1/files/${GITHUB}`,
        latency_ms: { total: 1 },
        findings: [finding],
      });
      await recorder.close();
      const rows = store.database().prepare('SELECT doc FROM audit_events').all() as { doc: string }[];
      assert.equal(rows.length, 1);
      assert.ok(!rows[0]!.doc.includes(GITHUB), rows[0]!.doc);
      assert.match(rows[0]!.doc, /"path":"\/v1\/files\/\[…\]"/);
      assert.match(rows[0]!.doc, /"model":"\[…\]"/);
      assert.match(rows[0]!.doc, /"\$\.messages\[1\]\.content\[0\]\.input\[…\]"/);
      assert.equal((await store.verify()).ok, true);
      await store.close();
    } finally {
      await tmp.cleanup();
    }
  });
});
