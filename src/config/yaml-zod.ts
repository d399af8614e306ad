/**
 * Parse a YAML file and validate it against a zod schema, reporting every problem with the
 * file, line and column of the offending key (fastify-style: collect all problems, throw once).
 */
import { isMap, isNode, LineCounter, parseDocument, visit, type Alias, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './config-error.js';

export { ConfigError };

/**
 * `line:col` of the deepest node of `path` that exists: an unknown key's parent map, a wrong
 * value itself. Down to the document itself (`minDepth` 0), else '1:1' past `minDepth`.
 */
function position(doc: Document, lines: LineCounter, path: readonly PropertyKey[], minDepth = 0): string {
  for (let depth = path.length; depth >= minDepth; depth--) {
    const keys = path.slice(0, depth) as (string | number)[];
    const parent = keys.length === 0 ? doc.contents : doc.getIn(keys.slice(0, -1), true);
    let node: unknown = keys.length === 0 ? doc.contents : doc.getIn(keys, true);
    if (isMap(parent) && keys.length > 0) {
      // Prefer the key's own position over its value's, so the line names the key.
      const pair = parent.items.find(
        (p) => isNode(p.key) && String((p.key as { value?: unknown }).value) === String(keys.at(-1)),
      );
      if (pair && isNode(pair.key)) node = pair.key;
    }
    if (isNode(node) && node.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return `${line}:${col}`;
    }
  }
  return '1:1';
}

export type KeyPath = readonly (string | number)[];

/**
 * `line:col` of a key (or of an item of a list) of `text`, of its deepest part that exists:
 * for problems found after validation (custom rules' samples, keys without effect).
 */
export function keyLocator(text: string): (path: KeyPath) => string {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  return (path) => position(doc, lines, path, 1);
}

function keyPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

/**
 * The alias whose resolving threw when `doc` was made into values (yaml's error does not say
 * where): on this error path only, the conversion runs again with each alias noting that it
 * failed. Undefined when no alias did.
 */
function failedAlias(doc: Document): Alias | undefined {
  let failed: Alias | undefined;
  visit(doc, {
    Alias(_, node) {
      const toJSON = node.toJSON.bind(node);
      node.toJSON = (arg, ctx) => {
        try {
          return toJSON(arg, ctx);
        } catch (err) {
          failed ??= node; // the innermost alias: its error passes through the ones around it
          throw err;
        }
      };
    },
  });
  try {
    doc.toJS();
  } catch {
    // The same error again.
  }
  return failed;
}

/**
 * The values of `doc`. An alias yaml refuses to resolve (an "alias bomb" that would expand to
 * gigabytes, an alias of no anchor) is a problem of the file at that alias, not an error of
 * the program.
 */
function toValues(doc: Document, lines: LineCounter, file: string): unknown {
  try {
    return doc.toJS();
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    const alias = failedAlias(doc);
    const where = alias?.range ? lines.linePos(alias.range[0]) : undefined;
    const what = /^Excessive alias count/.test(err.message)
      ? 'aliases expand to too much data here (refused as a possible "alias bomb")'
      : err.message.split('\n')[0];
    throw new ConfigError(file, [where ? `${file}:${where.line}:${where.col}: ${what}` : `${file}: ${what}`]);
  }
}

/** A YAML syntax error in yaml's words, but for one worded for programmers. */
function yamlProblem(code: string, message: string): string {
  // yaml says "please use YAML.parseAllDocuments()", which is advice for its callers.
  if (code === 'MULTIPLE_DOCS') return 'the file must hold one YAML document; found a second one here';
  return message.split('\n')[0] ?? message;
}

export function parseYaml<S extends z.ZodType>(text: string, file: string, schema: S): z.infer<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return `${file}:${line}:${col}: ${yamlProblem(e.code, e.message)}`;
      }),
    );
  }
  const raw: unknown = toValues(doc, lines, file) ?? {};
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    const where = position(doc, lines, keys);
    const what =
      issue.code === 'unrecognized_keys'
        ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : isMissing(raw, issue.path)
          ? // zod words a missing key as a wrong value ("Invalid option: expected one of ...").
            `required, and missing (${issue.message.replace(/^Invalid (?:option|input): /, '')})`
          : issue.message;
    return `${file}:${where}: ${keyPath(keys)}: ${what}`;
  });
  throw new ConfigError(file, problems);
}

/** Whether the key at `path` is absent from its object (which itself is there). */
function isMissing(raw: unknown, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return false;
  let node = raw;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node !== null && typeof node === 'object' && !Array.isArray(node) && !(path.at(-1)! in node);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
