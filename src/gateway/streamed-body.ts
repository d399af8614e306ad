/**
 * A large request body forwarded while it arrives, for the gateway with no inspector. Reading
 * the whole body before sending it on adds, at 1 MB, the time to check it (~0.2 ms) and to
 * write it again to the upstream: time the client waits for its first event. Here every chunk
 * goes on as it arrives and is checked right after, the last one too. A body found not to be
 * JSON before its end never reaches the upstream complete (it sees the request break off and
 * drops it); one found so only at its end may, but its upstream request is dropped before any
 * answer to it is read (see judgeAfterSent). Either way the client gets its 400, as for a body
 * read whole. Without a policy nothing in the body is withheld from the upstream anyway.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { parseJsonBytes } from '../dialects/parse-json.js';
import { AirlockError } from '../errors.js';
import { blankBom, bodyTimeout } from './body.js';
import { JsonStreamScan, type JsonScan } from './json-scan.js';

/**
 * Smaller bodies are read whole: the check of 256 KiB takes ~0.05 ms, and each body forwarded
 * while it arrives holds a scanner instance (1 MiB of memory) until it is complete.
 */
export const STREAM_BODY_FROM = 256 * 1024;

export interface StreamedBody {
  /** What goes upstream: the body's bytes as they arrive, the last one once it is known to be JSON. */
  body: Readable;
  /**
   * What the check found once the body is complete; rejects with AIRLOCK_BAD_JSON (and the
   * parser's message, as for a body read whole), or when the client's body broke off.
   */
  verdict: Promise<JsonScan>;
  /** The upstream request failed: the rest of the body is read (for the verdict), not sent. */
  abandon(): void;
}

/** The error for a body that is not JSON, with JSON.parse's own message. */
function notJsonError(bytes: Buffer): AirlockError {
  try {
    parseJsonBytes(bytes);
  } catch (err) {
    return new AirlockError('AIRLOCK_BAD_JSON', (err as Error).message);
  }
  return new AirlockError('AIRLOCK_BAD_JSON', 'not JSON');
}

/**
 * Starts forwarding `req`'s body while checking it, or returns undefined when it must be read
 * whole: compressed (it is decoded first), of unknown length, smaller than STREAM_BODY_FROM,
 * over `limit`, or over the scanner's capacity. `onBytes` counts what arrives.
 */
