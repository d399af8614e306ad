/**
 * Checking that a request body is JSON without building it, for the gateway with no inspector:
 * it must still answer malformed JSON with a 400 and learn the model for the exchange record,
 * but has no use for the parsed body. `JSON.parse(body.toString('utf8'))` costs a UTF-8 decode
 * (a two-byte copy of the whole body as soon as one character is not ASCII) and an object for
 * every value; this scan reads the bytes once and allocates nothing per value.
 *
 * It accepts exactly what `JSON.parse(body.toString('utf8'))` accepts. Every ASCII byte of the
 * body is the same character in the decoded string (a malformed UTF-8 sequence becomes U+FFFD
 * without swallowing the ASCII byte after it), so the grammar can be checked on bytes: bytes
 * from 0x80 up are ordinary string characters and an error anywhere else. Callers that need the
 * parser's own error message call JSON.parse when the scan says no.
 */

import { isJsonSpace } from '../dialects/json-bytes.js';
import { jsonScanWasm } from './wasm/json-scan-wasm.js';

/** What a string byte is: 0 plain, 1 closing quote, 2 backslash, 3 control character (invalid). */
const STRING_BYTE = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) STRING_BYTE[b] = 3;
STRING_BYTE[0x22] = 1;
STRING_BYTE[0x5c] = 2;

/** Bytes that may follow a backslash: " \ / b f n r t (u is checked apart). */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

const OBJECT = 1;
const ARRAY = 2;

export interface JsonScan {
  /** The value of the last top-level `"model"` key when it is a string (as JSON.parse reads it). */
  model?: string;
}

/**
 * The index of the closing quote of the string whose content starts at `i`, or -1 when the
 * string is not valid JSON (a control character, a bad escape, no closing quote). Four bytes at
 * a time while none of them is a quote, a backslash or a control character.
 */
function stringEnd(b: Uint8Array, words: Int32Array, shift: number, i: number, n: number): number {
  const lastWord = words.length;
  for (;;) {
    if (((shift + i) & 3) === 0) {
      let w = (shift + i) >> 2;
      while (w < lastWord) {
        const x = words[w]!;
        // x ^ 0x02 turns a quote into 0x20 and keeps control characters below 0x20: one
        // "byte below 0x21" test finds both; a backslash is a zero byte of x ^ 0x5c.
        const y = x ^ 0x02020202;
        const z = x ^ 0x5c5c5c5c;
        if ((((y - 0x21212121) & ~y) | ((z - 0x01010101) & ~z)) & 0x80808080) break;
        w++;
      }
      i = (w << 2) - shift;
    }
    if (i >= n) return -1;
    const kind = STRING_BYTE[b[i]!]!;
    if (kind === 0) {
      i++;
    } else if (kind === 1) {
      return i;
    } else if (kind === 3) {
      return -1;
    } else if (i + 1 < n && SIMPLE_ESCAPE[b[i + 1]!] === 1) {
      i += 2;
    } else if (
      b[i + 1] === 0x75 &&
      i + 5 < n &&
      HEX[b[i + 2]!] === 1 &&
      HEX[b[i + 3]!] === 1 &&
      HEX[b[i + 4]!] === 1 &&
      HEX[b[i + 5]!] === 1
    ) {
      i += 6;
    } else {
      return -1;
    }
  }
}

/** Index after the number starting at `i`, or -1 when it is not a JSON number. */
function numberEnd(b: Uint8Array, i: number, n: number): number {
  if (b[i] === 0x2d) i++;
  if (i >= n) return -1;
  let c = b[i]!;
  if (c === 0x30) {
    i++;
  } else if (c >= 0x31 && c <= 0x39) {
    i++;
    while (i < n && (c = b[i]!) >= 0x30 && c <= 0x39) i++;
  } else {
    return -1;
  }
  if (i < n && b[i] === 0x2e) {
    const start = ++i;
    while (i < n && (c = b[i]!) >= 0x30 && c <= 0x39) i++;
    if (i === start) return -1;
  }
  if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    const start = i;
    while (i < n && (c = b[i]!) >= 0x30 && c <= 0x39) i++;
    if (i === start) return -1;
  }
  return i;
}

