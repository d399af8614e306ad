/**
 * Writing answers on node:http: JSON bodies, SSE events with pacing, and the faults a script can
 * ask for (drop the socket, stall). Every dialect goes through these few functions, so pacing and
 * faults behave the same for all providers.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import type { AnswerPlan } from './plan.js';
import type { AnswerCoding } from './types.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random id in the providers' style, e.g. `msg_01` + 24 base62 characters. */
export function randomId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += BASE62[b % 62];
  return out;
}

/** One SSE event; `event` omitted for providers that send data-only streams (OpenAI Chat, Gemini). */
export function sseEvent(data: unknown, event?: string): string {
  const head = event === undefined ? '' : `event: ${event}\n`;
  return `${head}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Real providers stream with chunked encoding; without this node would send a Content-Length
  // when the whole stream fits in one end() call (pacing 0), which no real API does.
  'transfer-encoding': 'chunked',
};

/** Wait between events; cut short when the connection closes, so no timer outlives it. */
function delay(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on('close', done);
  });
}

/** Where an answer's bytes go: the response itself, or a compressor in front of it. */
interface Sink {
  /** Writes `chunk` and resolves once it is on its way (compressed: flushed, so it decodes alone). */
  write(chunk: string | Buffer): Promise<void>;
  end(chunk?: string | Buffer): void;
}

/**
 * The answer's sink, and its headers: with `coding`, a `content-encoding` and no length (a
 * proxy that compresses whatever the client asked for, see AnswerReply.compress).
 */
function sinkFor(
  res: ServerResponse,
  headers: Record<string, string>,
  coding: AnswerCoding | undefined,
): { sink: Sink; headers: Record<string, string> } {
  if (coding === undefined) {
    const sink: Sink = {
      write: (chunk) => new Promise((resolve) => res.write(chunk, () => resolve())),
      end: (chunk) => void (chunk === undefined ? res.end() : res.end(chunk)),
    };
    return { sink, headers };
  }
  const compressor =
    coding === 'br'
      ? zlib.createBrotliCompress()
      : coding === 'gzip'
        ? zlib.createGzip()
        : zlib.createDeflate();
  const flushKind = coding === 'br' ? zlib.constants.BROTLI_OPERATION_FLUSH : zlib.constants.Z_SYNC_FLUSH;
  compressor.pipe(res);
  res.on('close', () => compressor.destroy());
  const sink: Sink = {
    write: (chunk) =>
      new Promise((resolve) => {
        compressor.write(chunk);
        compressor.flush(flushKind, () => resolve());
      }),
    end: (chunk) => void (chunk === undefined ? compressor.end() : compressor.end(chunk)),
  };
  const { 'content-length': _length, ...rest } = headers;
  return { sink, headers: { ...rest, 'content-encoding': coding } };
}

/** Destroy the connection without a proper end: the client sees a truncated body. */
function drop(res: ServerResponse): void {
  res.socket?.destroy();
  res.destroy();
}

type Fault = Pick<AnswerPlan, 'pacingMs' | 'dropAfterEvents' | 'stallAfterEvents'> &
  Partial<Pick<AnswerPlan, 'compress'>>;

/**
 * Send pre-serialized events, `pacingMs` apart. With no pacing and no fault the whole stream goes
 * out in one write, which keeps the simulator cheap in benchmarks.
 */
export async function sendEvents(
  res: ServerResponse,
  headers: Record<string, string>,
  events: string[],
  fault: Fault,
): Promise<void> {
  const { pacingMs, dropAfterEvents, stallAfterEvents, compress } = fault;
  const out = sinkFor(res, headers, compress);
  res.writeHead(200, out.headers);
  if (pacingMs <= 0 && dropAfterEvents === undefined && stallAfterEvents === undefined && !compress) {
    res.end(events.join(''));
    return;
  }
  res.flushHeaders();
  for (let i = 0; i < events.length; i++) {
    if (i > 0 && pacingMs > 0) await delay(pacingMs, res);
    if (res.destroyed) return;
    if (i === dropAfterEvents) return drop(res);
    if (i === stallAfterEvents) return; // left open until the client leaves or the simulator closes
    await out.sink.write(events[i] ?? '');
  }
  if (dropAfterEvents !== undefined && dropAfterEvents >= events.length) return drop(res);
  if (stallAfterEvents !== undefined && stallAfterEvents >= events.length) return;
  out.sink.end();
}

/** Send a JSON body; a drop fault sends the headers and half the body, then cuts the connection. */
export async function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  fault?: Fault,
): Promise<void> {
  const text = JSON.stringify(body);
  const bytes = Buffer.from(text, 'utf8');
  const out = sinkFor(
    res,
    { 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers },
    fault?.compress,
  );
  res.writeHead(status, out.headers);
  if (fault?.dropAfterEvents !== undefined) {
    await out.sink.write(bytes.subarray(0, bytes.length >> 1));
    return drop(res);
  }
  if (fault?.stallAfterEvents !== undefined) {
    res.flushHeaders();
    return;
  }
  out.sink.end(bytes);
}
