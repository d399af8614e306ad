/**
 * Child of bench/audit-kill.ts: a tiny HTTP server that records one audit event per request
 * and only then answers with the event id, as the gateway does: recordGrouped, then the end of
 * the response once its write-ahead is done. Args: dataDir durability. Prints its port on stdout.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import { AuditRecorder } from '../src/audit/recorder.js';
import { ThreadedSqliteStore } from '../src/audit/sqlite-threaded.js';
import { benchInput } from './audit-fixtures.js';

const [dataDir = '.', durability = 'spool'] = process.argv.slice(2);
// The default file store: inserts on its writer thread, as the gateway runs it.
const store = new ThreadedSqliteStore({ path: join(dataDir, 'audit.db') });
await store.init();
const recorder = new AuditRecorder({
  store,
  dataDir,
  instance: `killed-${durability}`,
  durability: durability === 'memory' ? 'memory' : 'spool',
});
let n = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const recorded = recorder.recordGrouped(benchInput(n++));
    const answer = (): void => void res.end(recorded?.event.id ?? 'dropped');
    if (recorded?.written) void recorded.written.then(answer);
    else answer();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
});
