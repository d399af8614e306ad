/**
 * Small helpers the dialects share to find text in request bodies and answers without throwing
 * on odd shapes: anything that is not the expected type is skipped.
 */
import { AirlockError } from '../errors.js';
import { formatPath, getAt, renameMember } from './json-path.js';
import type { AnswerField, JsonPath, Role, Segment } from './types.js';

export type JsonObject = Record<string, unknown>;

/** JSON Schema keys whose values are structure, not prose: not worth scanning. */
export const SCHEMA_STRUCTURE_KEYS: ReadonlySet<string> = new Set([
  'type',
  '$schema',
  '$ref',
  'format',
  'required',
  'additionalProperties',
]);

/** A request path without its query string (callers should pass none, but may). */
export function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The array at `value`, or an empty one. */
export function arrayOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Adds a segment when `obj[key]` is a string. */
export function addText(out: Segment[], obj: JsonObject, key: string, path: JsonPath, role: Role): void {
  const text = obj[key];
  if (typeof text === 'string') out.push({ path: [...path, key], role, text });
}

/**
 * Adds a segment for a URL the client gives for a file or an image (an intranet host, a user
 * name in a path), not for a `data:` URL: those are the file's bytes, no text.
 */
export function addUrl(out: Segment[], obj: JsonObject, key: string, path: JsonPath, role: Role): void {
  const url = obj[key];
  if (typeof url === 'string' && !url.startsWith('data:'))
    out.push({ path: [...path, key], role, text: url });
}

/**
 * Adds a segment when `obj[key]` is a string, and one per string element when it is an array:
 * a text or a list of texts (OpenAI `input` and `prompt`). Token arrays hold numbers: skipped.
 */
export function addTexts(out: Segment[], obj: JsonObject, key: string, path: JsonPath, role: Role): void {
  const value = obj[key];
  if (typeof value === 'string') out.push({ path: [...path, key], role, text: value });
  else {
    arrayOf(value).forEach((item, i) => {
      if (typeof item === 'string') out.push({ path: [...path, key, i], role, text: item });
    });
  }
}

/**
 * Adds the segments `list` finds in a request nested in a larger body (one request of a batch),
 * as if it were a body of its own, with their paths under `path`.
 */
export function addNested(
  out: Segment[],
  value: unknown,
  path: JsonPath,
  list: (body: unknown) => Segment[],
): void {
  for (const seg of list(value)) {
    const nested: Segment = { path: path.concat(seg.path), role: seg.role, text: seg.text };
    if (seg.key) nested.key = true;
    if (seg.signed) nested.signed = true;
    if (seg.sealed) nested.sealed = true;
    out.push(nested);
  }
}

/** The member names of an object, queued while walking to follow the object's values. */
class MemberNames {
  constructor(readonly keys: readonly string[]) {}
}

/**
 * Whether a member name is a plain word, as schemas and tool inputs name their members
 * (`file_path`, `sessionId`). Anything else (a path, a host, an e-mail used as a key) may be
 * data: the scanner reads such names (the gateway reads every name), the audit log masks them.
 */
export function isPlainName(name: string): boolean {
  return PLAIN_NAME.test(name);
}

const PLAIN_NAME = /^[A-Za-z_$][\w$-]{0,39}$/;

/** A path as a linked list while walking: the array is built only for string leaves. */
interface PathNode {
  up: PathNode | undefined;
  key: string | number;
  depth: number;
}

/**
 * How deep a value addLeaves walks may nest. Every leaf carries its whole path, so a value
 * nested n deep costs n² (40,000 levels in 240 KB ran the gateway out of memory); no tool schema
 * or tool input a model provider accepts comes near this.
 */
export const MAX_NESTING = 512;

function childNode(up: PathNode | undefined, key: string | number, base: JsonPath): PathNode {
  const depth = (up?.depth ?? 0) + 1;
  if (depth > MAX_NESTING)
    throw new AirlockError('AIRLOCK_TOO_DEEP', `${MAX_NESTING} levels under ${formatPath(base)}`);
  return { up, key, depth };
}

function toPath(base: JsonPath, node: PathNode | undefined): JsonPath {
  const keys: (string | number)[] = [];
  for (let n = node; n; n = n.up) keys.push(n.key);
  return base.concat(keys.reverse());
}

/**
 * Adds every string leaf under `value` (objects and arrays, any depth), except values of keys in
 * `skipKeys`, and every member name (Segment.key) after the values of its object. Iterative, so
 * a deeply nested body cannot overflow the stack.
 */
