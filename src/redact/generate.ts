/**
 * One candidate surrogate per (kind, value, attempt). Attempt 0 is the natural choice
 * (`/home/user`, `UTC`); later attempts are the "next" ones after a collision. Paths and URLs
 * are composite: their sensitive prefix (a home directory, a host) is resolved as a value of its
 * own, so a deeper path the model writes later restores through the same prefix entry.
 */
import type { ValueKind } from '../detect/types.js';
import {
  archShape,
  cardShape,
  ibanShape,
  ipv4Shape,
  ipv6Shape,
  localeShape,
  macShape,
  osVersionShape,
  reshape,
  runtimeVersionShape,
  secretShape,
  timezoneShape,
  uuidShape,
  type ByteSource,
  WIDE,
} from './shapes.js';

/** Resolves a part of a composite value (with the vault and collision rules of the caller). */
export type Resolver = (kind: ValueKind, value: string) => Promise<string>;

export interface Candidate {
  text: string;
  /** Built from parts that have their own entries; not stored itself. */
  derived?: boolean;
}

/** Kinds whose surrogates are put back in answers. Version strings, zones and locales are not:
 * the model writing `UTC` in code must stay `UTC`. */
const NOT_RESTORED: ReadonlySet<ValueKind> = new Set<ValueKind>([
  'timezone',
  'locale',
  'os-version',
  'arch',
  'runtime-version',
  'hidden-unicode',
  'text',
]);

export function isRestorable(kind: ValueKind): boolean {
  return !NOT_RESTORED.has(kind);
}

/**
 * Kinds whose surrogates come from small spaces (`host-N`, `/home/user`, `192.0.2.x`) and so may
 * already occur in a request by chance. Random-shaped ones (keys, UUIDs) occur only when a
 * request carries back one of our own, which must then stay as it is.
 */
const SMALL_SPACE: ReadonlySet<ValueKind> = new Set<ValueKind>([
  'home-path',
  'project-path',
  'path',
  'url',
  'hostname',
  'username',
  'person-name',
  'email',
  'ipv4',
  'ipv6',
  'mac',
  'org',
  'cloud-project',
]);

export function isSmallSpace(kind: ValueKind): boolean {
  return SMALL_SPACE.has(kind);
}

const SECRET_KINDS: ReadonlySet<ValueKind> = new Set<ValueKind>([
  'aws-access-key',
  'aws-secret-key',
  'github-token',
  'gitlab-token',
  'anthropic-key',
  'openai-key',
  'google-api-key',
  'slack-token',
  'stripe-key',
  'npm-token',
  'jwt',
  'private-key',
  'password',
  'token',
]);

export function isSecretKind(kind: ValueKind): boolean {
  return SECRET_KINDS.has(kind);
}

/**
 * `/home/alice`, `/Users/alice`, `C:\Users\alice`, `C:/Users/alice`, and `C:\\Users\\alice` as it
 * appears in JSON text inside a tool result: the home part of a path.
 */
const HOME =
  /^(?:\/home\/[^/\s]+|\/Users\/[^/\s]+|[A-Za-z]:(?:\\\\|\\|\/)[Uu][Ss][Ee][Rr][Ss](?:\\\\|\\|\/)[^\\/\s]+)/;
/** Windows paths ignore case: `c:\users\alice` is a home too, and its surrogate keeps `users`. */
const WINDOWS_HOME = /^([A-Za-z]:)(\\\\|\\|\/)(Users)\2/i;

export function homePrefix(path: string): string | undefined {
  return HOME.exec(path)?.[0];
}

/** A whole value that is one home directory (a Windows user name may hold a space). */
function isWholeHome(value: string): boolean {
  if (homePrefix(value) === value) return true;
  const win = WINDOWS_HOME.exec(value);
  return win !== null && !/[\\/]/.test(value.slice(win[0].length));
}

/**
 * From this attempt on a value draws from the wide space (see WIDE): the small ones
 * (`host-1`..`host-9999`, 762 documentation addresses, 256 documentation MACs) can be used up by
 * one large log (a `kubectl get pods -o wide`, an access log) or by a team's shared vault over
 * months, and a value with no free surrogate cannot be sent at all.
 */
const WIDE_FROM = 32;

/** 1..9999, or 10000 and up in the wide space. */
function small(n: number): number {
  return n < WIDE ? 1 + (n % 9999) : 10_000 + ((n - WIDE) % 999_990_000);
}

function homeShape(home: string, n: number, attempt: number): string {
  const user = attempt === 0 ? 'user' : `user-${small(n)}`;
  const win = WINDOWS_HOME.exec(home);
  if (win) return `${win[1]}${win[2]}${win[3]}${win[2]}${user}`;
  return home.startsWith('/Users/') ? `/Users/${user}` : `/home/${user}`;
}

