/**
 * `JSON.parse(bytes.toString('utf8'))`, the same value, without decoding the whole body as
 * UTF-8. One non-ASCII character anywhere sends all of `toString('utf8')` through V8's slow
 * decoder and makes the text two-byte, which JSON.parse then reads more slowly too; a coding
 * assistant's request nearly always has a few (arrows, dashes, quotes in its prompts).
 *
 * Instead the bytes are read as Latin-1 (a copy, one byte per character) and parsed; only the
 * strings that hold non-ASCII bytes are decoded again, from their Latin-1 characters. That is
 * exact because:
 *  - every ASCII byte is the same character in both readings, and JSON's structure, numbers and
 *    escapes are ASCII, so both parses see the same structure (a non-ASCII byte outside a string
 *    fails both);
 *  - in the Latin-1 parse, a character from 0x80 to 0xFF comes from a raw byte, never from an
 *    escape, provided no `\u0080`..`\u00ff` escape occurs (checked first; with one, the plain
 *    path runs). So each run of such characters is one run of raw non-ASCII bytes, bounded by
 *    ASCII bytes on both sides, and UTF-8-decoding it alone gives what decoding the whole body
 *    gives there (an ASCII byte always ends a sequence, valid or not);
 *  - keys are compared by JSON.parse: a non-ASCII key (rare) falls back to the plain path, so
 *    repeated keys are resolved exactly as JSON.parse resolves them.
 * On any syntax error the plain path runs again, so errors carry JSON.parse's own message.
 */
import { isAscii } from 'node:buffer';
import { TextCache } from '../detect/text-cache.js';

/** Characters a Latin-1 reading gives to non-ASCII bytes. */
const HIGH = /[\x80-\xff]/;
const HIGH_RUNS = /[\x80-\xff]+/g;

function plain(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString('utf8'));
}

/** Whether the text holds an escape `\u0080`..`\u00ff` (or something that looks like one). */
function hasLatinEscape(bytes: Buffer): boolean {
  for (let at = bytes.indexOf('\\u00'); at >= 0; at = bytes.indexOf('\\u00', at + 4)) {
    const c = bytes[at + 4];
    // 8, 9, a-f, A-F
    if (c === 0x38 || c === 0x39 || (c !== undefined && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66))
      return true;
  }
  return false;
}

function decodeRun(run: string): string {
  return Buffer.from(run, 'latin1').toString('utf8');
}

/**
 * Long texts already decoded, by their Latin-1 reading: a conversation resends its system
 * prompt, tool descriptions and earlier turns byte for byte, and comparing one-byte strings is a
 * memory compare while decoding is not. A hit also hands back the very string of the last
 * request, which later caches keyed by text then match by identity.
 */
const decoded = new TextCache<string>(1024, 4_000_000);
const CACHED_MIN_LENGTH = 64;

/** `text` (a Latin-1 reading holding non-ASCII characters) with its runs decoded as UTF-8. */
function redecode(text: string): string {
  if (text.length < CACHED_MIN_LENGTH) return text.replace(HIGH_RUNS, decodeRun);
  let out = decoded.get(text);
  if (out === undefined) {
    out = text.replace(HIGH_RUNS, decodeRun);
    decoded.set(text, out);
  }
  return out;
}

/** Thrown by fix() for a key it cannot handle: the plain path runs instead. */
const NON_ASCII_KEY = Symbol('non-ASCII key');

/** Re-decodes every string under `root` in place; throws NON_ASCII_KEY on a non-ASCII key. */
function fix(root: unknown): unknown {
  if (typeof root === 'string') return HIGH.test(root) ? redecode(root) : root;
  if (root === null || typeof root !== 'object') return root;
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) {
      const arr = node as unknown[];
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        if (typeof v === 'string') {
          if (HIGH.test(v)) arr[i] = redecode(v);
        } else if (v !== null && typeof v === 'object') stack.push(v);
      }
    } else {
      const obj = node as Record<string, unknown>;
      for (const key in obj) {
        if (HIGH.test(key)) throw NON_ASCII_KEY;
        const v = obj[key];
        if (typeof v === 'string') {
          if (HIGH.test(v)) obj[key] = redecode(v);
        } else if (v !== null && typeof v === 'object') stack.push(v);
      }
    }
  }
  return root;
}

/** Exactly `JSON.parse(bytes.toString('utf8'))`: the same value, or the same error. */
export function parseJsonBytes(bytes: Buffer): unknown {
  const ascii = isAscii(bytes);
  if (!ascii && hasLatinEscape(bytes)) return plain(bytes);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('latin1'));
  } catch {
    return plain(bytes);
  }
  if (ascii) return value;
  try {
    return fix(value);
  } catch (err) {
    if (err === NON_ASCII_KEY) return plain(bytes);
    throw err;
  }
}
