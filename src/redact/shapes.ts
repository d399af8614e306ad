/**
 * Format-preserving stand-ins, one function per kind of value. Pure: every choice comes from a
 * deterministic byte stream (a keyed HMAC of the value, see surrogates.ts), so the same value
 * gives the same stand-in across requests and restarts. Shapes follow the documentation ranges
 * (RFC 5737 IPv4, RFC 3849 IPv6, RFC 7042 MAC, RFC 2606 names) so a stand-in never names a real
 * machine, and secrets keep their vendor prefix and length so code that checks them still parses.
 */

/** Deterministic bytes on demand; `next()` never repeats a pattern a caller could notice. */
export interface ByteSource {
  next(): number;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';

function pick(bytes: ByteSource, alphabet: string): string {
  // 256 % alphabet.length bias is irrelevant here: stand-ins need to look random, not be keys.
  return alphabet[bytes.next() % alphabet.length] ?? alphabet[0] ?? '';
}

/**
 * Same length, same character classes, same punctuation: `AbC-123_x` → `QrZ-804_m`. Runs of
 * hexadecimal stay hexadecimal (ids, hashes), so a UUID stays a UUID.
 */
export function reshape(value: string, bytes: ByteSource): string {
  let out = '';
  for (const run of value.split(/([^A-Za-z0-9]+)/)) {
    if (run === '' || /^[^A-Za-z0-9]/.test(run)) {
      out += run;
      continue;
    }
    const hexLower = /^[0-9a-f]+$/.test(run) && /[a-f]/.test(run);
    const hexUpper = /^[0-9A-F]+$/.test(run) && /[A-F]/.test(run);
    for (const ch of run) {
      if (hexLower) out += pick(bytes, HEX);
      else if (hexUpper) out += pick(bytes, HEX).toUpperCase();
      else if (ch >= '0' && ch <= '9') out += pick(bytes, DIGITS);
      else if (ch >= 'A' && ch <= 'Z') out += pick(bytes, UPPER);
      else out += pick(bytes, LOWER);
    }
  }
  return out;
}

/** Vendor prefixes kept verbatim, longest first, so `sk-ant-api03-…` never matches `sk-`. */
const SECRET_PREFIXES = [
  'sk-ant-admin01-',
  'sk-ant-api03-',
  'sk-ant-oat01-',
  'sk-ant-',
  'sk-proj-',
  'sk-svcacct-',
  'sk-admin-',
  'sk-',
  'github_pat_',
  'ghp_',
  'gho_',
  'ghu_',
  'ghs_',
  'ghr_',
  'glpat-',
  'xoxb-',
  'xoxp-',
  'xoxa-',
  'xoxe-',
  'xoxs-',
  'sk_live_',
  'sk_test_',
  'rk_live_',
  'rk_test_',
  'pk_live_',
  'pk_test_',
  'whsec_',
  'npm_',
  'AKIA',
  'ASIA',
  'AIza',
  'hf_',
  // PyPI / TestPyPI tokens: the macaroon's location (pypi.org, test.pypi.org) stays readable.
  'pypi-AgEIcHlwaS5vcmc',
  'pypi-AgENdGVzdC5weXBpLm9yZw',
  'pypi-AgEI',
  'pypi-AgEN',
];

/** Base64 of `-----BEGIN` (a PEM block encoded whole: kubeconfig client-key-data). */
const BASE64_PEM = 'LS0tLS1CRUdJTi';

/**
 * A base64-encoded PEM block stays one: the decoded header and footer lines are kept, the rest of
 * the decoded text is reshaped and encoded again (same length, same padding). A run that is not
 * whole base64 keeps its encoded `-----BEGIN` prefix only.
 */
function base64PemShape(value: string, bytes: ByteSource): string {
  if (value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    const decoded = Buffer.from(value, 'base64').toString('latin1');
    const shaped = decoded
      .split(/(-----(?:BEGIN|END) [A-Z0-9 _-]+-----)/)
      .map((part, i) => (i % 2 === 1 ? part : reshape(part, bytes)))
      .join('');
    const encoded = Buffer.from(shaped, 'latin1').toString('base64');
    if (encoded.length === value.length) return encoded;
  }
  return BASE64_PEM + reshape(value.slice(BASE64_PEM.length), bytes);
}

export function secretShape(value: string, bytes: ByteSource): string {
  if (/^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(value)) return jwtShape(value, bytes);
  const pem = /^(-----BEGIN [A-Z0-9 ]+-----)([\s\S]*?)(-----END [A-Z0-9 ]+-----)$/.exec(value);
  if (pem) return `${pem[1]}${reshape(pem[2] ?? '', bytes)}${pem[3]}`;
  if (value.startsWith(BASE64_PEM) && value.length > 64) return base64PemShape(value, bytes);
  const prefix = SECRET_PREFIXES.find((p) => value.startsWith(p) && value.length > p.length) ?? '';
  return prefix + reshape(value.slice(prefix.length), bytes);
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** A JWT that still decodes: a fixed HS256 header, a payload naming no one, a same-length signature. */
function jwtShape(value: string, bytes: ByteSource): string {
  const signature = value.split('.')[2] ?? '';
  let subject = '';
  for (let i = 0; i < 16; i++) subject += pick(bytes, HEX);
  const header = base64url('{"alg":"HS256","typ":"JWT"}');
  const payload = base64url(`{"sub":"${subject}","iat":1700000000}`);
  return `${header}.${payload}.${reshape(signature, bytes)}`;
}

/** A UUID keeps its version and variant characters (a v4 stays a v4). */
export function uuidShape(value: string, bytes: ByteSource): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value))
    return reshape(value, bytes);
  // Every position is hex (a group of digits only is still hex), whatever the original drew.
  const out = value.split('').map((ch) => (ch === '-' ? ch : pick(bytes, HEX)));
  out[14] = value[14] ?? '4';
  out[19] = value[19] ?? '8';
  const uuid = out.join('');
  return /[A-F]/.test(value) ? uuid.toUpperCase() : uuid;
}

