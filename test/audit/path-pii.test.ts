/**
 * Personal data a client puts in a request's URL (an e-mail address as a path segment or in a
 * kept query value, %-encoded or not) is masked in the audit event like a secret there, and so
 * never reaches the stores, the export or the dashboard — on real SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sanitizePath } from '../../src/audit/event.js';
import { exportEvents } from '../../src/audit/export.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { STORE_KINDS, tempDir } from './helpers.js';

const EMAIL = 'jane.doe@acme-corp.com';
const GITHUB = 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';

describe('personal data in audited request paths', () => {
  it('masks a path segment or a kept query value that holds personal data or a secret', () => {
    const cases: [string, string][] = [
      [`/gemini/v1beta/files/${EMAIL}`, '/gemini/v1beta/files/[…]'],
      [`/gemini/v1beta/files/${encodeURIComponent(EMAIL)}:download`, '/gemini/v1beta/files/[…]'],
      [`/openai/v1/files?after=${encodeURIComponent(EMAIL)}&limit=3`, '/openai/v1/files?after=[…]&limit=3'],
      [`/openai/v1/files?after=${EMAIL}`, '/openai/v1/files?after=[…]'],
      [`/openai/v1/files?before=${GITHUB}&alt=sse`, '/openai/v1/files?before=[…]&alt=sse'],
      [`/openai/v1/users/+48%20601%20234%20567/files`, '/openai/v1/users/[…]/files'],
      // Dropped as before: only the known-harmless parameters are kept at all.
      [`/openai/v1/files?user=${EMAIL}`, '/openai/v1/files'],
    ];
    for (const [path, stored] of cases) assert.equal(sanitizePath(path), stored, path);
    for (const path of [
      '/anthropic/v1/messages?beta=true',
      '/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
      '/openai/v1/responses/resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
      '/openai/v1/files?after=file-abc123&limit=20',
      '/anthropic/v1/messages/batches/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d',
      '/openai/v1/organization/usage?api-version=2024-10-21',
    ]) {
      assert.equal(sanitizePath(path), path);
    }
  });

  for (const kind of STORE_KINDS) {
    it(`stores and exports the masked path only (${kind.name})`, async () => {
      const opened = await kind.open();
      const tmp = await tempDir();
      try {
        const recorder = new AuditRecorder({ store: opened.store, dataDir: tmp.dir });
        const event = recorder.record({
          kind: 'request',
          decision: 'forward',
          method: 'GET',
          path: `/gemini/v1beta/files/${EMAIL}?after=${encodeURIComponent(EMAIL)}&alt=sse`,
          latency_ms: { total: 1 },
          findings: [],
        });
        await recorder.close();
        assert.ok(event);
        const stored = await opened.store.get(event.id);
        assert.equal(stored?.path, '/gemini/v1beta/files/[…]?after=[…]&alt=sse');
        let exported = '';
        await exportEvents(
          opened.store,
          { format: 'jsonl' },
          { write: (s: string) => ((exported += s), true) },
        );
        assert.ok(exported.includes('"path":"/gemini/v1beta/files/[…]?after=[…]&alt=sse"'), exported);
        assert.ok(!/jane\.doe|acme-corp/.test(exported), exported);
        assert.equal((await opened.store.verify()).ok, true);
      } finally {
        await opened.cleanup();
        await tmp.cleanup();
      }
    });
  }
});
