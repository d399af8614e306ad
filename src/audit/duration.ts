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
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

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

/**
 * Whether the date and time of day written exist: Date.parse rolls an impossible day over
 * (2026-02-30 is March 2nd, 2026-04-31 May 1st, T24:00 the next day), so that a typo would
 * quietly select another window. Checked by setting the same fields in UTC and reading them
 * back (the offset does not change whether a day exists; setUTCFullYear, unlike Date.UTC,
 * takes years below 100 as written).
 */
function fieldsExist(iso: RegExpExecArray): boolean {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = iso
    .slice(1, 7)
    .map((field) => Number(field ?? 0));
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second);
  return (
    d.getUTCFullYear() === year &&
    d.getUTCMonth() + 1 === month &&
    d.getUTCDate() === day &&
    d.getUTCHours() === hour &&
    d.getUTCMinutes() === minute &&
    d.getUTCSeconds() === second
  );
}

export function parseTimeArg(text: string, name: string, now: number = Date.now()): Date {
  const value = text.trim();
  const duration = parseDuration(value);
  if (duration !== undefined) return new Date(now - duration);
  const iso = ISO.exec(value);
  const exists = iso !== null && fieldsExist(iso);
  if (iso && exists) {
    const hasTime = value.length > 10;
    const t = Date.parse(hasTime && !iso[7] ? `${value.replace(' ', 'T')}Z` : value.replace(' ', 'T'));
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new TimeArgError(
    `invalid ${name} "${text}": ${iso && !exists ? 'no such date or time of day; ' : ''}` +
      'expected an ISO 8601 time (2026-01-31, 2026-01-31T12:00:00Z) ' +
      'or a duration back from now (90s, 30m, 24h, 7d, 2w)',
  );
}
