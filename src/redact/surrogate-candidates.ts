/**
 * Where in a text a surrogate of ours may stand, by its shape alone: an answer read back later
 * (src/redact/read-back.ts) has no request whose surrogates are known, so the strings that look
 * like the ones generate.ts makes are looked up in the vault instead. Only the small spaces
 * (paths, hosts, user and person names, e-mails, organisations, cloud projects, documentation
 * addresses and MACs): a random-shaped surrogate (a key, a UUID) looks like any other such
 * string, and a secret's must never be written into text the user reads anyway.
 *
 * A superset is fine (a string that is no surrogate is not in the vault); missing a shape that
 * generate.ts makes is not: test/redact/surrogate-candidates.test.ts generates each one.
 */

/**
 * Distinct candidates one answer read back is looked up for; past them the rest keep their
 * surrogates. An answer may hold any number of such strings (a model listing host-1 …
 * host-100000, a batch's results file of millions of lines): each is a vault read, and a shared
 * Redis vault must not be asked that often for one answer, nor its answers kept in memory.
 */
export const MAX_LOOKUPS_PER_ANSWER = 10_000;

/** `/`, `\` or, inside a text that holds JSON, `\\` (as generate.ts's HOME reads them). */
const SEP = String.raw`(?:\\\\|\\|/)`;
const N = String.raw`[1-9]\d*`;
const USERS = '[Uu][Ss][Ee][Rr][Ss]';

/**
 * A path surrogate: a home (`/home/user`, `/Users/user-3`, `C:\Users\user`) and the project
 * below it, or the roots generate.ts uses for a path with no home (`/workspace/project-2`,
 * `/home/user-4`, `/data/path-7.log`). Group 1 is the home when a project follows it.
 */
const PATH = new RegExp(
  String.raw`(?:(/(?:home|Users)/user(?:-${N})?|[A-Za-z]:${SEP}${USERS}${SEP}user(?:-${N})?)(?:${SEP}project-${N})?` +
    String.raw`|(?:/|[A-Za-z]:${SEP})(?:workspace${SEP}project-${N}|home${SEP}user-${N}|data${SEP}path-${N}(?:\.[A-Za-z0-9]{1,8})?))`,
  'g',
);

const OTHERS: readonly RegExp[] = [
  // A host, a URL that could not be parsed, an e-mail, a user name.
  new RegExp(String.raw`host-${N}(?:\.example\.internal)?`, 'g'),
  new RegExp(String.raw`https://host-${N}\.example\.internal/`, 'g'),
  new RegExp(String.raw`user-${N}(?:@example\.com)?`, 'g'),
  new RegExp(String.raw`Person ${N}`, 'g'),
  new RegExp(String.raw`(?:cloud-project|org)-${N}`, 'g'),
  // The documentation ranges (RFC 5737, 2544, 3849) and MACs (RFC 7042).
  /(?:192\.0\.2|198\.51\.100|203\.0\.113|198\.1[89]\.\d{1,3})\.\d{1,3}/g,
  /2001:db8::[0-9a-f]{1,4}(?::[0-9a-f]{1,4})?/g,
  /0[02]([:-])00\1(?:5[Ee])\1[0-9A-Fa-f]{2}\1[0-9A-Fa-f]{2}\1[0-9A-Fa-f]{2}/g,
];

/** Adds to `out` every string in `text` that may be a surrogate of ours. */
export function addSurrogateCandidates(text: string, out: Set<string>): void {
  for (const m of text.matchAll(PATH)) {
    out.add(m[0]);
    // The home alone stands for its own value (a project below it for another).
    if (m[1] !== undefined) out.add(m[1]);
  }
  for (const pattern of OTHERS) for (const m of text.matchAll(pattern)) out.add(m[0]);
}

/**
 * A JSON fragment's text (tool-call arguments) as its characters read: the escapes a surrogate
 * may hold undone (`C:\\Users\\user`, `\/home`), not a full JSON decode, which a fragment may not pass.
 */
export function unescapeFragment(text: string): string {
  return text.includes('\\') ? text.replace(/\\(["\\/])/g, '$1') : text;
}

/**
 * Longer than any shape above (`C:\Users\user-12\project-34`, `https://host-5.example.internal/`):
 * a candidate that starts further back than this from a text's end is whole already.
 */
const MAX_CANDIDATE = 128;

/** Characters of the shapes above, the space of `Person N` aside. */
function isShapeChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x3a) || // 0-9 :
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x61 && c <= 0x7a) || // a-z
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x2f || // /
    c === 0x5c || // \
    c === 0x40 // @
  );
}

const PERSON = 'Person ';

/**
 * Where a candidate may still be growing at the end of `text` (a stream's text so far): the run
 * of shape characters it ends with (its last MAX_CANDIDATE at most), with `Person ` before it
 * when the run is a number or nothing yet; `text.length` when it ends otherwise.
 */
export function trailingWord(text: string): number {
  const floor = Math.max(0, text.length - MAX_CANDIDATE);
  let i = text.length;
  while (i > floor && isShapeChar(text.charCodeAt(i - 1))) i--;
  if (i >= PERSON.length && text.startsWith(PERSON, i - PERSON.length) && /^\d*$/.test(text.slice(i)))
    i -= PERSON.length;
  return i;
}
