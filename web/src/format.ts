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

export function time(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const t = d.toLocaleTimeString('en-GB', { hour12: false });
  return sameDay ? t : `${d.toLocaleDateString('en-CA')} ${t}`;
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
