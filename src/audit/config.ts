/**
 * The `audit:` section of airlock.yaml, for the config schema to embed as
 * `audit: auditConfigSchema.default(DEFAULT_AUDIT_CONFIG)`. Either a store spec
 * (`audit: postgres://airlock@db:5432/airlock`) or an object:
 *
 *   audit:
 *     store: sqlite                 # sqlite (default: <dataDir>/audit.db), sqlite:<path>, postgres://...
 *     retain: 90d                   # delete older events (hourly); `forever` keeps everything.
 *                                   # A run prunes every chain in the store: gateways sharing a
 *                                   # log keep it as long as the shortest retain among them
 *     on_spool_full: block          # block: refuse requests (AIRLOCK_AUDIT_UNAVAILABLE); allow: drop events
 *     spool_max: 256MiB
 *     durability: spool             # spool: written ahead before the response ends; memory: faster, a crash loses the queue
 *     fsync: interval               # always | interval (1 s) | never — only matters for power loss, not for kill -9
 *     instance: gw-eu-1             # chain name prefix; each process adds -<random> (default p<pid>)
 *     forensic: { max_bytes: 0 }    # keep this much of the body that left (redacted); 0 = off
 */
import { z } from 'zod';
import { byteSize, byteSizeOrOff } from '../config/byte-size.js';
import { parseDuration } from './duration.js';
import { parseStoreSpec } from './store-spec.js';

const retain = z.string().transform((v, ctx) => {
  if (v === 'forever') return undefined;
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (e.g. 90d, 12w, 24h) or "forever"` });
    return z.NEVER;
  }
  return ms;
});

/** Checked here, not at open, so that a wrong store is refused with the file, line and key. */
const store = z
  .string()
  .min(1)
  .superRefine((v, ctx) => {
    try {
      parseStoreSpec(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

const auditObject = z
  .object({
    store: store.default('sqlite'),
    retain: retain.prefault('90d'),
    on_spool_full: z.enum(['block', 'allow']).default('block'),
    spool_max: byteSize.default(256 * 1024 * 1024),
    durability: z.enum(['spool', 'memory']).default('spool'),
    fsync: z.enum(['always', 'interval', 'never']).default('interval'),
    instance: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,56}$/, 'letters, digits, _ and - only (at most 56)')
      .optional(),
    forensic: z
      .object({ max_bytes: byteSizeOrOff.default(0) })
      .strict()
      .default({ max_bytes: 0 }),
  })
  .strict();

/** A bare string is the store; preprocessing (not a union) keeps each problem's own message and path. */
export const auditConfigSchema = z.preprocess((v) => (typeof v === 'string' ? { store: v } : v), auditObject);

export type AuditConfig = z.infer<typeof auditConfigSchema>;

export const DEFAULT_AUDIT_CONFIG: AuditConfig = auditObject.parse({});
