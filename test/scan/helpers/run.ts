/** Shared helpers for the scanner's tests: fixture paths and an in-process scan with the test engine. */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScan, type RunScanOptions } from '../../../src/scan/run.js';
import type { ScanFinding } from '../../../src/scan/types.js';
import { TEST_ENGINE } from './regex-engine.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/scan/inputs/', import.meta.url));
export const fixture = (name: string): string => path.join(FIXTURES, name);

export const AWS = 'AKIAQ3EGZ7PLXN4TRW6M';
export const GHP = 'ghp_R8x2Lq0Vd7Nw4Ks9Tb3Hm6Jc1Pf5Yz0Ae2Ug';
export const EMAIL = 'jane.doe@acme-corp.com';

export async function scanWithTestEngine(paths: string[], opts: Partial<RunScanOptions> = {}) {
  const result = await runScan({
    paths,
    engine: TEST_ENGINE,
    workers: 0,
    format: 'json',
    cwd: FIXTURES,
    ...opts,
  });
  return result;
}

export async function findingsOf(
  paths: string[],
  opts: Partial<RunScanOptions> = {},
): Promise<ScanFinding[]> {
  const result = await scanWithTestEngine(paths, { ...opts, reveal: true });
  if (!result.report) throw new Error(`scan failed: ${result.errors}`);
  return result.report.findings;
}

const created: string[] = [];
// Temp dirs go when the test process ends, except those a test keeps to be looked at.
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

export async function tempDir(keep = false): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'airlock-scan-'));
  if (!keep) created.push(dir);
  return dir;
}

/** A compact, comparable view of a finding: where, who, what. */
export const where = (f: ScanFinding): string =>
  `${f.line} ${f.path.join('.')} ${f.role} ${f.ruleId} ${f.value ?? ''}`;
