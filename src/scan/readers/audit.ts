/**
 * Airlock audit exports (`airlock audit export --format jsonl`): one event a line, chained by
 * hashes. Audit events hold masked previews and keyed hashes by design; scanning an export
 * checks that promise (a raw value there is a finding) and what the metadata (hosts, user
 * agents, paths) says about the machine.
 */
import { walkLeaves, type LeafSink } from './walk.js';

type Rec = Record<string, unknown>;

const HASH_KEYS = ['hash', 'prevHash', 'prev_hash', 'chainHash', 'chain_hash'];

export function isAuditRecord(rec: Rec): boolean {
  const hasHash = 'hash' in rec || 'chainHash' in rec || 'chain_hash' in rec;
  const hasPrev = 'prevHash' in rec || 'prev_hash' in rec;
  return hasHash && hasPrev;
}

/** Members that are hashes or already-masked previews: nothing to find, only noise. */
const SKIP = new Set([...HASH_KEYS, 'valueHash', 'value_hash', 'preview', 'id', 'seq']);

export function auditLeaves(rec: Rec, sink: LeafSink): void {
  const visit = (value: unknown, path: (string | number)[]): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, [...path, i]));
      return;
    }
    if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value as Rec))
        if (!SKIP.has(key)) visit(child, [...path, key]);
      return;
    }
    walkLeaves(value, path, 'metadata', sink, false);
  };
  visit(rec, []);
}