export function streamBody(
  req: IncomingMessage,
  limit: number,
  onBytes: (n: number) => void,
  /** Longest silence before the body's end: past it the body fails with AIRLOCK_BODY_TIMEOUT. */
  idleMs?: number,
): StreamedBody | undefined {
  if (req.headers['content-encoding'] !== undefined) return undefined;
  const declared = Number(req.headers['content-length']);
  if (!(declared >= STREAM_BODY_FROM && declared <= limit)) return undefined;
  const scan = JsonStreamScan.open(declared);
  if (scan === undefined) return undefined;

  /** Bytes in so far; the chunk that brings them to `declared` is the last. */
  let received = 0;
  /** The bytes so far cannot begin a JSON text: nothing more goes upstream. */
  let refused = false;
  /** The request's end has come ('end'). */
  let ended = false;
  /** The next chunk is the body's first. */
  let first = true;
  let done = false;
  // Room for the whole body (at most the scanner's 1 MiB, which holds a copy anyway): the client
  // is never paused. Its first chunks come before undici reads the stream (it writes to a reused
  // connection on the next turn), and with the default 16 KiB the client was paused right there,
  // once per body: 1 MB SSE, first event 0.16-0.29 ms later than with room (three runs of 600-800
  // requests each, alternated).
  const body = new Readable({ highWaterMark: declared, read() {} });
  // The verdict reports every failure; undici may not be listening yet when the body fails.
  body.on('error', () => {});
  let resolveVerdict!: (scan: JsonScan) => void;
  let rejectVerdict!: (err: Error) => void;
  const verdict = new Promise<JsonScan>((resolve, reject) => {
    resolveVerdict = resolve;
    rejectVerdict = reject;
  });
  // Rejections are handled by whoever awaits the verdict; none must go unhandled before that.
  verdict.catch(() => {});

  // A client that stops sending: its upstream request breaks off and it is answered 408, rather
  // than both connections (and the scanner's memory) being held for as long as it stays.
  const idle = idleMs === undefined ? undefined : setTimeout(() => fail(bodyTimeout(idleMs)), idleMs);
  const stop = (): void => {
    done = true;
    clearTimeout(idle);
    // The error listener stays: an IncomingMessage that errs with none would throw.
    req.off('data', onData).off('end', onEnd).off('close', onClose);
  };
  const fail = (err: Error): void => {
    stop();
    scan.release();
    body.destroy(err);
    rejectVerdict(err);
  };
  /** A scan of what arrived is due: it runs after the chunks at hand went on (see onData). */
  let scanDue = false;
  const scanArrived = (): void => {
    scanDue = false;
    // The last part is checked with the verdict (see judgeAfterSent).
    if (!done && received < declared && !ended && !scan.advance()) refused = true;
  };
  /** The verdict is due in a turn queued after the last part came (see judgeAfterSent). */
  let judgeDue = false;
  /**
   * The whole body is in: judged once what undici takes of it went out. Taken as it comes
   * (flowing), it just went: judged now. Not yet taken: loopback brings a 1 MB body within one
   * turn, before undici writes (on a reused connection a turn later, in a turn queued when the
   * request was dispatched); judged at once, the check of all of it (~0.2 ms) would make the
   * upstream wait, so it runs in a turn queued now, right behind undici's. Either way no I/O
   * comes between the upstream having the last byte and the verdict, so an answer to a body that
   * is not JSON is never read.
   */
  const judgeAfterSent = (): void => {
    if (body.readableFlowing === true && body.readableLength === 0) {
      judge();
      return;
    }
    if (judgeDue) return;
    judgeDue = true;
    setImmediate(() => {
      judgeDue = false;
      if (!done) judge();
    });
  };
  const judge = (): void => {
    const result = scan.finish();
    if (result !== undefined) complete(result);
    else if (ended) fail(notJsonError(scan.bytes()));
    else {
      // Not JSON, and the upstream may have it whole: its request is dropped before its answer
      // can be read (undici aborts it when the body fails, ahead of any I/O on its socket); the
      // client hears why at 'end', once its request is complete.
      refused = true;
      body.destroy(new AirlockError('AIRLOCK_BAD_JSON', 'not JSON'));
    }
  };
  const onData = (chunk: Buffer): void => {
    if (done) return;
    onBytes(chunk.length);
    idle?.refresh();
    // Checked and sent on as the JSON after it (see blankBom); a mark split over the first
    // chunks stays, and the body is refused as not JSON.
    if (first) {
      first = false;
      blankBom([chunk]);
    }
    try {
      scan.append(chunk);
    } catch (err) {
      fail(err as Error);
      return;
    }
    // Once refused, the rest is read (for the parser's message) but not sent; a body that
    // failed upstream-side (undici destroyed it) takes nothing more either.
    if (refused || body.destroyed) return;
    // Each chunk goes on first, its check after: the chunks that arrive together go upstream
    // before the check of any, and the check runs while the upstream reads. The last one too:
    // a body that turns out not to be JSON then reaches the upstream whole, but its request is
    // dropped and its answer never read (see judge).
    received += chunk.length;
    body.push(chunk);
    if (received === declared) judgeAfterSent();
    else if (!scanDue) {
      scanDue = true;
      setImmediate(scanArrived);
    }
  };
  const onEnd = (): void => {
    if (done) return;
    ended = true;
    if (!judgeDue) judge();
  };
  /** The body is in and is JSON: its end goes upstream, the verdict is given. */
  const complete = (result: JsonScan): void => {
    stop();
    scan.release();
    if (!body.destroyed) body.push(null);
    resolveVerdict(result);
  };
  const onBrokeOff = (err: Error): void => {
    if (!done) fail(err);
  };
  const onClose = (): void => {
    // 'close' follows 'end' a tick later, before a verdict due in a later turn.
    if (!done && !ended) fail(new Error('the request body broke off'));
  };
  req.on('data', onData).on('end', onEnd).on('error', onBrokeOff).on('close', onClose);
  return { body, verdict, abandon: () => body.destroy() };
}
