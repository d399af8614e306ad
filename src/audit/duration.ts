/**
 * Time arguments: `--since 24h`, `--until 2026-01-31T12:00:00Z`, `retain: 90d`. A relative
 * duration counts back from now; a date-time without an offset is read as UTC (an audit log is
 * compared across machines, so local time would make the same command mean different things).
 */
const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(\d+)(ms|s|m|h|d|w)$/;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

export class TimeArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeArgError';
  }
}

/** `90d` → milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNITS[m[2] ?? ''] ?? NaN);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

export function parseTimeArg(text: string, name: string, now: number = Date.now()): Date {
  const value = text.trim();
  const duration = parseDuration(value);
  if (duration !== undefined) return new Date(now - duration);
  const iso = ISO.exec(value);
  if (iso) {
    const hasTime = value.length > 10;
    const t = Date.parse(hasTime && !iso[1] ? `${value.replace(' ', 'T')}Z` : value.replace(' ', 'T'));
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new TimeArgError(
    `invalid ${name} "${text}": expected an ISO 8601 time (2026-01-31, 2026-01-31T12:00:00Z) ` +
      'or a duration back from now (90s, 30m, 24h, 7d, 2w)',
  );
}