function literalEnd(b: Uint8Array, i: number, n: number, word: string): number {
  if (i + word.length > n) return -1;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** The text of the JSON string token `b[start..end]` (quotes included), as JSON.parse reads it. */
function stringValue(b: Uint8Array, start: number, end: number): string {
  const buf = Buffer.from(b.buffer, b.byteOffset + start, end - start);
  for (let k = 1; k < buf.length - 1; k++) {
    if (buf[k]! >= 0x80 || buf[k] === 0x5c) return JSON.parse(buf.toString('utf8')) as string;
  }
  return buf.toString('latin1', 1, buf.length - 1);
}

/** Whether the string token at `b[start..end]` (quotes included) reads as `model`. */
function isModelKey(b: Uint8Array, start: number, end: number): boolean {
  if (end - start === 7) return literalEnd(b, start, end, '"model"') === end;
  // A key spelled with escapes (`"mod\u0065l"`) is still `model` to JSON.parse.
  if (end - start <= 7) return false;
  const escape = b.indexOf(0x5c, start);
  return escape !== -1 && escape < end && stringValue(b, start, end) === 'model';
}

/** One instance of the WebAssembly build of this scanner (wasm/json-scan.c). */
interface WasmScanner {
  input: Uint8Array;
  capacity: number;
  scan(n: number): number;
  reset(): void;
  scanMore(n: number, final: number): number;
  model: Int32Array;
  modelStart: number;
  modelEnd: number;
}

/** The parts of the WebAssembly API used here (the project's TypeScript libs leave it out). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/** The compiled module, or undefined on a runtime without WebAssembly SIMD. */
const wasmModule = ((): { api: WasmApi; module: object } | undefined => {
  try {
    const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    return { api, module: new api.Module(Buffer.from(jsonScanWasm, 'base64')) };
  } catch {
    // The TypeScript scanner decides alone.
    return undefined;
  }
})();

function instantiate(): WasmScanner | undefined {
  if (wasmModule === undefined) return undefined;
  const ex = new wasmModule.api.Instance(wasmModule.module).exports as {
    memory: { buffer: ArrayBuffer };
    scan(n: number): number;
    scan_more(n: number, final: number): number;
    reset(): void;
    input: { value: number };
    model_start: { value: number };
    model_end: { value: number };
  };
  // The memory is never grown (bodies over the capacity take the TypeScript path), so these
  // views stay valid.
  const capacity = 1 << 20;
  return {
    input: new Uint8Array(ex.memory.buffer, ex.input.value, capacity),
    capacity,
    scan: ex.scan,
    reset: ex.reset,
    scanMore: ex.scan_more,
    model: new Int32Array(ex.memory.buffer),
    modelStart: ex.model_start.value >> 2,
    modelEnd: ex.model_end.value >> 2,
  };
}

const wasm = instantiate();

/** Which scanner `scanJson` runs up to 1 MiB (the tests check that it is the WebAssembly one). */
export const jsonScanBuild: 'wasm' | 'typescript' = wasm ? 'wasm' : 'typescript';

/** The model string a finished WebAssembly scan found, as JSON.parse reads it. */
function wasmModel(w: WasmScanner, body: Uint8Array): JsonScan {
  const start = w.model[w.modelStart]!;
  return { model: start < 0 ? undefined : stringValue(body, start, w.model[w.modelEnd]!) };
}

/**
 * Scans a JSON text. Returns undefined when `JSON.parse(body.toString('utf8'))` would throw,
 * otherwise what the gateway wants to know about the body. Bodies up to 1 MiB go through the
 * WebAssembly build, which reads string contents 64 bytes at a time with no branch per escape
 * (about 5× faster than this scanner on assistants' requests, whose escapes every 20–40 bytes
 * bound its 4-byte steps).
 */
export function scanJson(body: Uint8Array): JsonScan | undefined {
  return scanJsonChunks([body], body.length);
}

/**
 * `scanJson` of the concatenation of `chunks` (`size` bytes in all), without making it: each
 * chunk is copied into the scanner's input where it belongs.
 */
export function scanJsonChunks(chunks: readonly Uint8Array[], size: number): JsonScan | undefined {
  if (wasm !== undefined && size <= wasm.capacity) {
    let at = 0;
    for (const chunk of chunks) {
      wasm.input.set(chunk, at);
      at += chunk.length;
    }
    const verdict = wasm.scan(size);
    if (verdict === 0) return undefined;
    if (verdict === 1) return wasmModel(wasm, wasm.input.subarray(0, size));
  }
  return scanJsonBytes(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
}

/** Instances not in use by a streamed scan, kept for the next (each holds 1 MiB of input). */
const idle: WasmScanner[] = [];
const MAX_IDLE = 4;

/**
 * The scan of a body that is still arriving: chunks are scanned as they come (`append` now,
 * `advance` when the gateway has forwarded them), so that the verdict on the whole is ready
 * soon after the last one (the gateway holds back only the body's last byte until then). Keeps
 * a copy of the bytes, for the parser's error message. One WebAssembly instance per open scan:
 * `release` it.
 */
export class JsonStreamScan {
  private size = 0;
  /** 0 not JSON, 1 JSON, 2 the TypeScript scanner decides at the end, 3 undecided so far. */
  private verdict = 3;

  private constructor(private scanner: WasmScanner | undefined) {}

  /** A scan for a body of `size` bytes, or undefined when it is over the WebAssembly capacity. */
  static open(size: number): JsonStreamScan | undefined {
    if (wasm === undefined || size > wasm.capacity) return undefined;
    const scanner = idle.pop() ?? instantiate()!;
    scanner.reset();
    return new JsonStreamScan(scanner);
  }

  /** Adds the next chunk without scanning it yet (see `advance`). */
  append(chunk: Uint8Array): void {
    const w = this.scanner!;
    if (this.size + chunk.length > w.capacity) throw new RangeError('body larger than declared');
    w.input.set(chunk, this.size);
    this.size += chunk.length;
  }

  /** Scans what was appended since; false once the bytes so far cannot begin a JSON text. */
  advance(): boolean {
    if (this.verdict === 3) this.verdict = this.scanner!.scanMore(this.size, 0);
    return this.verdict !== 0;
  }

  /** The verdict on all the bytes appended, as scanJson gives it. */
  finish(): JsonScan | undefined {
    const w = this.scanner!;
    if (this.verdict === 3) this.verdict = w.scanMore(this.size, 1);
    if (this.verdict === 0) return undefined;
    if (this.verdict === 1) return wasmModel(w, this.bytes());
    return scanJsonBytes(this.bytes());
  }

  /** The bytes appended so far (a view, valid until `release`). */
  bytes(): Buffer {
    const w = this.scanner!;
    return Buffer.from(w.input.buffer, w.input.byteOffset, this.size);
  }

  release(): void {
    if (this.scanner && idle.length < MAX_IDLE) idle.push(this.scanner);
    this.scanner = undefined;
  }
}

/** The TypeScript scanner; exported for the tests that hold both builds to JSON.parse. */
export function scanJsonBytes(body: Uint8Array): JsonScan | undefined {
  const n = body.length;
  const shift = body.byteOffset & 3;
  const words = new Int32Array(body.buffer, body.byteOffset - shift, (n + shift) >> 2);
  const stack: number[] = [];
  let model: string | undefined;
  let i = 0;
  let c = 0;
  /** Set after `{` and after a comma in an object: a key and its colon come first. */
  let key = false;
  for (;;) {
    while (i < n && isJsonSpace(body[i]!)) i++;
    /** Set while reading the value of a top-level "model" key. */
    let modelValue = false;
    if (key) {
      key = false;
      if (i >= n || body[i] !== 0x22) return undefined;
      const end = stringEnd(body, words, shift, i + 1, n);
      if (end < 0) return undefined;
      if (stack.length === 1 && isModelKey(body, i, end + 1)) {
        // The last occurrence of a key wins, as in JSON.parse.
        modelValue = true;
        model = undefined;
      }
      i = end + 1;
      while (i < n && isJsonSpace(body[i]!)) i++;
      if (i >= n || body[i] !== 0x3a) return undefined;
      i++;
      while (i < n && isJsonSpace(body[i]!)) i++;
    }
    // A value.
    if (i >= n) return undefined;
    c = body[i]!;
    if (c === 0x22) {
      const end = stringEnd(body, words, shift, i + 1, n);
      if (end < 0) return undefined;
      if (modelValue) model = stringValue(body, i, end + 1);
      i = end + 1;
    } else if (c === 0x7b || c === 0x5b) {
      i++;
      while (i < n && isJsonSpace(body[i]!)) i++;
      if (i < n && body[i] === (c === 0x7b ? 0x7d : 0x5d)) {
        i++;
      } else {
        stack.push(c === 0x7b ? OBJECT : ARRAY);
        key = c === 0x7b;
        continue;
      }
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      i = numberEnd(body, i, n);
    } else if (c === 0x74) {
      i = literalEnd(body, i, n, 'true');
    } else if (c === 0x66) {
      i = literalEnd(body, i, n, 'false');
    } else if (c === 0x6e) {
      i = literalEnd(body, i, n, 'null');
    } else {
      return undefined;
    }
    if (i < 0) return undefined;
    // After a value: a comma, the end of its container, or the end of the text.
    for (;;) {
      while (i < n && isJsonSpace(body[i]!)) i++;
      if (stack.length === 0) return i === n ? { model } : undefined;
      if (i >= n) return undefined;
      const top = stack[stack.length - 1];
      c = body[i]!;
      if (c === 0x2c) {
        i++;
        key = top === OBJECT;
        break;
      }
      if (c === (top === OBJECT ? 0x7d : 0x5d)) {
        i++;
        stack.pop();
        continue;
      }
      return undefined;
    }
  }
}
