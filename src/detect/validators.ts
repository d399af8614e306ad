/** Checks shared by rules: checksums, entropy, known examples and placeholders. */
import { isIPv6 } from 'node:net';

/** Luhn (ISO/IEC 7812) over the digits of a card number. */
export function luhn(value: string): boolean {
  const digits = value.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** IBAN check digits (ISO 13616, mod 97 = 1), spaces allowed. */
export function ibanValid(value: string): boolean {
  const iban = value.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const part = code >= 65 ? String(code - 55) : ch;
    for (const d of part) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  if (value.length === 0) return 0;
  // Counts in a reused table for ASCII (the common case) and a Map for other characters (a
  // character outside the BMP is one symbol); probabilities over the length in code units.
  let counts: Map<string, number> | undefined;
  const symbols = value.length;
  let asciiSeen = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 128) {
      const seen = ASCII_COUNTS[code]!;
      ASCII_COUNTS[code] = seen + 1;
      if (seen === 0) ASCII_SEEN[asciiSeen++] = code;
    } else {
      const ch = String.fromCodePoint(value.codePointAt(i)!);
      if (ch.length === 2) i++;
      counts ??= new Map();
      counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
  }
  let bits = 0;
  for (let k = 0; k < asciiSeen; k++) {
    const code = ASCII_SEEN[k]!;
    const p = ASCII_COUNTS[code]! / symbols;
    ASCII_COUNTS[code] = 0;
    bits -= p * Math.log2(p);
  }
  if (counts !== undefined)
    for (const n of counts.values()) {
      const p = n / symbols;
      bits -= p * Math.log2(p);
    }
  return bits;
}
const ASCII_COUNTS = new Int32Array(128);
const ASCII_SEEN = new Uint8Array(128);

export function charClasses(value: string): number {
  let n = 0;
  if (/[a-z]/.test(value)) n++;
  if (/[A-Z]/.test(value)) n++;
  if (/\d/.test(value)) n++;
  if (/[^A-Za-z0-9]/.test(value)) n++;
  return n;
}

/** Published example credentials (AWS docs, Stripe docs...): never findings. */
export const KNOWN_EXAMPLES: readonly string[] = [
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'AKIAI44QH8DHBEXAMPLE',
  'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
  'sk_test_BQokikJOvBiI2HlWgH4olfQ2',
];

const PLACEHOLDER =
  /^(?:x+|\*+|\.+|-+|_+|0+|1234\d*|changeme|change[-_]?me|password|passw0rd|secret|token|example|sample|dummy|test|testing|placeholder|redacted|null|undefined|none|true|false|todo|fixme|your[-_a-z]*|my[-_a-z]*|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%[^%]*%|\$[A-Za-z_]\w*|process\.env\..*)$/i;

/** Values that only stand in for a secret: `xxxx`, `<your-key>`, `${TOKEN}`, `changeme`... */
export function isPlaceholder(value: string): boolean {
  const v = value.replace(/^["'`]|["'`]$/g, '');
  if (PLACEHOLDER.test(v)) return true;
  if (/example|placeholder|your[_-]|xxxx|\*\*\*\*|redacted|dummy|fake|sample|changeme/i.test(v)) return true;
  return false;
}

/** A credential-like random value: long enough, mixed, not an identifier or a word. */
export function looksRandom(value: string, minLength = 16): boolean {
  if (value.length < minLength) return false;
  if (isPlaceholder(value)) return false;
  // Dotted or slashed identifiers (`this.options.token`, `a/b/c`) are code, not secrets.
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) return false;
  if (/^[A-Za-z]+(?:[-_][A-Za-z]+)*$/.test(value)) return false;
  const classes = charClasses(value);
  if (classes < 2) return false;
  const hasDigit = /\d/.test(value);
  const e = entropy(value);
  return hasDigit ? e >= 3.2 : e >= 3.8 && value.length >= 20;
}

function ipv4Octets(value: string): number[] | undefined {
  const parts = value.split('.');
  if (parts.length !== 4) return undefined;
  const octets = parts.map((p) =>
    /^\d{1,3}$/.test(p) && (p.length === 1 || p[0] !== '0') ? Number(p) : NaN,
  );
  return octets.every((o) => o >= 0 && o <= 255) ? octets : undefined;
}

/** Private, carrier-grade NAT and link-local ranges: almost always a real machine's address. */
export function ipv4IsPrivate(value: string): boolean {
  const o = ipv4Octets(value);
  if (!o) return false;
  const [a, b] = o as [number, number, number, number];
  return (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254)
  );
}

/** Addresses every home or cloud network shares: router defaults and the instance metadata service. */
const SHARED_IPV4 = new Set([
  '192.168.0.1',
  '192.168.1.1',
  '192.168.1.254',
  '192.168.0.254',
  '10.0.0.1',
  '10.0.0.138',
  '10.1.1.1',
  '172.16.0.1',
  '169.254.169.254',
  '169.254.170.2',
  '100.100.100.200',
]);