/**
 * Candidate numbers at or over this are in the wide space, drawn from once the small one had
 * no free surrogate (generate.ts); the numbering is 32-bit, so the two never meet.
 */
export const WIDE = 2 ** 33;

/** 192.0.2.x, 198.51.100.x or 203.0.113.x (RFC 5737): 762 addresses. */
export function ipv4Shape(n: number): string {
  if (n >= WIDE) {
    // 198.18.0.0/15, set aside for benchmarking (RFC 2544), never routed: 130,048 host addresses.
    const m = n - WIDE;
    return `198.${18 + (Math.floor(m / 65_024) % 2)}.${Math.floor(m / 254) % 256}.${1 + (m % 254)}`;
  }
  const nets = ['192.0.2.', '198.51.100.', '203.0.113.'];
  return `${nets[n % 3] ?? nets[0]}${1 + (Math.floor(n / 3) % 254)}`;
}

/** 2001:db8::/32 (RFC 3849). */
export function ipv6Shape(n: number): string {
  if (n >= WIDE) {
    const m = n - WIDE;
    return `2001:db8::${(1 + (Math.floor(m / 0xfffe) % 0xfffe)).toString(16)}:${(1 + (m % 0xfffe)).toString(16)}`;
  }
  return `2001:db8::${(1 + (n % 0xfffe)).toString(16)}`;
}

/**
 * 00:00:5e:00:53:xx (RFC 7042 documentation block), in the original's separator and case; in the
 * wide space 02:00:5e:xx:xx:xx, IANA's OUI with the locally administered bit, which no vendor's
 * hardware carries.
 */
export function macShape(value: string, n: number): string {
  const sep = value.includes('-') ? '-' : ':';
  const hex = (b: number): string => b.toString(16).padStart(2, '0');
  const m = n - WIDE;
  const octets =
    n >= WIDE
      ? ['02', '00', '5e', hex(Math.floor(m / 65_536) % 256), hex(Math.floor(m / 256) % 256), hex(m % 256)]
      : ['00', '00', '5e', '00', '53', hex(n % 256)];
  const mac = octets.join(sep);
  return /[A-F]/.test(value) ? mac.toUpperCase() : mac;
}

/** `Europe/Berlin` → `UTC`; an offset keeps its form (`+02:00` → `+00:00`). */
export function timezoneShape(value: string): string {
  const offset = /^([+-])\d\d(:?)\d\d$/.exec(value);
  if (offset) return `+00${offset[2] ?? ''}00`;
  if (/^UTC[+-]/i.test(value) || /^GMT[+-]/i.test(value)) return 'UTC+0';
  return 'UTC';
}

/**
 * `de_DE.UTF-8` → `en_US.UTF-8`, `de-DE` → `en-US`, `de` → `en`. A date written in the user's
 * language (Gemini CLI's `dimanche 29 novembre 2026`) becomes the same date in en-US
 * (`Sunday, November 29, 2026`); `en-US` when it cannot be read. A list (LANGUAGE=pl_PL:pl)
 * has each of its elements so, once: a bare language left as it was would name the locale.
 */
export function localeShape(value: string): string {
  if (/^[a-z]{2,3}(?:_[A-Z]{2})?(?::[a-z]{2,3}(?:_[A-Z]{2})?)+$/.test(value))
    return [...new Set(value.split(':').map(localeCodeShape))].join(':');
  return localeCodeShape(value) ?? englishDate(value) ?? 'en-US';
}

function localeCodeShape(value: string): string | undefined {
  const m = /^([a-zA-Z]{2,3})(?:([_-])([a-zA-Z]{2}))?((?:\.[\w-]+)?(?:@\w+)?)$/.exec(value);
  return m ? `en${m[2] ? `${m[2]}US` : ''}${m[4] ?? ''}` : undefined;
}