/** Claude Code's folder names: every non-alphanumeric character of a path becomes `-`. */
export function flattenPath(path: string): string {
  return path.replace(/[^A-Za-z0-9]/g, '-');
}

/** `-home-alice` → `/home/alice`, `C--Users-alice` → `C:\\Users\\alice` (a flattened home only). */
function unflattenHome(value: string): string | undefined {
  const posix = /^-(home|Users)-(.+)$/.exec(value);
  if (posix) return `/${posix[1]}/${posix[2]}`;
  const win = /^([A-Za-z])--Users-(.+)$/.exec(value);
  return win ? `${win[1]}:\\Users\\${win[2]}` : undefined;
}

/** `%2Fhome%2Falice` → `/home/alice`, and the hex case of its slashes (a percent-encoded home only). */
function percentDecodedHome(value: string): { home: string; slash: string } | undefined {
  const m = /^(%2[Ff])(home|Users)%2[Ff]([^/%]|%(?!2[Ff])[0-9A-Fa-f]{2})+$/.exec(value);
  if (!m) return undefined;
  try {
    return { home: decodeURIComponent(value), slash: m[1]! };
  } catch {
    return undefined;
  }
}

/** How a Windows home is percent-encoded: its colon left as it is or not, the escapes' hex case. */
export interface WindowsPercentForm {
  rawColon: boolean;
  lower: boolean;
}

/**
 * `C%3A%5CUsers%5Calice` → `C:\Users\alice` and how it was encoded (`C:%5CUsers%5Calice`,
 * `c%3a%5cusers%5calice`, `C%3A%2FUsers%2Falice`): a percent-encoded Windows home only.
 */
function percentDecodedWindowsHome(value: string): ({ home: string } & WindowsPercentForm) | undefined {
  const m =
    /^[A-Za-z](:|%3[Aa])(%5[Cc]|%2[Ff])[Uu][Ss][Ee][Rr][Ss]\2(?:[^%\\/]|%(?!5[Cc]|2[Ff])[0-9A-Fa-f]{2})+$/.exec(
      value,
    );
  if (!m) return undefined;
  try {
    return { home: decodeURIComponent(value), rawColon: m[1] === ':', lower: /[a-f]/.test(m[2]!) };
  } catch {
    return undefined;
  }
}

/** `C:\Users\user` → `C%3A%5CUsers%5Cuser`, its colon and hex case as `form` says. */
export function percentEncodeWindowsPath(path: string, form: WindowsPercentForm): string {
  let text = encodeURIComponent(path);
  if (form.lower) text = text.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
  return form.rawColon ? text.replace(/^([A-Za-z])%3[Aa]/, '$1:') : text;
}

/**
 * `\/home\/alice\/app` → `/home/alice/app`: a path written in JSON with escaped slashes (PHP's
 * json_encode, a JSON file read as text), every slash escaped.
 */
function jsonEscapedPath(value: string): string | undefined {
  return value.startsWith('\\/') && !/(?<!\\)\//.test(value) ? value.replaceAll('\\/', '/') : undefined;
}

/** `/home/user` → `\/home\/user`. */
export function jsonEscapePath(path: string): string {
  return path.replaceAll('/', '\\/');
}

/** `/home/user` → `%2Fhome%2Fuser`, its slashes in the hex case given. */
export function percentEncodePath(path: string, slash = '%2F'): string {
  return encodeURIComponent(path).replace(/%2F/g, slash);
}

