/**
 * `airlock audit tail | export | verify`: thin commander wiring over run* functions that tests
 * call in-process. Exit codes: 0 success; 1 verify found tampering; 2 usage or store error
 * (bad --since, missing or corrupt SQLite file, unreachable PostgreSQL) with a one-line reason.
 * Registered (options, help) in src/cli/register/audit.ts, which loads this module only when an
 * audit command runs.
 */
import { createWriteStream } from 'node:fs';
import { z } from 'zod';
import { finished } from 'node:stream/promises';
import { loadConfig, resolveDataDir } from '../../config/load.js';
import { parseYaml } from '../../config/yaml-zod.js';
import { parseTimeArg } from '../../audit/duration.js';
import { StatusLine, type StatusSink } from '../../status-line.js';
import { exportEvents, uninspectedSummary, type ExportFormat, type LineSink } from '../../audit/export.js';
import { openAuditStore } from '../../audit/open.js';
import type { AuditStore } from '../../audit/store.js';
import { spoolBacklog, spoolDir } from '../../audit/spool.js';
import { storeFileAt } from '../../audit/store-files.js';
import type { AuditEvent } from '../../audit/types.js';
import type { RetentionSummary } from '../../audit/verify.js';
import { terminalSafe } from '../../scan/report/terminal-safe.js';
import { readConfigText } from '../../config/config-error.js';

export { registerAuditCommand } from '../register/audit.js';

export interface AuditIo {
  stdout: LineSink;
  /** A terminal (`isTTY`) gets a progress line while a long verify or export runs. */
  stderr: StatusSink;
}

export interface StoreOptions {
  dataDir?: string;
  /** `sqlite:<path>` or `postgres://...`; default: the store `airlock start` writes to. */
  store?: string;
  /** The gateway config whose audit store to read (default ./airlock.yaml when present). */
  config?: string;
}

export interface ExportCliOptions extends StoreOptions {
  format: ExportFormat;
  /** false (`--no-progress`): no progress line with --output, even on a terminal. */
  progress?: boolean;
  since?: string;
  until?: string;
  output?: string;
}

export interface VerifyCliOptions extends StoreOptions {
  json?: boolean;
  /** false (`--no-progress`): no progress line, even on a terminal. */
  progress?: boolean;
}

export interface TailCliOptions extends StoreOptions {
  follow?: boolean;
  lines?: number;
  json?: boolean;
  pollMs?: number;
  /** Ends --follow (SIGINT in the CLI; tests abort it). */
  signal?: AbortSignal;
}

const processIo: AuditIo = { stdout: process.stdout, stderr: process.stderr };

/**
 * The store `airlock start` would write to with the same config: airlock.yaml's `audit:`
 * section, else the `audit:` store of the policy file it names, else `<dataDir>/audit.db`.
 */
export function configuredAuditStore(configFile: string | undefined): string | undefined {
  const { config } = loadConfig(configFile);
  if (config.audit) return config.audit.store;
  return config.policy ? policyAuditStore(config.policy) : undefined;
}

/** The policy file's keys, of which reading the log needs one. */
const POLICY_AUDIT_KEY = z.looseObject({ audit: z.string().optional() });

/**
 * The `audit:` store a policy file names. Only that key is read: a policy refused for another
 * reason (a custom rule the engine rejects) still names where the log is, and reading the log
 * needs no rule compiled. The store URL itself is checked when it is opened.
 */
function policyAuditStore(file: string): string | undefined {
  const doc = parseYaml(readConfigText(file, 'policy'), file, z.union([POLICY_AUDIT_KEY, z.null()]));
  return doc?.audit;
}

/** Opens the store for reading; store problems become one clear line and exit code 2. */
async function withStore(
  opts: StoreOptions,
  io: AuditIo,
  fn: (store: AuditStore) => Promise<number>,
): Promise<number> {
  let store: AuditStore | undefined;
  try {
    const spec = opts.store ?? process.env.AIRLOCK_AUDIT_STORE ?? configuredAuditStore(opts.config);
    store = await openAuditStore(spec, resolveDataDir(opts.dataDir), { mustExist: true });
    return await fn(store);
  } catch (err) {
    // The reader went away (`airlock audit export | head`): a normal end, not an error.
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    // Store, config and time-argument errors carry a message meant for the user, as is.
    io.stderr.write(`airlock audit: ${(err as Error).message ?? String(err)}\n`);
    return 2;
  } finally {
    await store?.close().catch(() => undefined);
  }
}