/**
 * Loopback, unspecified, broadcast, multicast, documentation (RFC 5737), network (.0) and
 * broadcast (.255) addresses and addresses shared by most networks are not fingerprints.
 */
export function ipv4IsReportable(value: string): boolean {
  const o = ipv4Octets(value);
  if (!o) return false;
  const [a, b, c, d] = o as [number, number, number, number];
  if (a === 127 || a === 0 || a >= 224 || d === 0 || d === 255 || SHARED_IPV4.has(value)) return false;
  if (a === 192 && b === 0 && c === 2) return false;
  if (a === 198 && b === 51 && c === 100) return false;
  if (a === 203 && b === 0 && c === 113) return false;
  // Benchmarking range (RFC 2544): no real host, and where Airlock draws wide-space surrogates.
  if (a === 198 && (b === 18 || b === 19)) return false;
  return true;
}

/** Link-local (MAC-derived) and unique-local addresses identify a machine or site by themselves. */
export function ipv6IsLocal(value: string): boolean {
  return /^(?:fe[89ab][0-9a-f]|f[cd][0-9a-f]{2}):/i.test(value);
}

export function ipv6IsReportable(value: string): boolean {
  if (!isIPv6(value)) return false;
  const v = value.toLowerCase();
  if (v === '::' || v === '::1') return false;
  if (v.startsWith('2001:db8:') || v.startsWith('2001:0db8:')) return false;
  if (v.startsWith('ff')) return false; // multicast
  const groups = v.split(':').filter((g) => g.length > 0);
  // `a::b`-shaped tokens are more often code (C++/Rust paths) than addresses, but not a
  // link-local or a unique local one (`fd00::2`, as Docker and `ip addr` print it): no code
  // path starts with four hex digits of fc00::/7.
  return groups.length >= 3 || v.startsWith('fe80:') || /^f[cd][0-9a-f]{2}::/.test(v);
}

export function macIsReportable(value: string): boolean {
  const v = value.toLowerCase().replace(/-/g, ':');
  if (v === '00:00:00:00:00:00' || v === 'ff:ff:ff:ff:ff:ff') return false;
  if (v.startsWith('00:00:5e:00:53:')) return false; // RFC 7042 documentation range
  // IANA's OUI with the locally administered bit: no vendor's hardware carries it, and Airlock
  // draws its wide-space MAC surrogates there (src/redact/shapes.ts, macShape).
  if (v.startsWith('02:00:5e:')) return false;
  return true;
}

/** Characters just before `start`, lower-cased, for context checks. */
export function before(text: string, start: number, width: number): string {
  return text.slice(Math.max(0, start - width), start).toLowerCase();
}

/**
 * The text a standard, padded base64 value decodes to, when it is printable UTF-8 (tabs and line
 * breaks allowed, no other control character); undefined otherwise.
 */
export function base64Text(value: string): string | undefined {
  if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  // eslint-disable-next-line no-control-regex
  if (text.length === 0 || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.test(text))
    return undefined;
  return text;
}

/** Base64 of `user:password` (HTTP Basic, npm `_auth`, Docker `auths`), the password no placeholder. */
export function isBase64Credentials(value: string): boolean {
  const text = base64Text(value);
  const m = text === undefined ? null : /^([^:\s]{1,256}):([^\r\n]{1,256})$/.exec(text);
  return m !== null && !isPlaceholder(m[2] ?? '') && !/^(?:\*+|x+|\$\{[^}]*\}|\$\w+)$/i.test(m[2] ?? '');
}

/**
 * A base64 run that decodes to a PEM private key (`-----BEGIN ... PRIVATE KEY-----` and a body of
 * at least 64 base64 characters, no `...` or `<placeholder>`): kubeconfig `client-key-data`,
 * Kubernetes secrets, keys pasted as one base64 line.
 */
export function isBase64PemPrivateKey(value: string): boolean {
  const run = /^[A-Za-z0-9+/]+/.exec(value)?.[0] ?? '';
  const text = Buffer.from(run.slice(0, run.length - (run.length % 4)), 'base64').toString('latin1');
  const header = /^-----BEGIN [A-Z0-9 _-]{0,40}PRIVATE KEY(?: BLOCK)?-----/.exec(text);
  if (!header) return false;
  const body = text.slice(header[0].length, header[0].length + 600);
  return (body.match(/[A-Za-z0-9+/]/g) ?? []).length >= 64 && !/\.\.\.|<[^>]*>/.test(body);
}

/**
 * User names too common to be a fingerprint (system and service accounts, images' defaults): as
 * words they are everywhere, so neither this machine's canary nor a dumped `USER=` looks for them.
 */
export const COMMON_USER_NAMES: ReadonlySet<string> = new Set([
  'root',
  'admin',
  'administrator',
  'user',
  'ubuntu',
  'debian',
  'node',
  'runner',
  'ec2-user',
  'vagrant',
  'pi',
  'guest',
  'test',
  'dev',
  'developer',
  'app',
  'www-data',
  'nobody',
  'git',
  'postgres',
  'docker',
  'codespace',
  'vscode',
  'default',
  'owner',
  'home',
]);
