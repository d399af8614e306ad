/**
 * Writing answers on node:http: JSON bodies, SSE events with pacing, and the faults a script can
 * ask for (drop the socket, stall). Every dialect goes through these few functions, so pacing and
 * faults behave the same for all providers.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { AnswerPlan } from './plan.js';

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

function writeAndFlush(res: ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve) => {
    res.write(chunk, () => resolve());
  });
}

/** Destroy the connection without a proper end: the client sees a truncated body. */
function drop(res: ServerResponse): void {
  res.socket?.destroy();
  res.destroy();
}

type Fault = Pick<AnswerPlan, 'pacingMs' | 'dropAfterEvents' | 'stallAfterEvents'>;

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
  res.writeHead(200, headers);
  const { pacingMs, dropAfterEvents, stallAfterEvents } = fault;
  if (pacingMs <= 0 && dropAfterEvents === undefined && stallAfterEvents === undefined) {
    res.end(events.join(''));
    return;
  }
  res.flushHeaders();
  for (let i = 0; i < events.length; i++) {
    if (i > 0 && pacingMs > 0) await delay(pacingMs, res);
    if (res.destroyed) return;
    if (i === dropAfterEvents) return drop(res);
    if (i === stallAfterEvents) return; // left open until the client leaves or the simulator closes
    await writeAndFlush(res, events[i] ?? '');
  }
  if (dropAfterEvents !== undefined && dropAfterEvents >= events.length) return drop(res);
  if (stallAfterEvents !== undefined && stallAfterEvents >= events.length) return;
  res.end();
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
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(bytes.length),
    ...headers,
  });
  if (fault?.dropAfterEvents !== undefined) {
    await new Promise<void>((resolve) => res.write(bytes.subarray(0, bytes.length >> 1), () => resolve()));
    return drop(res);
  }
  if (fault?.stallAfterEvents !== undefined) {
    res.flushHeaders();
    return;
  }
  res.end(bytes);
}
