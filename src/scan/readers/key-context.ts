/**
 * Which member names a string value is scanned beside. Many rules find a value by the name it
 * is given (`"aws_secret_access_key": "…"`, `"db_password": "…"`, `"hostname": "…"`, `"cwd":
 * "…"`): the gateway, which scans a JSON text whole, sees the name; a reader that walks parsed
 * JSON leaf by leaf does not. Such a value is scanned as `"<name>": "<value>"`, the shape it has
 * in the JSON text, so those rules fire, and a finding's span still covers the value alone (its
 * path, line and role stay the value's). The value is the parsed one: `C:\\Users\\x` in a JSON
 * text is still found as `C:\Users\x`.
 *
 * Only names where a prefilter keyword of the built-in rules occurs get this (`password`,
 * `SecretAccessKey`, `cwd`, `hostname`; never `command`, `content`, `text`, `file_path`), so the
 * common leaf costs one map look-up per member and no new string. Names that field rules read
 * (`user`, `session_id`, `prompt_cache_key`: the rule takes the whole value, found by its path)
 * are left alone. Keywords of a policy's own rules are not known here: a custom rule that needs
 * a member name beside its value fires in JSON text (a request body's tool result), not on a
 * parsed member.
 */
import { buildDfa, HitBuffer, parseKeyword, type LiteralDfa } from '../../detect/literal-dfa.js';
import { defaultRules } from '../../detect/rules/index.js';

let keywords: LiteralDfa | undefined;
let fieldNames: ReadonlySet<string> | undefined;
const hits = new HitBuffer();

/** Answers per name, kept up to this many names (then forgotten all at once). */
const MEMO_MAX = 4096;
const memo = new Map<string, boolean>();

/** Characters of `"<name>": "` for a plain name (isPlainName): letters, digits, `_$-"`, colon, space. */
const NAME_CHARS: readonly (readonly [number, number])[] = [
  [0x20, 0x20],
  [0x22, 0x22],
  [0x24, 0x24],
  [0x2d, 0x2d],
  [0x30, 0x3a],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];

const inName = ([lo, hi]: readonly [number, number]): boolean =>
  NAME_CHARS.some(([a, b]) => lo <= b && a <= hi);

function build(): LiteralDfa {
  const fields = new Set<string>();
  const patterns = [];
  const seen = new Set<string>();
  for (const rule of defaultRules) {
    for (const field of rule.appliesTo?.fields ?? []) fields.add(field);
    if (rule.appliesTo?.headers?.length || rule.appliesTo?.fields?.length) continue;
    for (const keyword of rule.keywords) {
      const k = keyword.toLowerCase();
      if (seen.has(k)) continue;
      seen.add(k);
      const sets = parseKeyword(keyword);
      // Keywords that no `"<name>": "` can hold (`/home/`, `://`, `.local`) are left out.
      if (sets.every((set) => set.some(inName))) patterns.push({ sets });
    }
  }
  fieldNames = fields;
  // Names are short and few: a small table of states is plenty (the engine's holds 60,000).
  return buildDfa(patterns, { maxStates: 4096 });
}

/**
 * Whether a string value under the member name `key` (a plain name, see isPlainName) is to be
 * scanned beside its name: a rule keyword occurs in `"<key>": "`.
 */
export function wantsKeyContext(key: string): boolean {
  const known = memo.get(key);
  if (known !== undefined) return known;
  keywords ??= build();
  let wanted = false;
  if (!fieldNames!.has(key)) {
    hits.reset();
    keywords.scan(`"${key}": "`, hits);
    wanted = hits.length > 0;
  }
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(key, wanted);
  return wanted;
}

/** The text a value under `key` is scanned as when wantsKeyContext(key). */
export function withKey(key: string, value: string): string {
  return `"${key}": "${value}"`;
}