export function addLeaves(
  out: Segment[],
  value: unknown,
  path: JsonPath,
  role: Role,
  skipKeys?: ReadonlySet<string>,
): void {
  if (typeof value === 'string') {
    out.push({ path, role, text: value });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  // Depth-first, children pushed in reverse so leaves come out in document order.
  const values: unknown[] = [value];
  const at: (PathNode | undefined)[] = [undefined];
  while (values.length > 0) {
    const node = values.pop();
    const here = at.pop();
    if (typeof node === 'string') out.push({ path: toPath(path, here), role, text: node });
    else if (node instanceof MemberNames) {
      const where = toPath(path, here);
      for (const name of node.keys) {
        // Structure words ("type", "required"...) are not data, whatever their values.
        if (!skipKeys?.has(name)) out.push({ path: where, role, text: name, key: true });
      }
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) {
        const child: unknown = node[i];
        if (child !== null && (typeof child === 'string' || typeof child === 'object')) {
          values.push(child);
          at.push(childNode(here, i, path));
        }
      }
    } else if (node !== null && typeof node === 'object') {
      const obj = node as JsonObject;
      const keys = Object.keys(obj);
      // Its member names, once its values are done: a name is renamed last, so the paths of the
      // values below it still lead through the name the body has.
      if (keys.length > 0) {
        values.push(new MemberNames(keys));
        at.push(here);
      }
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        const child = obj[key];
        if (child === null || (typeof child !== 'string' && typeof child !== 'object')) continue;
        // A schema property may itself be named "type": only skip structural scalar values.
        if (skipKeys?.has(key) && !isObject(child)) continue;
        values.push(child);
        at.push(childNode(here, key, path));
      }
    }
  }
}

/** The request body's top-level `model`, as most dialects name it. */
export function modelInBody(body: unknown): string | undefined {
  return isObject(body) ? str(body.model) : undefined;
}

/** Whether the body asks for a streamed answer (`"stream": true`). */
export function asksForStream(body: unknown): boolean {
  return isObject(body) && body.stream === true;
}

/** What kind of text an answer field holds (see AnswerField.tool and .whole). */
export interface FieldKind {
  tool?: boolean;
  whole?: boolean;
}
export const WHOLE: FieldKind = { whole: true };
export const TOOL: FieldKind = { tool: true };
export const WHOLE_TOOL: FieldKind = { tool: true, whole: true };

/** An answer field over `obj[key]` when it is a string; set() writes the new text in place. */
export function fieldAt(
  out: AnswerField[],
  obj: JsonObject,
  key: string,
  channel: string,
  json: boolean,
  kind: FieldKind = {},
): void {
  const text = obj[key];
  if (typeof text !== 'string') return;
  const field = new ObjectField(obj, key, channel, json, text);
  if (kind.tool) field.tool = true;
  if (kind.whole) field.whole = true;
  out.push(field);
}

/**
 * A field over `obj[key]`. A class rather than an object with a closure: a streamed answer
 * lists fields for every event, and a method on the prototype costs no allocation per field.
 */
class ObjectField implements AnswerField {
  tool?: boolean;
  whole?: boolean;
  constructor(
    private readonly obj: JsonObject,
    private readonly member: string,
    readonly channel: string,
    readonly json: boolean,
    public text: string,
  ) {}

  set(next: string): void {
    this.obj[this.member] = next;
    this.text = next;
  }
}

/**
 * A member name of an object as a field: set() renames the member, keeping its place among the
 * others (the order a model wrote them in).
 */
class MemberNameField implements AnswerField {
  readonly json = false;
  readonly tool = true;
  readonly whole = true;
  readonly key = true;
  constructor(
    private readonly obj: JsonObject,
    readonly channel: string,
    public text: string,
  ) {}

  set(next: string): void {
    renameMember(this.obj, this.text, next);
    this.text = next;
  }
}

/**
 * Answer fields for every string leaf and member name under `value`: tool-call input that
 * arrives as an object (Anthropic tool_use input, Gemini functionCall args), each whole, on a
 * channel of its own. Names come after the values of their object (see addLeaves).
 */
export function leafFields(out: AnswerField[], value: unknown, channel: string): void {
  const segs: Segment[] = [];
  addLeaves(segs, value, [], 'tool_use');
  let names = 0;
  for (const seg of segs) {
    if (seg.key) {
      const container = getAt(value, seg.path) as JsonObject;
      const at = seg.path.length === 0 ? channel : `${channel}:${seg.path.join('.')}`;
      out.push(new MemberNameField(container, `${at}#name${names++}`, seg.text));
      continue;
    }
    const key = seg.path[seg.path.length - 1];
    if (key === undefined) continue; // a bare string: no container to write into
    const container = getAt(value, seg.path.slice(0, -1)) as JsonObject;
    fieldAt(out, container, String(key), `${channel}:${seg.path.join('.')}`, false, WHOLE_TOOL);
  }
}
