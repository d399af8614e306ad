/**
 * PostgreSQL URLs in the forms pg reads, unix sockets included, against the real server's
 * socket: accepted by the config, connected through the socket (not TCP), and shown without
 * their password.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { AuditStoreError, redactUrl } from '../../src/audit/errors.js';
import { createAuditStore } from '../../src/audit/open.js';
import type { PostgresAuditStore } from '../../src/audit/postgres-store.js';
import { parseStoreSpec } from '../../src/audit/store-spec.js';
import { runAuditVerify } from '../../src/cli/commands/audit.js';
import { captureIo, PG_URL, tempDir, uniqueSchema } from './helpers.js';

const SECRET = 'Sock3t-pw';

/** The directory of the test server's unix socket (AIRLOCK_TEST_PG_SOCKET, else Debian's). */
function socketDir(): string {
  const candidates = [process.env.AIRLOCK_TEST_PG_SOCKET, '/var/run/postgresql', '/run/postgresql', '/tmp'];
  const port = new URL(PG_URL).port || '5432';
  const dir = candidates.find((d) => d !== undefined && existsSync(join(d, `.s.PGSQL.${port}`)));
  if (dir === undefined)
    throw new Error(
      `no PostgreSQL socket .s.PGSQL.${port} found: set AIRLOCK_TEST_PG_SOCKET to its directory`,
    );
  return dir;
}

describe('PostgreSQL audit store URLs: unix sockets and the forms pg reads', () => {
  const schema = uniqueSchema();
  const dir = socketDir();
  const encoded = encodeURIComponent(dir);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => (tmp = await tempDir()));
  after(async () => {
    const store = createAuditStore(PG_URL, tmp.dir) as PostgresAuditStore;
    await store.sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await store.close();
    await tmp.cleanup();
  });

  const forms = [
    `postgres://postgres:${SECRET}@/test?host=${dir}&schema=${schema}`,
    `postgresql://postgres:${SECRET}@/test?host=${encoded}&schema=${schema}`,
    `postgres://postgres:${SECRET}@${encoded}/test?schema=${schema}`,
    `postgres:///test?host=${dir}&user=postgres&password=${SECRET}&schema=${schema}`,
  ];

  for (const url of forms) {
    it(`connects through the socket with ${url.replace(SECRET, '***')}`, async () => {
      assert.equal(parseStoreSpec(url).kind, 'postgres');
      const store = createAuditStore(url, tmp.dir) as PostgresAuditStore;
      try {
        await store.init();
        const [row] = await store.sql('SELECT inet_client_addr() IS NULL AS socket');
        assert.equal(row?.socket, true, 'a unix socket has no client address');
        assert.ok(!store.location.includes(SECRET), store.location);
        assert.ok(store.location.includes(`schema=${schema}`), store.location);
      } finally {
        await store.close();
      }
    });
  }

  it('is accepted in airlock.yaml and by --store, and shown there without the password', async () => {
    const url = forms[0] ?? '';
    const file = join(tmp.dir, 'airlock.yaml');
    await writeFile(file, `audit:\n  store: ${url}\n`);
    assert.equal(loadConfig(file, {}).config.audit?.store, url);
    assert.equal(redactUrl(url), `postgres://postgres@/test?host=${dir}&schema=${schema}`);

    const io = captureIo();
    assert.equal(await runAuditVerify({ store: url, dataDir: tmp.dir }, io), 0, io.err());
    assert.match(io.out(), /^audit log OK: /);
    assert.ok(io.out().includes(`(postgres://postgres@/test?host=`), io.out());
    assert.ok(!io.out().includes(SECRET));
  });

  it('names a socket directory where no server listens, without the password', async () => {
    const url = `postgres://postgres:${SECRET}@/test?host=${join(tmp.dir, 'no-server')}`;
    const store = createAuditStore(url, tmp.dir);
    try {
      await assert.rejects(store.init(), (err: unknown) => {
        assert.ok(err instanceof AuditStoreError);
        assert.equal(err.problem, 'unreachable');
        assert.match(
          err.message,
          /^cannot use the PostgreSQL audit store at postgres:\/\/postgres@\/test\?host=/,
        );
        assert.ok(!err.message.includes(SECRET), err.message);
        return true;
      });
    } finally {
      await store.close();
    }
  });
});