async function pathCandidate(
  kind: ValueKind,
  value: string,
  n: number,
  attempt: number,
  resolve?: Resolver,
): Promise<Candidate> {
  const escaped = kind === 'home-path' || kind === 'project-path' ? jsonEscapedPath(value) : undefined;
  if (escaped !== undefined) {
    // Same surrogate as the plain path, its slashes escaped the same way: `\/home\/user`.
    if (resolve) return { text: jsonEscapePath(await resolve(kind, escaped)), derived: true };
    const plain = await pathCandidate(kind, escaped, n, attempt);
    return { ...plain, text: jsonEscapePath(plain.text) };
  }
  const encoded = percentDecodedHome(value);
  if (encoded !== undefined) {
    // Same surrogate as the home itself, encoded the same way: `%2Fhome%2Fuser`.
    if (resolve)
      return {
        text: percentEncodePath(await resolve('home-path', encoded.home), encoded.slash),
        derived: true,
      };
    return { text: percentEncodePath(homeShape(encoded.home, n, attempt), encoded.slash) };
  }
  const winEncoded = percentDecodedWindowsHome(value);
  if (winEncoded !== undefined) {
    // Same surrogate as the home itself, encoded the same way: `C%3A%5CUsers%5Cuser`.
    if (resolve)
      return {
        text: percentEncodeWindowsPath(await resolve('home-path', winEncoded.home), winEncoded),
        derived: true,
      };
    return { text: percentEncodeWindowsPath(homeShape(winEncoded.home, n, attempt), winEncoded) };
  }
  const flattened = unflattenHome(value);
  if (flattened !== undefined && resolve) {
    // Same surrogate as the home itself, flattened the same way: `-home-user`.
    return { text: flattenPath(await resolve('home-path', flattened)), derived: true };
  }
  const home = homePrefix(value);
  if (kind === 'home-path' && isWholeHome(value)) return { text: homeShape(value, n, attempt) };
  const sep = WINDOWS_HOME.exec(value)?.[2] ?? (/^[A-Za-z]:\\/.test(value) ? '\\' : '/');
  if (home !== undefined && resolve) {
    const homeSurrogate = await resolve('home-path', home);
    if (kind === 'project-path') return { text: `${homeSurrogate}${sep}project-${small(n)}` };
    return { text: homeSurrogate + value.slice(home.length), derived: true };
  }
  const root = /^[A-Za-z]:/.test(value) ? `${value.slice(0, 2)}${sep}` : '/';
  if (kind === 'project-path') return { text: `${root}workspace${sep}project-${small(n)}` };
  if (kind === 'home-path') return { text: `${root}home${sep}user-${small(n)}` };
  const ext = /\.[A-Za-z0-9]{1,8}$/.exec(value)?.[0] ?? '';
  return { text: `${root}data${sep}path-${small(n)}${ext}` };
}

async function urlCandidate(value: string, n: number, resolve?: Resolver): Promise<Candidate> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { text: `https://host-${small(n)}.example.internal/` };
  }
  const host = url.hostname;
  if (!resolve || host === '') return { text: `https://host-${small(n)}.example.internal/` };
  const kind: ValueKind = /^\d+\.\d+\.\d+\.\d+$/.test(host)
    ? 'ipv4'
    : host.startsWith('[')
      ? 'ipv6'
      : 'hostname';
  const bare = kind === 'ipv6' ? host.slice(1, -1) : host;
  const replacement = await resolve(kind, bare);
  const at = value.indexOf(bare);
  if (at < 0) return { text: `https://host-${small(n)}.example.internal/` };
  return { text: value.slice(0, at) + replacement + value.slice(at + bare.length), derived: true };
}

export async function generate(
  kind: ValueKind,
  value: string,
  bytes: ByteSource,
  n: number,
  attempt: number,
  resolve?: Resolver,
): Promise<Candidate> {
  if (attempt >= WIDE_FROM) n += WIDE;
  switch (kind) {
    case 'home-path':
    case 'project-path':
    case 'path':
      return pathCandidate(kind, value, n, attempt, resolve);
    case 'url':
      return urlCandidate(value, n, resolve);
    case 'hostname':
      return { text: value.includes('.') ? `host-${small(n)}.example.internal` : `host-${small(n)}` };
    case 'username':
      return { text: `user-${small(n)}` };
    case 'person-name':
      return { text: `Person ${small(n)}` };
    case 'org':
      return { text: `org-${small(n)}` };
    case 'cloud-project':
      // A valid project id (6–30 of a-z, 0-9, -), apart from the project folders' `project-N`.
      return { text: `cloud-project-${small(n)}` };
    case 'email':
      return { text: `user-${small(n)}@example.com` };
    case 'ipv4':
      return { text: ipv4Shape(n) };
    case 'ipv6':
      return { text: ipv6Shape(n) };
    case 'mac':
      return { text: macShape(value, n) };
    case 'timezone':
      return { text: timezoneShape(value) };
    case 'locale':
      return { text: localeShape(value) };
    case 'os-version':
      return { text: osVersionShape(value) };
    case 'arch':
      return { text: archShape(value) };
    case 'runtime-version':
      return { text: runtimeVersionShape(value) };
    case 'uuid':
    case 'machine-id':
    case 'opaque-id':
      return { text: uuidShape(value, bytes) };
    case 'phone':
    case 'aws-account-id':
      return { text: reshape(value, bytes) };
    case 'card-number':
      return { text: cardShape(value, bytes) };
    case 'iban':
      return { text: ibanShape(value, bytes) };
    case 'hidden-unicode':
    case 'text':
      return { text: '' };
    default:
      return { text: secretShape(value, bytes) };
  }
}
