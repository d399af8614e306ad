/** Display formatting shared by the pages. */
const number = new Intl.NumberFormat('en');

export function count(n: number): string {
  return number.format(n);
}

export function ms(n: number): string {
  if (n < 1) return `${n.toFixed(2)} ms`;
  if (n < 1000) return `${Math.round(n)} ms`;
  return `${(n / 1000).toFixed(1)} s`;
}

/**
 * Times are shown in the browser's time zone, which the navigation bar names once for every page
 * (zoneLabel); a time whose UTC offset differs from the one in force now (the other side of a
 * daylight saving change) carries its own offset, so that no time shown is ambiguous.
 */
export function time(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const t = d.toLocaleTimeString('en-GB', { hour12: false });
  const offset = utcOffset(d) === utcOffset(today) ? '' : ` ${utcOffset(d)}`;
  return `${sameDay ? t : `${d.toLocaleDateString('en-CA')} ${t}`}${offset}`;
}

/** Date, time to the millisecond and UTC offset: the one time of a detail page. */
export function fullTime(iso: string): string {
  const d = new Date(iso);
  const t = d.toLocaleTimeString('en-GB', { hour12: false });
  const msPart = String(d.getMilliseconds()).padStart(3, '0');
  return `${d.toLocaleDateString('en-CA')} ${t}.${msPart} ${utcOffset(d)}`;
}

/** `UTC`, `UTC+01:00`, `UTC-03:30`: the browser's offset from UTC at that moment. */
export function utcOffset(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  if (minutes === 0) return 'UTC';
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `UTC${minutes < 0 ? '-' : '+'}${hh}:${mm}`;
}

/** The time zone the pages show times in: its name and its offset now (`Europe/Berlin, UTC+01:00`). */
export function zoneLabel(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const offset = utcOffset(new Date());
  return zone && zone !== 'UTC' && zone !== 'Etc/UTC' ? `${zone}, ${offset}` : offset;
}

export function ago(iso: string): string {
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** One colour per decision and category, the same on every page and chart. */
export const COLORS: Record<string, string> = {
  forward: '#3f8f5a',
  pseudonymize: '#2f6fd6',
  block: '#c8362f',
  error: '#b07a10',
  allow: '#3f8f5a',
  deny: '#c8362f',
  environment: '#2f6fd6',
  secret: '#c8362f',
  pii: '#8a46c7',
  tracking: '#d08a1a',
  'hidden-unicode': '#169c9c',
  'header-fingerprint': '#6b7280',
};

export function color(key: string, i = 0): string {
  return COLORS[key] ?? ['#444c5e', '#9c5f2f', '#5e8c31', '#a23b72', '#3b6ea2'][i % 5] ?? '#444';
}
