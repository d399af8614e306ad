/**
 * The seam between the HTTP gateway and what decides about a request (detection, policy,
 * pseudonymization). The gateway knows nothing of rules; the inspector knows nothing of HTTP
 * beyond the header map it is given.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dialect, UninspectedPart } from '../dialects/types.js';
import type { Provider } from '../errors.js';
import type { Finding } from '../detect/types.js';

export interface InspectRequest {
  provider: Provider;
  dialect: Dialect;
  method: string;
  /** Upstream path without the provider prefix, e.g. `/v1/messages`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined for requests without one. */
  body: unknown;
  /**
   * The decoded bytes `body` was parsed from, when the gateway has them: an inspector may splice
   * its edits into them (see `bodyBytes`) instead of having the whole body serialized again.
   */
  raw?: Buffer;
  /**
   * The gateway gives `raw` up: it does not read those bytes again once the inspector has
   * answered (it sends `bodyBytes`, or, when the inspector leaves the body alone or throws,
   * `raw` as it was). The inspector may then write `bodyBytes` over `raw`'s own memory, but only
   * as its last step, when nothing can fail any more. Read at that step: the gateway clears it
   * when it stops waiting for the answer (timeouts.inspect_ms), since it may then send `raw`.
   */
  rawOwned?: boolean;
  /**
   * The body of a request to an endpoint no dialect reads (`dialect` is passthrough), unless it
   * carries no text by design (src/dialects/textless.ts): it goes as it came, unread, unless the
   * policy refuses it (`uninspected_endpoints`).
   */
  uninspectedBody?: UninspectedPart;
}

/** One SSE event as the gateway's parser hands it over (see src/sse/parser.ts). */
export interface StreamEvent {
  event?: string;
  data: string;
  comment?: boolean;
  /** The event's exact bytes as received, terminating blank line included. */
  raw: Buffer;
}

/** Restores surrogates in one streamed answer; stateful, one per response. */
export interface StreamRestorer {
  /** Bytes to send for this event: usually `ev.raw` untouched, possibly rewritten or empty. */
  event(ev: StreamEvent): Buffer;
  /** Whatever is still held back when the stream ends. */
  end(): Buffer;
}

export interface Restorer {
  /** Restores a whole JSON answer in place. */
  json(answer: unknown): void;
  stream(): StreamRestorer;
}

/**
 * An SSE answer read back later, restored as it comes (src/redact/read-back-stream.ts): an
 * event that names a surrogate the vault was not asked about yet comes out of a promise, once it
 * was asked; the gateway sends nothing of later chunks before that, and pauses the upstream.
 */
export interface ReadBackStream {
  /** Bytes to send for this chunk of the answer, in order: now, or once the vault answered. */
  push(chunk: Buffer): Buffer | Promise<Buffer>;
  /** What is still to send when the answer is complete. */
  end(): Buffer | Promise<Buffer>;
  /** What is held when the answer broke off, as whole events a client can still read. */
  abort(): Buffer;
}

/**
 * Restores an answer read back later (Dialect.readBack), whose surrogates are not known before
 * it comes: they are looked up as the answer names them, so it is restored whole, once complete,
 * or, when it is a stream, event by event (`stream`).
 */
export interface ReadBackRestorer {
  /**
   * Restores an SSE answer as it comes. `onLookupFailed` is told, once, that the vault could
   * not be asked: the surrogates it was asked about are then sent as they came.
   */
  stream(onLookupFailed: (err: unknown) => void): ReadBackStream;
  /**
   * The bytes to send for the whole answer (`sse`: its events; else one JSON value or JSON
   * Lines), URLs the client follows next rewritten by `rewriteUrl`; `raw` itself when nothing
   * in it changes. Rejects when the surrogates cannot be looked up.
   */
  restore(raw: Buffer, sse: boolean, rewriteUrl: (url: string) => string): Promise<Buffer>;
}

/** What the policy did with one finding; recorded in the audit log. */
export interface FindingDecision {
  finding: Finding;
  action: 'allow' | 'audit' | 'pseudonymize' | 'redact' | 'strip' | 'block';
  /** Keyed hash of the value (never the value). */
  valueHash: string;
  /** Masked preview, e.g. `/ho…ce`. */
  preview: string;
}

export interface InspectSummary {
  findings: FindingDecision[];
  /** Policy mode in force, e.g. `enforce` or `monitor`. */
  mode: string;
}

export type InspectResult =
  | {
      action: 'block';
      message: string;
      summary: InspectSummary;
      /** Why, as the error the client gets: a finding's block when absent. */
      code?: 'AIRLOCK_UNINSPECTED_BLOCKED';
    }
  | {
      action: 'forward';
      /** The edited body to send instead of the original; undefined when unchanged. */
      body?: unknown;
      /**
       * The same edited body, already serialized (edits spliced into `raw`): when present the
       * gateway sends these bytes and skips serializing `body`.
       */
      bodyBytes?: Buffer;
      setHeaders?: Record<string, string>;
      removeHeaders?: string[];
      /** Present when the answer may contain surrogates to restore. */
      restorer?: Restorer;
      /** Present when the answer is read back later and restored through the vault (see ReadBackRestorer). */
      readBack?: ReadBackRestorer;
      summary: InspectSummary;
    };

export interface Inspector {
  inspect(req: InspectRequest): Promise<InspectResult> | InspectResult;
}

/** What the pass-through inspector reports: no findings, no policy. */
export const passThroughSummary: InspectSummary = Object.freeze({
  findings: Object.freeze([]) as unknown as FindingDecision[],
  mode: 'off',
});

/** Forwards everything unchanged: the gateway without a policy. */
export const passThroughInspector: Inspector = {
  inspect: () => ({ action: 'forward', summary: passThroughSummary }),
};
