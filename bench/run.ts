/**
 * `npm run bench`: every benchmark, each comparing against a baseline measured in the same run.
 * BENCH_QUICK=1 shortens every phase (for a smoke run). Select with `npm run bench -- gateway`.
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runAuditCostBench } from './audit-cost.js';
import { runAuditKillBench } from './audit-kill.js';
import { runAuditQueryBench } from './audit-query.js';
import { runAuditRecordBench } from './audit-record.js';
import { runAuditVerifyBench } from './audit-verify.js';
import { runDashboardBench } from './dashboard.js';
import { runEgressBench } from './egress.js';
import { runGatewayBench } from './gateway.js';
import { runScanBench } from './scan.js';

/** A benchmark written as a standalone script: run it in its own process and keep its report. */
function script(file: string): () => Promise<string> {
  return async () => {
    const path = fileURLToPath(new URL(file, import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', path], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`${file} failed (${r.status}):\n${r.stderr}`);
    return r.stdout.trim();
  };
}

const suites: Record<string, () => Promise<string>> = {
  gateway: runGatewayBench,
  detect: script('./detect.ts'),
  'detect-adversarial': script('./detect-adversarial.ts'),
  'audit-record': runAuditRecordBench,
  'audit-verify': runAuditVerifyBench,
  'audit-query': runAuditQueryBench,
  'audit-kill': runAuditKillBench,
  'audit-cost': runAuditCostBench,
  dashboard: runDashboardBench,
  egress: runEgressBench,
  restore: script('./restore.ts'),
  scan: runScanBench,
};

const selected = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = selected.length > 0 ? selected : Object.keys(suites);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
process.stdout.write(`Machine: ${machine}\nDate: ${new Date().toISOString()}\n\n`);
for (const name of names) {
  const run = suites[name];
  if (!run) {
    process.stderr.write(`unknown benchmark "${name}"; known: ${Object.keys(suites).join(', ')}\n`);
    process.exit(2);
  }
  process.stdout.write(`## ${name}\n\n${await run()}\n\n`);
}
