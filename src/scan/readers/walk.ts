/**
 * Walks a parsed JSON value and emits every string leaf with its path and conversation role.
 * Roles follow the shapes shared by the provider APIs (a `role` member, system/tools members,
 * tool-call and tool-result blocks), so a request body, a transcript record or a HAR body gets
 * the same roles the gateway's dialects would give. Strings that are themselves JSON (tool-call
 * arguments, HAR bodies) are parsed and walked, the path going on inside them: a finding names
 * the member it is in, and a value is scanned as parsed (`C:\\Users\\x` in the JSON text is the
 * path `C:\Users\x`). A string member's leaf carries its name (`key`): where a rule may need the
 * name beside the value (`"db_password": "…"`), the batcher scans it with that name
 * (key-context.ts, which knows the scan's rules), as the gateway scanning the JSON text would.
 */
import type { JsonPath, Role } from '../../dialects/types.js';
import { isPlainName } from '../../dialects/walk.js';

export interface Leaf {
  path: JsonPath;
  role: Role;
  text: string;
  /** For role 'header': the lower-cased header name. */
  header?: string;
  /**
   * The plain member name the string `text` is the value of (isPlainName): scanned beside it
   * when a rule keyword is in it (KeyContext.wants).
   */
  key?: string;
}

export type LeafSink = (leaf: Leaf) => void;

/** Members that never carry user or environment text: ids, types, signatures, binary payloads. */
const SKIP_KEYS = new Set([
  'type',
  'role',
  'signature',
  'encrypted_content',
  'media_type',
  'mimeType',
  'mime_type',
  'stop_reason',
  'finish_reason',
  'finishReason',
  'status',
]);

/** A text shorter than this can't hold a finding worth reporting; skipping saves engine calls. */
const MIN_TEXT = 4;

const MESSAGE_ROLES: Record<string, Role> = {
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  model: 'assistant',
  ai: 'assistant',
  system: 'system',
  developer: 'system',
  tool: 'tool_result',
  function: 'tool_result',
};

const KEY_ROLES: Record<string, Role> = {
  system: 'system',
  instructions: 'system',
  systemInstruction: 'system',
  system_instruction: 'system',
  tools: 'tool_definition',
  functionDeclarations: 'tool_definition',
  metadata: 'metadata',
  tool_calls: 'tool_use',
  functionCall: 'tool_use',
  function_call: 'tool_use',
  functionResponse: 'tool_result',
};

const BLOCK_ROLES: Record<string, Role> = {
  tool_use: 'tool_use',
  server_tool_use: 'tool_use',
  tool_result: 'tool_result',
  function_call: 'tool_use',
  custom_tool_call: 'tool_use',
  local_shell_call: 'tool_use',
  function_call_output: 'tool_result',
  custom_tool_call_output: 'tool_result',
  thinking: 'assistant',
  reasoning: 'assistant',
  // OpenAI Responses stream events that carry a tool call's input whole (its deltas are joined
  // apart, stream-deltas.ts): the input is the tool call's, as in the item's own snapshot.
  'response.function_call_arguments.done': 'tool_use',
  'response.custom_tool_call_input.done': 'tool_use',
};

/** Base64 image/audio payloads: large, never text, and a source of high-entropy noise. */
function isBinaryBlob(obj: Record<string, unknown>): boolean {
  const mime = obj.media_type ?? obj.mimeType ?? obj.mime_type;
  return (
    typeof mime === 'string' &&
    !mime.startsWith('text/') &&
    !mime.includes('json') &&
    typeof obj.data === 'string'
  );
}

/** Nesting walked member by member; below it a value is scanned whole (jsonTextOf). */
const MAX_DEPTH = 64;

function jsonTextOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** Parses a string that looks like a JSON object or array; undefined when it is not one. */
export function parseEmbeddedJson(text: string): unknown {
  const first = text.charCodeAt(0);
  if (text.length < 2 || (first !== 0x7b && first !== 0x5b)) return undefined;
  const last = text.charCodeAt(text.length - 1);
  if (last !== 0x7d && last !== 0x5d) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** @param key the plain member name `value` is under, when it is a string (Leaf.key). */
export function walkLeaves(
  value: unknown,
  path: JsonPath,
  role: Role,
  sink: LeafSink,
  infer = true,
  depth = 0,
  key?: string,
): void {
  if (depth > MAX_DEPTH) {
    // Deeper than any real record goes: the rest is scanned as one text, its JSON, so that
    // nothing in it is skipped unseen (a structure too deep even to serialize is not).
    const text = typeof value === 'string' ? value : jsonTextOf(value);
    if (text !== undefined && text.length >= MIN_TEXT)
      sink(key !== undefined && text === value ? { path, role, text, key } : { path, role, text });
    return;
  }
  if (typeof value === 'string') {
    if (value.length < MIN_TEXT) return;
    const nested = parseEmbeddedJson(value);
    if (nested !== undefined && typeof nested === 'object' && nested !== null) {
      walkLeaves(nested, path, role, sink, infer, depth + 1);
    } else {
      sink(key === undefined ? { path, role, text: value } : { path, role, text: value, key });
    }
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1)
      walkLeaves(value[i], [...path, i], role, sink, infer, depth + 1);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const obj = value as Record<string, unknown>;
  if (isBinaryBlob(obj)) return;
  let here = role;
  if (infer) {
    if (typeof obj.role === 'string') here = MESSAGE_ROLES[obj.role] ?? here;
    if (typeof obj.type === 'string') here = BLOCK_ROLES[obj.type] ?? here;
  }
  for (const key of Object.keys(obj)) {
    // Plain words are not scanned: a scan reads far more names than a request holds.
    const plain = isPlainName(key);
    if (!plain) sink({ path, role: here, text: key });
    if (SKIP_KEYS.has(key)) continue;
    const child = infer ? (KEY_ROLES[key] ?? here) : here;
    const member = obj[key];
    // A string under a plain name: a rule may need the name beside it (Leaf.key).
    const named = plain && typeof member === 'string' ? key : undefined;
    walkLeaves(member, [...path, key], child, sink, infer, depth + 1, named);
  }
}
