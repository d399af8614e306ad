/**
 * Which member names a string value is scanned beside. Many rules find a value by the name it
 * is given (`"aws_secret_access_key": "…"`, `"db_password": "…"`, `"hostname": "…"`, `"cwd":
 * "…"`): the gateway, which scans a JSON text whole, sees the name; a reader that walks parsed
 * JSON leaf by leaf does not. Such a value is scanned as `"<name>": "<value>"`, the shape it has
 * in the JSON text, so those rules fire, and a finding's span still covers the value alone (its
 * path, line and role stay the value's). The value is the parsed one: `C:\\Users\\x` in a JSON
 * text is still found as `C:\Users\x`.
 *
 * Only names where a prefilter keyword of a rule occurs get this (`password`,
 * `SecretAccessKey`, `cwd`, `hostname`; never `command`, `content`, `text`, `file_path`), so the
 * common leaf costs one map look-up per member and no new string. Names that field rules read
 * (`user`, `session_id`, `prompt_cache_key`: the rule takes the whole value, found by its path)
 * are left alone. A policy's custom rules count too (keyContextFor): a rule keyed on
 * `acme_token` finds `{"acme_token": "…"}` in a transcript or a HAR as it does in a request's
 * JSON text.
 */
import {
  buildDfa,
  HitBuffer,
  parseKeyword,
  type DfaPattern,
  type LiteralDfa,
} from '../../detect/literal-dfa.js';
import { defaultRules } from '../../detect/rules/index.js';

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

/** Answers per name, kept up to this many names (then forgotten all at once). */
const MEMO_MAX = 4096;

/** Which member names get their value scanned beside them, for one set of rules. */
export class KeyContext {
  private keywords: LiteralDfa | undefined;
  private fieldNames: ReadonlySet<string> = new Set();
  private readonly hits = new HitBuffer();
  private readonly memo = new Map<string, boolean>();

  /** @param extraKeywords prefilter keywords of rules beside the built-in ones (a policy's). */
  constructor(private readonly extraKeywords: readonly string[] = []) {}

  /**
   * Whether a string value under the member name `key` (a plain name, see isPlainName) is to be
   * scanned beside its name: a rule keyword occurs in `"<key>": "`.
   */
  wants(key: string): boolean {
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    this.keywords ??= this.build();
    let wanted = false;
    if (!this.fieldNames.has(key)) {
      this.hits.reset();
      this.keywords.scan(`"${key}": "`, this.hits);
      wanted = this.hits.length > 0;
    }
    if (this.memo.size >= MEMO_MAX) this.memo.clear();
    this.memo.set(key, wanted);
    return wanted;
  }

  private build(): LiteralDfa {
    const fields = new Set<string>();
    const patterns: DfaPattern[] = [];
    const seen = new Set<string>();
    const add = (keyword: string): void => {
      const k = keyword.toLowerCase();
      if (seen.has(k)) return;
      seen.add(k);
      const sets = parseKeyword(keyword);
      // Keywords that no `"<name>": "` can hold (`/home/`, `://`, `.local`) are left out.
      if (sets.every((set) => set.some(inName))) patterns.push({ sets });
    };
    for (const rule of defaultRules) {
      for (const field of rule.appliesTo?.fields ?? []) fields.add(field);
      if (rule.appliesTo?.headers?.length || rule.appliesTo?.fields?.length) continue;
      rule.keywords.forEach(add);
    }
    this.extraKeywords.forEach(add);
    this.fieldNames = fields;
    // Names are short and few: a small table of states is plenty (the engine's holds 60,000).
    return buildDfa(patterns, { maxStates: 4096 });
  }
}

/** One KeyContext per set of extra keywords, so that each file of a scan shares its answers. */
const contexts = new Map<string, KeyContext>();
const CONTEXTS_MAX = 16;

/** The key context for the built-in rules and `extraKeywords` (a policy's custom rules). */
export function keyContextFor(extraKeywords: readonly string[] = []): KeyContext {
  const id = extraKeywords.join('\0');
  let context = contexts.get(id);
  if (context === undefined) {
    if (contexts.size >= CONTEXTS_MAX) contexts.clear();
    contexts.set(id, (context = new KeyContext(extraKeywords)));
  }
  return context;
}

/** The text a value under `key` is scanned as when its KeyContext wants(key). */
export function withKey(key: string, value: string): string {
  return `"${key}": "${value}"`;
}
