/**
 * Every form in which a canary value can leave the machine: raw, case-folded, JSON-escaped,
 * URL-encoded, base64 (standard and URL-safe, at each of the three byte alignments, so the
 * value is found inside a longer base64 string at any offset) and hex. Computed once at start.
 */
import type { Category, Severity, ValueKind } from './types.js';
import { userNameJoins } from '../word-char.js';

export type CanaryLabel =
  | 'hostname'
  | 'username'
  | 'home'
  | 'machine-id'
  | 'mac'
  | 'ip'
  | 'git-name'
  | 'git-email'
  | 'proxy'
  | 'timezone'
  | 'secret-env';

/** A value learned from this machine. */
export interface Canary {
  label: CanaryLabel;
  kind: ValueKind;
  category: Category;
  severity: Severity;
  /** Where it was learned (os.hostname(), $HTTPS_PROXY, git config user.email...). */
  source: string;
  value: string;
  /** Host names, user names and emails are matched regardless of case. */
  caseInsensitive: boolean;
}

export type CanaryEncoding = 'raw' | 'json' | 'url' | 'base64' | 'base64url' | 'hex';

export interface CanaryPattern {
  canary: number;
  encoding: CanaryEncoding;
  text: string;
  caseInsensitive: boolean;
  /**
   * Raw forms must stand alone: a form that starts (ends) with a letter or digit must not be
   * preceded (followed) by one, so `devbox` is not found inside `devbox2` or `mydevbox`.
   */
  boundaryLeft: boolean;
  boundaryRight: boolean;
  /** `_` beside it is a boundary too: this user's name in `alice_build.log` (see userNameJoins). */
  joins: boolean;
}

/** Shorter encoded fragments match by chance inside unrelated base64/hex. */
const MIN_ENCODED = 8;

/** The part of base64(prefix + value) that depends only on `value`, for a prefix of `align` bytes. */
export function base64Fragment(value: Buffer, align: 0 | 1 | 2): string {
  const encoded = Buffer.concat([Buffer.alloc(align), value])
    .toString('base64')
    .replace(/=+$/, '');
  const first = Math.ceil((8 * align) / 6);
  const last = Math.floor((8 * (align + value.length)) / 6);
  return encoded.slice(first, last);
}

function jsonEscaped(value: string): string[] {
  const plain = JSON.stringify(value).slice(1, -1);
  const slashes = plain.replace(/\//g, '\\/');
  return [plain, slashes, JSON.stringify(plain).slice(1, -1)];
}

export function encodeCanary(canary: Canary, index: number): CanaryPattern[] {
  const out: CanaryPattern[] = [];
  const seen = new Set<string>();
  const joins = canary.label === 'username' && userNameJoins(canary.value);
  const add = (encoding: CanaryEncoding, text: string, caseInsensitive: boolean, boundary: boolean): void => {
    const key = caseInsensitive ? text.toLowerCase() : text;
    if (text.length === 0 || seen.has(key) || seen.has(text.toLowerCase())) return;
    seen.add(key);
    out.push({
      canary: index,
      encoding,
      text,
      caseInsensitive,
      boundaryLeft: boundary && /^[A-Za-z0-9]/.test(text),
      boundaryRight: boundary && /[A-Za-z0-9]$/.test(text),
      joins: boundary && joins,
    });
  };
  const v = canary.value;
  const ci = canary.caseInsensitive;
  add('raw', v, ci, true);
  for (const j of jsonEscaped(v)) add('json', j, ci, true);
  add('url', encodeURIComponent(v), ci, true);
  add('url', encodeURI(v), ci, true);
  const forms = ci ? [...new Set([v, v.toLowerCase()])] : [v];
  for (const form of forms) {
    const bytes = Buffer.from(form, 'utf8');
    for (const align of [0, 1, 2] as const) {
      const frag = base64Fragment(bytes, align);
      if (frag.length < MIN_ENCODED) continue;
      add('base64', frag, false, false);
      add('base64url', frag.replace(/\+/g, '-').replace(/\//g, '_'), false, false);
    }
    const hex = bytes.toString('hex');
    if (hex.length >= MIN_ENCODED) add('hex', hex, true, false);
  }
  return out;
}