/** Languages (and regional spellings) a localized date is tried in, first the exact format. */
// prettier-ignore
const DATE_LOCALES = [
  'fr', 'fr-CA', 'fr-CH', 'de', 'de-AT', 'de-CH', 'es', 'es-MX', 'es-US', 'it', 'pt', 'pt-PT', 'nl', 'nl-BE',
  'pl', 'sv', 'da', 'nb', 'nn', 'fi', 'is', 'cs', 'sk', 'hu', 'ro', 'tr', 'ru', 'uk', 'be', 'el', 'bg', 'hr',
  'sl', 'sr', 'bs', 'mk', 'sq', 'lt', 'lv', 'et', 'ca', 'eu', 'gl', 'cy', 'ga', 'id', 'ms', 'fil', 'vi',
  'ja', 'zh', 'zh-TW', 'zh-HK', 'ko', 'he', 'hi', 'bn', 'ta', 'te', 'mr', 'th', 'sw', 'af', 'en-GB', 'en-AU',
  'en-CA', 'en-IE', 'en-IN', 'en-NZ', 'en-ZA',
];
const LONG_DATE: Intl.DateTimeFormatOptions = {
  weekday: 'long',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  timeZone: 'UTC',
};

let formats: Intl.DateTimeFormat[] | undefined;
function dateFormats(): Intl.DateTimeFormat[] {
  formats ??= DATE_LOCALES.flatMap((locale) => {
    try {
      return [new Intl.DateTimeFormat(locale, LONG_DATE)];
    } catch {
      return [];
    }
  });
  return formats;
}

/**
 * The en-US spelling of a long date written in another language (`toLocaleDateString` with
 * weekday, day, month and year): its day and year are read from its digits, its month by
 * formatting each month of that day in each of DATE_LOCALES, the whole date first, then its
 * month name alone (the longest that occurs, so `juillet` is not `juil.`).
 */
function englishDate(value: string): string | undefined {
  const year = /(?<!\d)(\d{4})(?!\d)/.exec(value)?.[1];
  if (!year) return undefined;
  const days = [...value.matchAll(/(?<!\d)(\d{1,2})(?!\d)/g)].map((d) => Number(d[1]));
  const lower = value.toLocaleLowerCase();
  let best: { date: Date; length: number } | undefined;
  for (const day of new Set(days)) {
    if (day < 1 || day > 31) continue;
    for (const format of dateFormats()) {
      for (let month = 0; month < 12; month++) {
        const date = new Date(Date.UTC(Number(year), month, day));
        if (date.getUTCDate() !== day) continue;
        if (format.format(date) === value) return date.toLocaleDateString('en-US', LONG_DATE);
        const name = format
          .formatToParts(date)
          .find((p) => p.type === 'month')
          ?.value.toLocaleLowerCase();
        if (name && name.length >= 3 && lower.includes(name) && name.length > (best?.length ?? 0))
          best = { date, length: name.length };
      }
    }
  }
  return best?.date.toLocaleDateString('en-US', LONG_DATE);
}

/** Keeps the OS family only: the model still knows which shell commands apply. */
export function osVersionShape(value: string): string {
  if (/darwin|mac ?os|os x/i.test(value)) return 'macOS';
  if (/win/i.test(value)) return 'Windows';
  return 'Linux';
}

/** Architectures reveal little beyond the family; normalize the spelling only. */
export function archShape(value: string): string {
  if (/arm64|aarch64/i.test(value)) return 'arm64';
  if (/x86_64|amd64|x64/i.test(value)) return 'x64';
  return value;
}

/** Keeps the major version (what compatibility depends on): `v20.11.1` → `v20.0.0`. */
export function runtimeVersionShape(value: string): string {
  return value.replace(
    /(\d+)\.(\d+)(\.\d+)?(?:[-+][0-9A-Za-z.-]+)?/g,
    (_m, major: string, _minor, patch?: string) => (patch ? `${major}.0.0` : `${major}.0`),
  );
}

/** Digits re-drawn, format kept; the first digit stays (brand) and the Luhn check digit is valid. */
export function cardShape(value: string, bytes: ByteSource): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length < 12) return reshape(value, bytes);
  const drawn =
    (digits[0] ?? '4') + Array.from({ length: digits.length - 2 }, () => pick(bytes, DIGITS)).join('');
  const full = drawn + luhnDigit(drawn);
  let i = 0;
  return value.replace(/\d/g, () => full[i++] ?? '0');
}

function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** Country kept, account re-drawn, ISO 13616 check digits recomputed. */
export function ibanShape(value: string, bytes: ByteSource): string {
  const compact = value.replace(/\s/g, '').toUpperCase();
  const country = compact.slice(0, 2);
  if (!/^[A-Z]{2}\d\d/.test(compact)) return reshape(value, bytes);
  const account = reshape(compact.slice(4), bytes);
  const numeric = (account + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const ch of numeric) rest = (rest * 10 + Number(ch)) % 97;
  const iban = country + String(98 - rest).padStart(2, '0') + account;
  // Re-apply the original grouping (spaces every four characters, when it had them).
  return /\s/.test(value) ? (iban.match(/.{1,4}/g) ?? [iban]).join(' ') : iban;
}