function findingsSummary(e: AuditEvent): string {
  const counts = new Map<string, number>();
  for (const f of e.findings) counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
  return [...counts].map(([rule, n]) => (n > 1 ? `${rule}x${n}` : rule)).join(',') || '-';
}

/** Parts the gateway sent on uninspected, last on the line (only when there were any). */
function uninspectedColumn(e: AuditEvent): string[] {
  const summary = uninspectedSummary(e);
  return summary === undefined ? [] : [`uninspected=${summary}`];
}

/**
 * One event as a line of `audit tail`. Model, path, host and the rest come from clients (and
 * from rows anyone with write access to the store may have edited): a control character in them
 * would be obeyed by the terminal (an escape sequence, a newline forging a line of its own), so
 * each is written as an escape (terminal-safe.ts).
 */
export function tailLine(e: AuditEvent): string {
  const target =
    e.kind === 'egress'
      ? `${e.egress?.host ?? '?'}:${e.egress?.port ?? '?'}`
      : `${e.method ?? ''} ${e.path ?? ''}`;
  return terminalSafe(tailFields(e, target));
}

function tailFields(e: AuditEvent, target: string): string {
  return [
    e.time,
    e.decision.padEnd(12),
    (e.provider ?? e.kind).padEnd(9),
    (e.model ?? '-').padEnd(20),
    String(e.status ?? '-').padStart(3),
    `${Math.round(e.latency_ms.total)}ms`.padStart(7),
    e.client.agent.padEnd(12),
    findingsSummary(e),
    target.trim(),
    ...uninspectedColumn(e),
  ].join('  ');
}

export async function runAuditExport(opts: ExportCliOptions, io: AuditIo = processIo): Promise<number> {
  let since: Date | undefined;
  let until: Date | undefined;
  try {
    since = opts.since === undefined ? undefined : parseTimeArg(opts.since, '--since');
    until = opts.until === undefined ? undefined : parseTimeArg(opts.until, '--until');
  } catch (err) {
    io.stderr.write(`airlock audit: ${(err as Error).message}\n`);
    return 2;
  }
  if (since !== undefined && until !== undefined && since.getTime() >= until.getTime()) {
    // An empty range exported without a word reads as "nothing happened": say the bounds are swapped.
    io.stderr.write(
      `airlock audit: --since (${since.toISOString()}) is not before --until (${until.toISOString()}): ` +
        'the range holds no time\n',
    );
    return 2;
  }
  if (opts.format !== 'jsonl' && opts.format !== 'csv') {
    io.stderr.write(`airlock audit: invalid --format "${String(opts.format)}": use jsonl or csv\n`);
    return 2;
  }
  if (opts.output === '') {
    io.stderr.write('airlock audit: --output names no file: give a file, or leave --output out for stdout\n');
    return 2;
  }
  return withStore(opts, io, async (store) => {
    const own = opts.output === undefined ? undefined : storeFileAt(opts.output, store);
    if (own !== undefined) {
      io.stderr.write(
        `airlock audit: --output ${opts.output} is the audit store's own file (${own}): ` +
          'writing the export there would destroy the log; choose another file\n',
      );
      return 2;
    }
    if (!opts.output) {
      await exportEvents(store, { format: opts.format, since, until }, io.stdout);
      return 0;
    }
    // Only with --output: on stdout the events themselves are what the terminal shows.
    const progress = progressLine(opts, io, 'exporting');
    const file = createWriteStream(opts.output, { mode: 0o600 });
    const count = await exportEvents(
      store,
      { format: opts.format, since, until, ...(progress ? { onProgress: progress.update } : {}) },
      file,
    );
    file.end();
    await finished(file);
    progress?.clear();
    io.stderr.write(`exported ${count} events to ${opts.output}\n`);
    return 0;
  });
}

/**
 * The line a verify or an export to a file shows on a terminal (a log of millions of events
 * takes minutes): events so far and the rate, drawn by a StatusLine from a quarter second on (a
 * quick run shows none), erased at the end.
 */
export function countProgress(
  sink: AuditIo['stderr'],
  doing: 'verifying' | 'exporting',
  clock: () => number = Date.now,
): { update: (events: number) => void; clear: () => void } {
  const started = clock();
  const line = new StatusLine(sink, clock);
  return {
    update: (events) => {
      const seconds = (clock() - started) / 1000;
      if (seconds < 0.25) return;
      line.show(
        () =>
          `${doing}: ${events.toLocaleString('en-US')} events, ${Math.round(events / seconds).toLocaleString('en-US')}/s`,
      );
    },
    clear: () => line.clear(),
  };
}

