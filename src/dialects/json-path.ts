/**
 * Reading and writing a parsed JSON body at a JsonPath. The generic rebuild: the segments a
 * dialect listed are edited, written back where they were found, and the body is serialized
 * again. No per-dialect rebuild code, so a dialect cannot list a path it cannot write.
 */
import type { JsonPath } from './types.js';

export class JsonPathError extends Error {
  readonly code = 'JSON_PATH_MISSING';
  constructor(path: JsonPath) {
    super(`No container at JSON path ${JSON.stringify(path)}`);
    this.name = 'JsonPathError';
  }
}

export interface TextEdit {
  path: JsonPath;
  text: string;
  /** Renames the member `from` of the object at `path` to `text` (a Segment.key). */
  from?: string;
}

/** The value at `path`, or undefined when any step is missing or not a container. */
export function getAt(body: unknown, path: JsonPath): unknown {
  let node = body;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** Sets the value at `path` in place. The parent must exist: paths come from segments of this body. */
export function setAt(body: unknown, path: JsonPath, value: unknown): void {
  if (path.length === 0) throw new JsonPathError(path);
  const parent = getAt(body, path.slice(0, -1));
  const key = path[path.length - 1] as string | number;
  if (parent === null || typeof parent !== 'object') throw new JsonPathError(path);
  if (Array.isArray(parent) !== (typeof key === 'number')) throw new JsonPathError(path);
  (parent as Record<string | number, unknown>)[key] = value;
}

/**
 * Writes each edit's text at its path and serializes the body. Mutates `body` (a request body
 * is parsed for this one use; copying a megabyte-sized body would only cost time).
 */
export function rebuild(body: unknown, edits: readonly TextEdit[]): string {
  for (const edit of edits) if (edit.from === undefined) setAt(body, edit.path, edit.text);
  // Names last, the deepest first: the paths above lead through the names as they were.
  const renames = edits.filter((e) => e.from !== undefined).sort((a, b) => b.path.length - a.path.length);
  for (const e of renames) {
    const obj = getAt(body, e.path);
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new JsonPathError(e.path);
    renameMember(obj as Record<string, unknown>, e.from as string, e.text);
  }
  return JSON.stringify(body);
}

/**
 * setAt for a body that may share parts with other requests: frozen containers (values the
 * parser remembered, see parse-json.ts) on the way to the leaf are copied first, each into its
 * parent, so the edit lands in this request's own copy and the shared value stays as it was.
 */
export function setAtOwn(body: unknown, path: JsonPath, value: unknown): void {
  ownPath(body, path.length - 1, path);
  setAt(body, path, value);
}

/** Copies the frozen containers among the first `steps` of `path` (see setAtOwn). */
function ownPath(body: unknown, steps: number, path: JsonPath): void {
  let node = body;
  for (let k = 0; k < steps; k++) {
    if (node === null || typeof node !== 'object') break; // setAt reports it
    const parent = node as Record<string | number, unknown>;
    const key = path[k] as string | number;
    let child = parent[key];
    if (child !== null && typeof child === 'object' && Object.isFrozen(child)) {
      child = Array.isArray(child) ? [...(child as unknown[])] : { ...(child as object) };
      parent[key] = child;
    }
    node = child;
  }
}

/** Renames `obj[from]` to `obj[to]` in place, at the same position among its members. */
export function renameMember(obj: Record<string, unknown>, from: string, to: string): void {
  if (from === to || !Object.hasOwn(obj, from)) return;
  const entries = Object.entries(obj);
  for (const [k] of entries) delete obj[k];
  for (const [k, v] of entries) obj[k === from ? to : k] = v;
}

/**
 * Renames the member `from` of the object at `path` to `to`, in this request's own copy of that
 * object (see setAtOwn). The body's root is never shared.
 */
export function renameAtOwn(body: unknown, path: JsonPath, from: string, to: string): void {
  ownPath(body, path.length, path);
  const obj = getAt(body, path);
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new JsonPathError(path);
  renameMember(obj as Record<string, unknown>, from, to);
}

/** `messages[3].content[0].text`, for messages (a key that is no identifier is quoted). */
export function formatPath(path: JsonPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else
      out += /^[A-Za-z_$][\w$]*$/.test(key) ? `${out === '' ? '' : '.'}${key}` : `[${JSON.stringify(key)}]`;
  }
  return out === '' ? '(body)' : out;
}
