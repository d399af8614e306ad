/**
 * Small helpers the dialects share to find text in request bodies and answers without throwing
 * on odd shapes: anything that is not the expected type is skipped.
 */
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
 * Adds every string leaf under `value` (objects and arrays, any depth), except values of keys in
 * `skipKeys`. Iterative, so a deeply nested body cannot overflow the stack.
 */
export function addLeaves(
  out: Segment[],
  value: unknown,
  path: JsonPath,
  role: Role,
  skipKeys?: ReadonlySet<string>,
): void {
  const stack: [unknown, JsonPath][] = [[value, path]];
  const found: Segment[] = [];
  while (stack.length > 0) {
    const [node, at] = stack.pop() as [unknown, JsonPath];
    if (typeof node === 'string') found.push({ path: at, role, text: node });
    else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], [...at, i]]);
    } else if (isObject(node)) {
      const keys = Object.keys(node);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        // A schema property may itself be named "type": only skip structural scalar values.
        if (skipKeys?.has(key) && !isObject(node[key])) continue;
        stack.push([node[key], [...at, key]]);
      }
    }
  }
  for (const seg of found) out.push(seg);
}

/** An answer field over `obj[key]` when it is a string; set() writes the new text in place. */
export function fieldAt(
  out: AnswerField[],
  obj: JsonObject,
  key: string,
  channel: string,
  json: boolean,
): void {
  const text = obj[key];
  if (typeof text !== 'string') return;
  const field: AnswerField = {
    channel,
    json,
    text,
    set: (next) => {
      obj[key] = next;
      field.text = next;
    },
  };
  out.push(field);
}

/** Answer fields for every string leaf under `value` (tool-call arguments that arrive whole). */
export function leafFields(out: AnswerField[], value: unknown, channel: string): void {
  const segs: Segment[] = [];
  addLeaves(segs, value, [], 'tool_use');
  for (const seg of segs) {
    const parentPath = seg.path.slice(0, -1);
    const key = seg.path[seg.path.length - 1];
    if (key === undefined) continue; // a bare string: no container to write into
    let parent: unknown = value;
    for (const k of parentPath) parent = (parent as Record<string | number, unknown>)[k];
    const container = parent as Record<string | number, unknown>;
    const field: AnswerField = {
      channel: `${channel}:${seg.path.join('.')}`,
      json: false,
      text: seg.text,
      set: (next) => {
        container[key] = next;
        field.text = next;
      },
    };
    out.push(field);
  }
}
