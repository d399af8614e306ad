/**
 * Invisible characters: carriers of watermarks and of instructions a reader cannot see.
 * Tag characters (U+E0000–E007F) spell ASCII invisibly; zero-width and bidi controls hide or
 * reorder text (CVE-2021-42574 "Trojan Source"); runs of variation selectors encode bytes.
 * Legitimate single uses (a ZWJ inside an emoji sequence, a ZWNJ in Persian, an LRM in RTL
 * text, a BOM at the start) are not findings.
 */
import type { RuleDef } from '../rule-types.js';

const r = String.raw;

/** Whether the code unit before `at` belongs to non-ASCII text (emoji halves, scripts). */
const nonAsciiNeighbour = (text: string, at: number): boolean =>
  at >= 0 && at < text.length && text.charCodeAt(at) >= 0x80;

export const hiddenUnicodeRules: readonly RuleDef[] = [
  {
    id: 'hidden.tag-characters',
    category: 'hidden-unicode',
    severity: 'high',
    kind: 'hidden-unicode',
    description: 'Unicode tag characters (U+E0000–E007F), which spell text invisibly.',
    keywords: [r`\udb40[\udc00-\udc7f]`],
    lookback: 2,
    pattern: r`(?:\uD83C\uDFF4)?(?:\uDB40[\uDC00-\uDC7F])+`,
    // A flag emoji (black flag + tag letters + cancel tag) is the one legitimate use.
    validate: (v) => !(v.startsWith('\uD83C\uDFF4') && v.endsWith('\uDB40\uDC7F')),
    samples: {
      tp: ['ok\uDB40\uDC69\uDB40\uDC67\uDB40\uDC6E\uDB40\uDC6F\uDB40\uDC72\uDB40\uDC65 done'],
      fp: [
        'plain text',
        '\uD83C\uDFF4\uDB40\uDC67\uDB40\uDC62\uDB40\uDC73\uDB40\uDC63\uDB40\uDC74\uDB40\uDC7F',
      ],
    },
  },
  {
    id: 'hidden.zero-width',
    category: 'hidden-unicode',
    severity: 'medium',
    kind: 'hidden-unicode',
    description:
      'Zero-width and invisible formatting characters (ZWSP, ZWNJ, ZWJ, word joiner, invisible operators, BOM inside text, Mongolian vowel separator, fillers).',
    keywords: [
      r`[\u200b-\u200d\u2060-\u2064\ufeff\u180e\u115f\u1160\u3164\uffa0\u034f\u17b4\u17b5\ufff9-\ufffb]`,
    ],
    pattern: r`[\u200B-\u200D\u2060-\u2064\uFEFF\u180E\u115F\u1160\u3164\uFFA0\u034F\u17B4\u17B5\uFFF9-\uFFFB]+`,
    validate: (v, ctx) => {
      if (v === '\uFEFF' && ctx.start === 0) return false;
      if (v.length === 1 && (v === '\u200D' || v === '\u200C'))
        return !(nonAsciiNeighbour(ctx.text, ctx.start - 1) && nonAsciiNeighbour(ctx.text, ctx.end));
      return true;
    },
    samples: {
      tp: ['pass\u200Bword', 'a\u200B\u200C\u200Db', 'x\u2062y', 'mid\uFEFFtext'],
      fp: ['\uFEFFstart of file', '\uD83D\uDC68\u200D\uD83D\uDCBB', 'می\u200Cخواهم'],
    },
  },
  {
    id: 'hidden.bidi-control',
    category: 'hidden-unicode',
    severity: 'high',
    kind: 'hidden-unicode',
    description:
      'Bidirectional controls (embeddings, overrides, isolates) that reorder what a reader sees (CVE-2021-42574).',
    keywords: [r`[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]`],
    pattern: r`[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]+`,
    validate: (v, ctx) =>
      !(
        /^[\u200E\u200F\u061C]$/.test(v) &&
        (nonAsciiNeighbour(ctx.text, ctx.start - 1) || nonAsciiNeighbour(ctx.text, ctx.end))
      ),
    samples: {
      tp: ['if (isAdmin) {\u202E \u2066// check later\u2069 \u2066', 'a\u200Fb'],
      fp: ['שלום\u200F world'],
    },
  },
  {
    id: 'hidden.variation-selectors',
    category: 'hidden-unicode',
    severity: 'high',
    kind: 'hidden-unicode',
    description:
      'Runs of variation selectors (two or more of U+FE00–FE0F, or any of U+E0100–E01EF), which can encode arbitrary bytes after a visible character.',
    keywords: [r`[\ufe00-\ufe0f][\ufe00-\ufe0f]`, r`\udb40[\udd00-\uddef]`],
    pattern: r`[\uFE00-\uFE0F]{2,}(?:[\uFE00-\uFE0F]|\uDB40[\uDD00-\uDDEF])*|(?:\uDB40[\uDD00-\uDDEF])+(?:[\uFE00-\uFE0F]|\uDB40[\uDD00-\uDDEF])*`,
    samples: {
      tp: ['A\uDB40\uDD10\uDB40\uDD21\uDB40\uDD32', 'x\uFE00\uFE01\uFE02'],
      fp: ['\u2764\uFE0F love', '\u263A\uFE0E'],
    },
  },
];
