/**
 * Where in a policy file a problem is, for the problems found after validation (custom rules'
 * samples, keys without effect), and the order problems are listed in: the file's.
 */
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';

export type KeyPath = readonly (string | number)[];

/** `line:col` of a key (or of an item of a list) of `text`; of its deepest part that exists. */
export function keyLocator(text: string): (path: KeyPath) => string {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const at = (offset: number): string => {
    const { line, col } = lines.linePos(offset);
    return `${line}:${col}`;
  };
  return (path) => {
    for (let depth = path.length; depth > 0; depth--) {
      const keys = path.slice(0, depth);
      const parent = depth === 1 ? doc.contents : doc.getIn(keys.slice(0, -1), true);
      // A key's own position rather than its value's, so that the line names the key.
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(keys.at(-1)));
        if (pair && isNode(pair.key) && pair.key.range) return at(pair.key.range[0]);
      }
      const node = doc.getIn(keys, true);
      if (isNode(node) && node.range) return at(node.range[0]);
    }
    return '1:1';
  };
}

/** `FILE:line:col: ...` problems sorted by line and column (zod lists them in schema order). */
export function byPosition(file: string, problems: readonly string[]): string[] {
  const place = (problem: string): [number, number] => {
    const m = problem.startsWith(`${file}:`) ? /^(\d+):(\d+): /.exec(problem.slice(file.length + 1)) : null;
    // A problem without a place (the file as a whole) comes last.
    return m ? [Number(m[1]), Number(m[2])] : [Number.MAX_SAFE_INTEGER, 0];
  };
  return problems
    .map((problem) => ({ problem, at: place(problem) }))
    .sort((a, b) => a.at[0] - b.at[0] || a.at[1] - b.at[1])
    .map((p) => p.problem);
}
