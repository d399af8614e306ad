/**
 * Baseline files: findings a team has reviewed and accepted, by fingerprint (rule + file +
 * keyed hash of the value, so edits above a finding don't break it). Each baseline carries
 * its own random key: its hashes match only scans that use it, never another report's.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

/** One accepted finding. A ScanFinding is one too. */
export interface BaselineEntry {
  fingerprint: string;
  ruleId: string;
  file: string;
  preview?: string;
}

export interface Baseline {
  version: 1;
  tool: 'airlock';
  key: string;
  findings: BaselineEntry[];
}

/**
 * The file's schema. zod is imported only when a baseline is read: loading it took about 65 ms,
 * two thirds of the scan command's own module loading, on every scan.
 */
async function baselineSchema() {
  const { z } = await import('zod');
  return z
    .object({
      version: z.literal(1),
      tool: z.literal('airlock'),
      key: z.string().min(16),
      findings: z.array(
        z
          .object({
            fingerprint: z.string(),
            ruleId: z.string(),
            file: z.string(),
            preview: z.string().optional(),
          })
          .strict(),
      ),
    })
    .strict();
}

export class BaselineError extends Error {
  override name = 'BaselineError';
}

export async function loadBaseline(file: string): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new BaselineError(`baseline ${file} unreadable: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BaselineError(`baseline ${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = (await baselineSchema()).safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new BaselineError(`baseline ${file} is not an airlock baseline: ${problems}`);
  }
  return parsed.data;
}

export function newBaselineKey(): string {
  return randomBytes(24).toString('hex');
}

export function buildBaseline(key: string, findings: Iterable<BaselineEntry>): Baseline {
  const unique = new Map<string, BaselineEntry>();
  for (const f of findings) {
    const entry: BaselineEntry = { fingerprint: f.fingerprint, ruleId: f.ruleId, file: f.file };
    if (f.preview !== undefined) entry.preview = f.preview;
    unique.set(f.fingerprint, entry);
  }
  const sorted = [...unique.values()].sort((a, b) =>
    a.file + a.ruleId + a.fingerprint < b.file + b.ruleId + b.fingerprint ? -1 : 1,
  );
  return { version: 1, tool: 'airlock', key, findings: sorted };
}

export async function writeBaseline(file: string, baseline: Baseline): Promise<void> {
  await writeFile(file, `${JSON.stringify(baseline, null, 2)}\n`, { mode: 0o600 });
}
