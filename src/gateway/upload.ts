/**
 * A request body sent upstream while it arrives, for the gateway without an inspector: nothing
 * reads the body but the JSON check, which runs piece by piece, so each piece goes on as soon as
 * the next one is in. The last piece waits until the whole body is in and checked: the upstream
 * never holds a complete body the gateway refuses (malformed JSON, over the limit); it is
 * aborted instead, and the client gets the same error as when the body is read first.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { parseJsonBytes } from '../dialects/parse-json.js';
import { AirlockError } from '../errors.js';
import { JsonChunkScan, type JsonScan } from './json-scan.js';
import { bodyTooLarge } from './body.js';

export type UploadOutcome = { scan: JsonScan } | { error: AirlockError };

export class StreamedUpload {
  /** What the upstream request sends. */
  readonly body: Readable;
  /** Settles once the client's body is in (or broke off, or went over the limit). */
  readonly outcome: Promise<UploadOutcome>;
  private readonly scanner = new JsonChunkScan();
  /** The last piece received, sent when the next one arrives or the body is checked. */
  private held: Buffer | undefined;
  /** Pieces still go upstream: not after a failure, an abort or the end of the exchange. */
  private forwarding = true;
  private settled = false;
  private resolve!: (outcome: UploadOutcome) => void;

  /**
   * Starts reading `req`. `checked` runs once the whole body passed the check, before its last
   * piece goes upstream (so before the upstream can answer).
   */
  constructor(
    private readonly req: IncomingMessage,
    private readonly limit: number,
    private readonly checked: (scan: JsonScan, bytes: number) => void,
  ) {
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
    // The upstream's socket drained: take the client's body again.
    this.body = new Readable({ read: () => req.resume() });
    // The upstream request ended before the body did (an early answer, a failure): keep
    // reading the client's body without sending it, or the client never finishes its upload.
    this.body.on('close', () => this.stopForwarding());
    req.on('data', this.onData);
    req.on('end', this.onEnd);
    req.on('error', this.onBroken);
    req.on('close', this.onBroken);
  }

  /** Bytes of the body received so far. */
  get bytes(): number {
    return this.scanner.size;
  }

  /**
   * The upstream request ended before taking the whole body (it failed, or answered early): the
   * body is still read and checked, for the outcome, but goes nowhere.
   */
  upstreamOver(): void {
    this.stopForwarding();
    this.body.destroy();
  }

  /** The exchange is over: whatever still arrives of the body is read and dropped. */
  stop(): void {
    this.upstreamOver();
    if (this.settled) return;
    // No outcome any more: what remains is dropped unread, not checked.
    this.settled = true;
    this.req.off('data', this.onData);
    this.req.resume();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.scanner.size + chunk.length > this.limit) {
      this.fail(bodyTooLarge(this.limit));
      // Drain without keeping: the client gets its 413 instead of a reset connection.
      this.req.off('data', this.onData);
      this.req.resume();
      return;
    }
    // The piece before this one goes first: checking this one can wait until that one is sent.
    if (this.forwarding && this.held !== undefined && !this.body.push(this.held)) this.req.pause();
    this.held = undefined;
    if (!this.scanner.push(chunk)) {
      // Not JSON, whatever follows: the upstream request is cut here. The rest is still read,
      // for JSON.parse's own message in the 400.
      this.abortUpstream(new AirlockError('AIRLOCK_BAD_JSON', 'malformed JSON'));
      return;
    }
    if (this.forwarding) this.held = chunk;
  };

  private readonly onEnd = (): void => {
    if (this.settled) return;
    const scan = this.scanner.end();
    if (scan === undefined) {
      this.fail(badJson(this.scanner.body()));
      return;
    }
    this.settled = true;
    this.checked(scan, this.scanner.size);
    if (this.forwarding) {
      if (this.held !== undefined) this.body.push(this.held);
      this.held = undefined;
      this.body.push(null);
    }
    this.resolve({ scan });
  };

  /** The client's body broke off before its end (the client went away). */
  private readonly onBroken = (): void => {
    if (this.settled || this.req.complete) return;
    this.fail(new AirlockError('AIRLOCK_INTERNAL', 'the client went away during the upload'));
  };

  private fail(error: AirlockError): void {
    if (this.settled) return;
    this.settled = true;
    this.abortUpstream(error);
    this.resolve({ error });
  }

  private abortUpstream(error: AirlockError): void {
    this.stopForwarding();
    // Before its last piece: the upstream request is cut, never completed.
    if (!this.body.readableEnded) this.body.destroy(error);
  }

  private stopForwarding(): void {
    this.forwarding = false;
    this.held = undefined;
    if (this.req.isPaused()) this.req.resume();
  }
}

/** The 400 for a body that is not JSON, with JSON.parse's own message. */
export function badJson(body: Buffer): AirlockError {
  try {
    parseJsonBytes(body);
  } catch (err) {
    return new AirlockError('AIRLOCK_BAD_JSON', (err as Error).message);
  }
  return new AirlockError('AIRLOCK_BAD_JSON', 'malformed JSON');
}