/** countProgress on stderr when it is a terminal and `--no-progress` was not given. */
function progressLine(
  opts: { progress?: boolean },
  io: AuditIo,
  doing: 'verifying' | 'exporting',
): ReturnType<typeof countProgress> | undefined {
  return opts.progress !== false && io.stderr.isTTY ? countProgress(io.stderr, doing) : undefined;
}

export async function runAuditVerify(opts: VerifyCliOptions, io: AuditIo = processIo): Promise<number> {
  return withStore(opts, io, async (store) => {
    const started = Date.now();
    const progress = progressLine(opts, io, 'verifying');
    const report = await store.verify(progress ? { onProgress: progress.update } : {});
    progress?.clear();
    const seconds = (Date.now() - started) / 1000;
    // Events a gateway spooled while its store was down are in no chain yet: said, not judged.
    const spool = spoolBacklog(spoolDir(resolveDataDir(opts.dataDir)));
    if (opts.json) {
      io.stdout.write(`${JSON.stringify({ ...report, spool })}\n`);
      return report.ok ? 0 : 1;
    }
    if (report.ok) {
      io.stdout.write(
        `audit log OK: ${report.events} events in ${report.instances.length} chains verified in ${seconds.toFixed(2)} s (${store.location})\n`,
      );
      if (report.retention) io.stdout.write(`${retentionLine(report.retention)}\n`);
    } else {
      const [first] = report.problems;
      io.stdout.write(`audit log TAMPERED: first bad row is ${first?.message ?? 'unknown'}\n`);
      for (const p of report.problems.slice(1)) io.stdout.write(`  also: ${p.message}\n`);
    }
    for (const c of report.instances) {
      const cut = c.pruned ? `; pruned through seq ${c.pruned.seq} at ${c.pruned.at}` : '';
      io.stdout.write(
        `  ${c.ok ? 'ok ' : 'BAD'} ${c.instance}: ${c.events} events, seq ${c.firstSeq}..${c.lastSeq}, head ${c.head}${cut}\n`,
      );
    }
    for (const c of report.retention?.emptied ?? []) {
      io.stdout.write(`  ok  ${c.instance}: 0 events, all pruned through seq ${c.seq} at ${c.at}\n`);
    }
    if (spool.segments > 0) {
      io.stdout.write(
        `spool: ${spool.events} events in ${spool.segments} segments wait in ${spool.dir}, not yet in the store ` +
          'nor verified (a gateway stores them at its next start)\n',
      );
    }
    return report.ok ? 0 : 1;
  });
}

/**
 * What retention left, under the OK line: a log that starts late is the cut `retain:` made, not
 * rows lost (the anchors say so, and verify checked the chains from them).
 */
function retentionLine(r: RetentionSummary): string {
  const kept = r.oldestKept
    ? `the oldest event kept is from ${r.oldestKept.time} (id ${r.oldestKept.id}); older ones were pruned`
    : 'every event was pruned';
  return `retention: ${kept}, the last cut at ${r.lastPrunedAt}`;
}

export async function runAuditTail(opts: TailCliOptions, io: AuditIo = processIo): Promise<number> {
  const lines = opts.lines ?? 20;
  if (!Number.isInteger(lines) || lines < 1 || lines > 1000) {
    io.stderr.write(`airlock audit: invalid --lines "${String(opts.lines)}": use 1 to 1000\n`);
    return 2;
  }
  return withStore(opts, io, async (store) => {
    // JSON.stringify escapes C0 controls but leaves DEL and the C1 ones (U+009B starts an escape
    // sequence on some terminals); written as \u escapes, the JSON means the same.
    const print = (e: AuditEvent) =>
      io.stdout.write(opts.json ? `${terminalSafe(JSON.stringify(e))}\n` : `${tailLine(e)}\n`);
    let { events, cursor } = await store.changes(undefined, lines);
    events.forEach(print);
    while (opts.follow && !opts.signal?.aborted) {
      ({ events, cursor } = await store.changes(cursor, 500));
      events.forEach(print);
      if (events.length === 0) await sleep(opts.pollMs ?? 1000, opts.signal);
    }
    return 0;
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
