/** Events recorded by other gateway processes reach this process's live feed through the store. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import type { AuditEvent } from '../../src/audit/types.js';
import { StoreFollower } from '../../src/dashboard/follow.js';
import { createDashboard } from '../../src/dashboard/index.js';
import { startGateway } from '../../src/gateway/server.js';
import { testConfig } from '../helpers/stack.js';
import { seed, sealedEvents, tempDir } from './helpers.js';

let dir: { dir: string; cleanup: () => Promise<void> };
let store: SqliteAuditStore;

before(async () => {
  dir = await tempDir();
  store = new SqliteAuditStore({ path: join(dir.dir, 'audit.db') });
  await seed(store, sealedEvents(20, Date.now() - 60_000, Date.now() - 30_000, 'old'));
});

after(async () => {
  await store.close();
  await dir.cleanup();
});

test('the follower delivers new rows once, skips what was published here, and starts at the end', async () => {
  const delivered: AuditEvent[] = [];
  let watching = true;
  const publishedHere = new Set<string>();
  const follower = new StoreFollower({
    store,
    intervalMs: 60_000,
    seen: (id) => publishedHere.has(id),
    deliver: (e) => delivered.push(e),
    active: () => watching,
  });
  await follower.poll();
  assert.equal(delivered.length, 0, 'the first poll only finds the end of the log');

  const fresh = [...sealedEvents(5, Date.now() - 1000, Date.now(), 'other-process')];
  publishedHere.add(fresh[0]!.event.id);
  await store.append(fresh);
  await follower.poll();
  assert.deepEqual(
    delivered.map((e) => e.id),
    fresh.slice(1).map((s) => s.event.id),
  );
  await follower.poll();
  assert.equal(delivered.length, 4, 'nothing twice');

  watching = false;
  await follower.poll();
  await store.append([...sealedEvents(3, Date.now() - 1000, Date.now(), 'while-away')]);
  watching = true;
  await follower.poll();
  await follower.poll();
  assert.equal(delivered.length, 4, 'what happened while nobody watched is not replayed');
});

test('a live feed on one process shows events another process wrote to the shared store', async () => {
  const dashboard = createDashboard({ store, dataDir: dir.dir, followStoreMs: 50 });
  const gw = await startGateway({ config: testConfig(), routes: [dashboard.routes] });
  const abort = new AbortController();
  try {
    const res = await fetch(`${gw.url}/_airlock/api/live`, {
      headers: { authorization: `Bearer ${dashboard.token.value}` },
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    // Another process appends one event every second or so; the follower finds the end of the
    // log on its first poll (after the reader thread starts), and from then on each append
    // must reach this feed.
    const others = [...sealedEvents(20, Date.now(), Date.now() + 20, 'worker-2')];
    const appended: string[] = [];
    let pending: ReturnType<typeof reader.read> | undefined;
    const arrived = () => appended.some((id) => text.includes(`id: ${id}\nevent: audit\ndata: {`));
    // Bounded: at most 200 reads of at most 100 ms each.
    for (let i = 0; i < 200 && !arrived(); i++) {
      const next = others[appended.length];
      if (i % 10 === 5 && next) {
        await store.append([next]);
        appended.push(next.event.id);
      }
      // One read in flight at a time: a read that lost the race still gets the next chunk.
      pending ??= reader.read();
      const chunk = await Promise.race([
        pending,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)),
      ]);
      if (chunk) pending = undefined;
      if (chunk?.value) text += decoder.decode(chunk.value);
    }
    assert.ok(arrived(), `none of ${appended.length} appended events reached the feed:\n${text}`);
  } finally {
    abort.abort();
    await dashboard.close();
    await gw.close(500);
  }
});
