/**
 * One provider request through the gateway: read and decode the body, let the inspector
 * decide, forward with undici, and relay the answer — raw bytes when nothing needs restoring,
 * event by event through the restorer for SSE, whole for JSON answers that hold surrogates.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { errors, type Dispatcher } from 'undici';
import type { Config } from '../config/schema.js';
import { inspectedAlias, resolveDialect } from '../dialects/index.js';
import { parseJsonBytes } from '../dialects/parse-json.js';
import { carriesNoText } from '../dialects/textless.js';
import type { Dialect } from '../dialects/types.js';
import { withinMs } from '../deadline.js';
import { AirlockError, type Provider } from '../errors.js';
import { DEFAULT_MAX_EVENT_SIZE, SseParser } from '../sse/parser.js';
import { WholeEvents } from '../sse/whole-events.js';
import { blankBom, decodeBody, joinChunks, readBody, readBodyChunks, type BodyChunks } from './body.js';
import { canDecode } from './codings.js';
import type { Exchange, ExchangeListener, ExchangeReporter } from './exchange.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { JsonArrayStreamRestorer } from './json-array-stream.js';
import {
  passThroughInspector,
  passThroughSummary,
  type InspectRequest,
  type InspectResult,
  type Inspector,
  type ReadBackRestorer,
  type ReadBackStream,
  type Restorer,
  type StreamRestorer,
} from './inspector.js';
import { scanJson, scanJsonChunks, type JsonScan } from './json-scan.js';
import { markPhase, phasesObserved } from './phases.js';
import { sendError, streamErrorEvent } from './respond.js';
import type { ProviderRoute } from './routes.js';
import { streamDecoder, type StreamDecoder } from './stream-decoder.js';
import { streamBody, type StreamedBody } from './streamed-body.js';
import { upstreamError, type Upstreams, type UpstreamTurn } from './upstream.js';

export interface ProxyContext {
  config: Config;
  upstreams: Upstreams;
  inspector: Inspector;
  /** What to do when inspection throws: block (default) or forward unchanged. */
  onInspectError: 'block' | 'allow';
  /**
   * Called once per exchange, before the last byte of the answer is written, so that an
   * audit record is made (write-ahead) before the client has its answer; a promise it returns
   * holds that byte back until it settles.
   */
  onExchange?: ExchangeReporter;
  /**
   * Called once the request is on its way upstream, in the wait for the answer (which is most
   * of an exchange): what a listener prepares here (the audit event's findings) is off the
   * critical path that onExchange, before the last byte, is on. Not called for an exchange
   * that ended before it could run.
   */
  onForwarded?: ExchangeListener;
  /** Refuses new requests while it returns an error (e.g. the audit spool is full). */
  admit?: () => AirlockError | undefined;
  /** Exchanges started and not yet reported (for onExchange's `othersInFlight`). */
  exchangesInFlight: number;
  /**
   * Bytes of non-streamed answers held whole to restore their surrogates, all exchanges together,
   * from their first byte until they are sent: at most limits.max_answers_held.
   */
  answersHeld: number;
  /** Keep the body that left on the exchange, for the audit log's forensic copy. */
  captureBody?: boolean;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export async function proxyRequest(
  ctx: ProxyContext,
  route: ProviderRoute,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  const dialect = resolveDialect(route.provider, method, route.path);
  const ex: Exchange = {
    id: randomUUID(),
    startedAt: Date.now(),
    provider: route.provider,
    dialect: dialect.id,
    method,
    path: route.path,
    search: route.search,
    userAgent: req.headers['user-agent'],
    status: 0,
    decision: 'forward',
    bytesIn: 0,
    bytesOut: 0,
    latencyMs: 0,
    inspectMs: 0,
    aborted: false,
    forwarded: false,
  };
  const t0 = performance.now();
  markPhase(ex.id, 'received');
  const gone = new ClientGone();
  let settled = false;
  ctx.exchangesInFlight++;
  const settle: Settle = (status, send) => {
    if (settled) {
      send?.();
      return;
    }
    settled = true;
    ctx.exchangesInFlight--;
    ex.latencyMs = performance.now() - t0;
    ex.status = status;
    markPhase(ex.id, 'settled');
    const reported = ctx.onExchange?.(ex, ctx.exchangesInFlight);
    markPhase(ex.id, 'reported');
    if (!send) return;
    if (!reported) {
      send();
      return;
    }
    // Sent from a promise callback: a throw there would be an unhandled rejection, which ends
    // the process; it is logged instead (the client's connection closes with the exchange).
    reported.then(send, send).then(undefined, (err: unknown) => {
      ctx.log.error({ err, requestId: ex.id }, 'sending the end of the answer failed');
      res.destroy();
    });
  };
  const scope: ExchangeScope = { ctx, route, dialect, req, res, ex, gone, settle, inspecting: false };
  if (phasesObserved()) res.on('finish', () => markPhase(ex.id, 'finished'));
  res.on('close', () => {
    if (!res.writableFinished) {
      ex.aborted = true;
      gone.abort();
      // Gone before its request was sent on (while it was read or inspected): nothing left,
      // which the record must not call a forward. Gone later (an assistant interrupted by its
      // user, mostly): a forward whose answer did not reach the client whole; the record says so.
      if (ex.decision === 'forward' && ex.errorCode === undefined) {
        if (!ex.forwarded) ex.decision = 'error';
        ex.errorCode = 'AIRLOCK_CLIENT_GONE';
      }
    }
    if (!scope.inspecting) settle(res.headersSent ? res.statusCode : 0);
  });
  res.setHeader('x-airlock-request-id', ex.id);

  try {
    // Without this, node:http hands the handshake over as a plain GET, which would go upstream
    // with its Upgrade header dropped and fail there in a way no client reads as "use HTTP".
    const upgrade = req.headers.upgrade;
    if (upgrade !== undefined && /\bwebsocket\b/i.test(upgrade))
      throw new AirlockError('AIRLOCK_WEBSOCKET_UNSUPPORTED', `${method} ${route.path}`);
    // Only a POST that no dialect took can spell an inspected endpoint another way; the requests
    // that are inspected (nearly all of them) skip the check.
    if (dialect.id === 'passthrough' && method === 'POST') refuseAlias(route, method, ex);
    const refused = ctx.admit?.();
    if (refused) throw refused;
    await handle(scope);
  } catch (err) {
    const error =
      err instanceof AirlockError
        ? err
        : new AirlockError('AIRLOCK_INTERNAL', (err as Error).message, { cause: err });
    if (ex.decision !== 'block') ex.decision = 'error';
    ex.errorCode = error.code;
    if (error.code === 'AIRLOCK_INTERNAL') ctx.log.error({ err, requestId: ex.id }, 'request failed');
    // Nobody to answer; reported now unless the client's leaving already was.
    if (gone.aborted) return settle(res.headersSent ? res.statusCode : 0);
    settle(res.headersSent ? res.statusCode : error.status, () => sendError(res, route.provider, error));
  }
}

/**
 * Throws when the request's path is another spelling of an inspected endpoint: forwarded as it
 * is, it would reach that endpoint at an upstream that normalises paths, uninspected.
 */
function refuseAlias(route: ProviderRoute, method: string, ex: Exchange): void {
  const alias = inspectedAlias(route.provider, method, route.path);
  if (!alias) return;
  // Recorded as the endpoint it aims at, so the audit log shows what was tried.
  ex.dialect = alias.dialect.id;
  const prefix = `/${route.provider}`;
  throw new AirlockError(
    'AIRLOCK_NONCANONICAL_PATH',
    `${prefix}${route.path} refused: use ${prefix}${alias.path}`,
  );
}

/** One exchange as the steps of its handling share it. */
interface ExchangeScope {
  ctx: ProxyContext;
  route: ProviderRoute;
  dialect: Dialect;
  req: IncomingMessage;
  res: ServerResponse;
  ex: Exchange;
  gone: ClientGone;
  settle: Settle;
  /**
   * The request is being inspected: a client that leaves meanwhile is reported once the
   * inspection ends, so that its record has the findings (bounded by timeouts.inspect_ms).
   */
  inspecting: boolean;
}

/**
 * Ends the exchange with this status: reports it (onExchange), then calls `send`, which sends
 * the answer's last bytes, once the report allows (at once, or when its promise settles).
 */
type Settle = (status: number, send?: () => void) => void;

async function handle(scope: ExchangeScope): Promise<void> {
  const { ctx, route, dialect, req, ex, gone } = scope;
  const limit = ctx.config.limits.max_body;
  const idleMs = ctx.config.timeouts.body_idle_ms;
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  // A body that is not JSON (an upload) is read as JSON never is, and only to be inspected.
  const codec = ctx.inspector === passThroughInspector ? undefined : dialect.codec;
  // A read-back GET's body, if it has one, is no dialect's to read: it goes as a passthrough one.
  const unread = dialect.id === 'passthrough' || dialect.readBack !== undefined;
  const readsJson = !unread && dialect.codec === undefined;
  if (hasBody && ctx.inspector === passThroughInspector && !ctx.captureBody && readsJson) {
    const streamed = streamBody(req, limit, (n) => (ex.bytesIn += n), idleMs);
    if (streamed) {
      await forwardWhileReading(scope, streamed);
      return;
    }
    if (req.headers['content-encoding'] === undefined) {
      await forwardAsRead(scope, await readBodyChunks(req, limit, (n) => (ex.bytesIn += n), idleMs));
      return;
    }
  }
  let wire: Buffer | undefined;
  let decoded: Buffer | undefined;
  let json: unknown;
  if (hasBody) {
    wire = await readBody(req, limit, (n) => (ex.bytesIn += n), idleMs);
    // A body sent to an endpoint no dialect reads (moderations, an image prompt, a Gemini action
    // Airlock does not know) leaves as it came, unless the policy refuses it: the audit log says
    // so, as for a binary upload. One that holds no text by design (an upload's /complete, `{}`)
    // is read for that, and goes as checked; a compressed one is not decoded (its bytes are no
    // such shape).
    if (
      unread &&
      wire.length > 0 &&
      ctx.inspector !== passThroughInspector &&
      !carriesNoText(route.provider, ex.method, route.path, wire)
    )
      ex.uninspected = [{ field: 'body', type: req.headers['content-type'] ?? '', bytes: wire.length }];
  }
  let scan: JsonScan | undefined;
  if (codec !== undefined && wire !== undefined) {
    const encoding = req.headers['content-encoding'];
    decoded = encoding === undefined ? wire : await decodeBody(wire, encoding, limit);
    markPhase(ex.id, 'read');
    json = await codec.decode(decoded, req.headers['content-type'], req.headers);
    ex.uninspected = codec.uninspected?.(json);
  } else if (readsJson && wire !== undefined) {
    const encoding = req.headers['content-encoding'];
    decoded = encoding === undefined ? wire : await decodeBody(wire, encoding, limit);
    // Inspected, and sent on, as the JSON after it (see blankBom).
    blankBom([decoded]);
    markPhase(ex.id, 'read');
    // Without an inspector nothing reads the parsed body: checking that it is JSON (a 400
    // otherwise) and finding its model is all that is needed, and much cheaper than parsing.
    if (ctx.inspector === passThroughInspector) scan = scanJson(decoded);
    if (scan === undefined) {
      try {
        // JSON.parse(decoded.toString('utf8')), without the slow UTF-8 decode of the whole body.
        json = parseJsonBytes(decoded);
      } catch (err) {
        throw new AirlockError('AIRLOCK_BAD_JSON', (err as Error).message);
      }
    }
  }
  markPhase(ex.id, 'parsed');
  const query = new URLSearchParams(route.search);
  // Dialects read the model from the body's top-level "model" key (or, Gemini, from the path).
  ex.model = dialect.model(scan ? { model: scan.model } : json, route.path);

  const tInspect = performance.now();
  let result: InspectResult;
  const inspecting: InspectRequest = {
    provider: route.provider,
    dialect,
    method: ex.method,
    path: route.path,
    query,
    headers: req.headers,
    body: json,
    // An upload's edits go into the value its codec writes back, never into its bytes.
    raw: codec === undefined ? decoded : undefined,
    // Not read again after inspection: the rewritten body may reuse its memory.
    rawOwned: true,
    uninspectedBody: unread ? ex.uninspected?.[0] : undefined,
  };
  const deadlineMs = ctx.config.timeouts.inspect_ms;
  scope.inspecting = true;
  try {
    const pending = ctx.inspector.inspect(inspecting);
    // A synchronous answer (the pass-through inspector's) needs no trip through the microtask queue.
    result =
      typeof (pending as Promise<InspectResult>).then === 'function'
        ? await withinMs(pending as Promise<InspectResult>, deadlineMs, () => {
            // Given up on (a vault or tracking store that stopped answering must not hold the
            // request forever): the body may now go as it came, so the inspector must not write over it.
            inspecting.rawOwned = false;
            return new Error(`inspection did not finish within ${deadlineMs} ms (timeouts.inspect_ms)`);
          })
        : (pending as InspectResult);
  } catch (err) {
    // A request the inspector refuses as malformed (AIRLOCK_TOO_DEEP) is the client's to fix,
    // whatever on_error says: inspection did not fail, the body cannot be inspected.
    if (err instanceof AirlockError) throw err;
    ctx.log.warn({ err: (err as Error).message, requestId: ex.id }, 'inspection failed');
    if (ctx.onInspectError === 'block')
      throw new AirlockError('AIRLOCK_INSPECTION_FAILED', (err as Error).message);
    result = { action: 'forward', summary: { findings: [], mode: 'on_error=allow' } };
  } finally {
    scope.inspecting = false;
  }
  ex.inspectMs = performance.now() - tInspect;
  markPhase(ex.id, 'inspected');
  ex.summary = result.summary;
  // The client left while its request was inspected: it is not sent on, and is reported now.
  if (gone.aborted) return scope.settle(0);
  if (result.action === 'block') {
    ex.decision = 'block';
    throw new AirlockError(result.code ?? 'AIRLOCK_POLICY_BLOCKED', result.message);
  }

  // The body to send: rewritten, or decoded when it came compressed, or the wire bytes as they are.
  let body: Buffer | undefined = wire;
  let bodyRewritten = false;
  if (codec !== undefined && json !== undefined) {
    // Written anew even when unchanged: what leaves is what was inspected, nothing the parser skipped.
    body = codec.encode(result.body ?? json);
    bodyRewritten = true;
  } else if (result.bodyBytes !== undefined) {
    body = result.bodyBytes;
    bodyRewritten = true;
  } else if (result.body !== undefined) {
    body = Buffer.from(JSON.stringify(result.body));
    bodyRewritten = true;
  } else if (decoded !== undefined && decoded !== wire) {
    body = decoded;
    bodyRewritten = true;
  }
  const { restorer, readBack } = result;
  const headers = upstreamRequestHeaders(req.headers, {
    bodyRewritten,
    removed:
      dialect.removedHeaders === undefined
        ? result.removeHeaders
        : [...(result.removeHeaders ?? []), ...dialect.removedHeaders],
    set: result.setHeaders,
    // The gateway must read what it restores; everything else streams through encoded.
    acceptEncoding: restorer || readBack ? 'identity' : undefined,
  });
  if (bodyRewritten && body) headers['content-length'] = String(body.length);
  if (ctx.captureBody && body && !unread) ex.forensicBody = body.toString('utf8');

  // Restored element by element, as SSE events are; other JSON answers are restored whole.
  const jsonArray = restorer !== undefined && dialect.streamsJsonArray?.(route.path, query) === true;
  await dispatchUpstream(scope, headers, body, restorer, jsonArray, readBack);
}

/**
 * The gateway with no inspector and a large body: the body goes upstream while it arrives (see
 * streamed-body.ts). Nothing reads the parsed body, so no step waits for all of it but the check.
 */
async function forwardWhileReading(scope: ExchangeScope, streamed: StreamedBody): Promise<void> {
  const { route, dialect, req, res, ex, gone } = scope;
  ex.summary = passThroughSummary;
  const headers = upstreamRequestHeaders(req.headers, { bodyRewritten: false });
  const forwarding = dispatchUpstream(scope, headers, streamed.body, undefined, false);
  // It may fail (upstream unreachable) while the body still arrives: reported once it is in.
  forwarding.catch(() => streamed.abandon());
  let scan: JsonScan;
  try {
    scan = await streamed.verdict;
  } catch (err) {
    // The body broke off: the client is gone, nobody to answer. One that fell silent is still
    // there, and hears why (its upstream request broke off with the body).
    if (!req.complete && (err as AirlockError).code !== 'AIRLOCK_BODY_TIMEOUT') gone.abort();
    // An upstream that answered before the body was in (a 413, say) has the answer under way:
    // it ends as the relay ends it, since the upstream now sees the request break off.
    if (res.headersSent) return forwarding;
    // Or it is not JSON: its upstream request was dropped unanswered; the client hears why.
    throw err;
  }
  markPhase(ex.id, 'read');
  markPhase(ex.id, 'parsed');
  markPhase(ex.id, 'inspected');
  ex.model = dialect.model({ model: scan.model }, route.path);
  await forwarding;
}

/**
 * The gateway with no inspector and a body read whole: checked in the chunks it came in and
 * sent on as them (see readBodyChunks), the upstream request letting go of each once written.
 */
async function forwardAsRead(scope: ExchangeScope, read: BodyChunks): Promise<void> {
  const { route, dialect, req, ex } = scope;
  ex.bytesIn = read.size;
  markPhase(ex.id, 'read');
  blankBom(read.chunks);
  const scan = scanJsonChunks(read.chunks, read.size);
  if (scan === undefined) {
    try {
      parseJsonBytes(joinChunks(read));
    } catch (err) {
      throw new AirlockError('AIRLOCK_BAD_JSON', (err as Error).message);
    }
  }
  markPhase(ex.id, 'parsed');
  ex.model = dialect.model({ model: scan?.model }, route.path);
  markPhase(ex.id, 'inspected');
  ex.summary = passThroughSummary;
  const headers = upstreamRequestHeaders(req.headers, { bodyRewritten: false });
  const body = read.chunks.length === 1 ? read.chunks[0] : handOver(read.chunks);
  await dispatchUpstream(scope, headers, body, undefined, false);
}

/** The chunks one by one, each forgotten here as it is handed over. */
function* handOver(chunks: (Buffer | undefined)[]): Generator<Buffer> {
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    chunks[i] = undefined;
    yield chunk;
  }
}

/** Sends the request upstream and relays the answer; settles when the exchange is over. */
function dispatchUpstream(
  { ctx, route, dialect, req, res, ex, gone, settle }: ExchangeScope,
  headers: Record<string, string | string[]>,
  body: Buffer | Readable | Iterable<Buffer> | undefined,
  restorer: Restorer | undefined,
  jsonArray: boolean,
  readBack?: ReadBackRestorer,
): Promise<void> {
  const target = ctx.upstreams.target(route.provider);
  const { onForwarded } = ctx;
  const rewrite = dialect.answerHeaders;
  const answerHeaders =
    rewrite &&
    ((headers: Record<string, string | string[] | undefined>) =>
      rewrite(headers, target.origin + target.basePath, gatewayUrl(req, route.provider)));
  return new Promise<void>((resolve, reject) => {
    const relay = new Relay(
      ctx,
      route.provider,
      target.origin,
      res,
      ex,
      restorer,
      jsonArray,
      gone,
      settle,
      resolve,
      reject,
      answerHeaders,
      readBack && {
        restorer: readBack,
        sized: dialect.readBack?.sized === true,
        rewriteUrl: (url) => atGateway(url, target.origin + target.basePath, gatewayUrl(req, route.provider)),
      },
    );
    const send = () => {
      relay.turnCame();
      try {
        ctx.upstreams.dispatcher(route.provider).dispatch(
          {
            origin: target.origin,
            path: target.basePath + route.path + route.search,
            method: ex.method as Dispatcher.HttpMethod,
            headers,
            // undici documents (and takes) iterables of chunks, which its types leave out.
            body: body as Buffer | Readable | undefined,
          },
          relay,
        );
        ex.forwarded = true;
        markPhase(ex.id, 'forwarded');
        // After undici's own write of the request, which it may also have deferred to an immediate.
        if (onForwarded) setImmediate(() => relay.forwarded(onForwarded));
      } catch (err) {
        relay.onResponseError(undefined, err as Error);
      }
    };
    // Before the turn, which may start the request at once: until undici has a connection for
    // it, a client that leaves ends the relay there and then (onRequestStart takes over).
    gone.onAbort(() => relay.leftWhileWaiting());
    relay.waitForTurn(ctx.upstreams.turn(route.provider, send), ctx.config);
  });
}

/** A URL at the upstream as the same URL through the gateway; any other URL as it is. */
function atGateway(url: string, upstream: string, gateway: string): string {
  return url.startsWith(upstream) && /^[/?]/.test(url.slice(upstream.length))
    ? gateway + url.slice(upstream.length)
    : url;
}

/** The gateway's URL for `provider` as this client reaches it (`http://127.0.0.1:8789/gemini`). */
function gatewayUrl(req: IncomingMessage, provider: Provider): string {
  const host = req.headers.host ?? `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? ''}`;
  return `http://${host}/${provider}`;
}

/**
 * A restored JSON answer larger than this goes to the client a slice at a time as it reads, not
 * in one write (see Relay.finish).
 */
const RESTORED_SLICE = 64 * 1024;

/**
 * Seconds a client answered AIRLOCK_UPSTREAM_QUEUE_TIMEOUT is told to wait (`retry-after`): the
 * connections it waited for are held by answers that take seconds to minutes.
 */
const QUEUE_TIMEOUT_RETRY_AFTER_S = 5;

/** A JSON answer to restore that is, or decodes to, more than limits.max_answer. */
function answerTooLarge(limit: number): AirlockError {
  return new AirlockError('AIRLOCK_ANSWER_TOO_LARGE', `more than limits.max_answer, ${limit} bytes`);
}

function isSse(headers: Record<string, string | string[] | undefined>): boolean {
  const type = headers['content-type'];
  return typeof type === 'string' && type.startsWith('text/event-stream');
}

/**
 * Whether an answer that may be anything (a file's content, ReadBack.sized) is held to be
 * restored: a size declared within `max`, and a type that text may have (a file's content comes
 * as application/octet-stream whatever it holds; an image, a PDF or an archive says so).
 */
function mayHoldText(headers: Record<string, string | string[] | undefined>, max: number): boolean {
  const declared = declaredSize(headers);
  if (declared === 0 || declared > max) return false;
  const type = headers['content-type'];
  return (
    typeof type !== 'string' ||
    /^(?:text\/|application\/(?:octet-stream|json|jsonl|x-jsonl|x-ndjson|jsonlines)\b)/i.test(type)
  );
}

/** The answer's content-length, or 0 when it declares none. */
function declaredSize(headers: Record<string, string | string[] | undefined>): number {
  const length = headers['content-length'];
  return typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : 0;
}

function isJson(headers: Record<string, string | string[] | undefined>): boolean {
  const type = headers['content-type'];
  return typeof type === 'string' && type.includes('json');
}

/** What a streamed answer to restore runs through: bytes in, the bytes to send out. */
interface AnswerTransform {
  push(chunk: Buffer): Buffer;
  /** What is still held when the answer is complete. */
  end(): Buffer;
  /**
   * What is held when the answer broke off, as whole events a client can still read (an event
   * cut in half is not one); absent where nothing readable can follow a break.
   */
  abort?(): Buffer;
}

/** An SSE answer through the restorer, event by event. */
function sseRestoring(stream: StreamRestorer): AnswerTransform {
  const parser = new SseParser();
  return {
    push: (chunk) => Buffer.concat(parser.push(chunk).map((ev) => stream.event(ev))),
    end: () => Buffer.concat([...parser.end().map((ev) => stream.event(ev)), stream.end()]),
    abort: () => stream.end(),
  };
}

/** The client went away: stops the upstream request, now or as soon as it has one. */
class ClientGone {
  aborted = false;
  private stop: (() => void) | undefined;

  abort(): void {
    this.aborted = true;
    this.stop?.();
  }

  onAbort(stop: () => void): void {
    this.stop = stop;
    if (this.aborted) stop();
  }
}

/**
 * One upstream request and the relay of its answer, driven by undici's dispatch callbacks:
 * chunks go to the client as the parser hands them over (no Readable in between, no async
 * iteration), with backpressure by pausing the upstream. Settles the promise `handle` waits on
 * when the exchange is over; rejects, for `proxyRequest` to answer with an error, only before
 * the answer started (or while a JSON answer to restore is being collected).
 *   - Raw: the bytes as received, for every answer without surrogates to restore.
 *   - SSE restoring: event by event through the restorer.
 *   - JSON restoring: collected whole (up to limits.max_answer), restored, sent.
 */
class Relay implements Dispatcher.DispatchHandler {
  private readonly tUpstream = performance.now();
  private controller: Dispatcher.DispatchController | undefined;
  private done = false;
  private started = false;
  private statusCode = 0;
  private sse = false;
  /**
   * The answer goes to the client in a content-encoding the gateway does not undo: nothing can
   * be written into it at a break (an error event in plain text would be read as corrupt data).
   */
  private encodedThrough = false;
  /** Set while collecting a JSON answer to restore. */
  private collected: Buffer[] | undefined;
  private collectedSize = 0;
  /** The `content-encoding` of the answer collected, when it came compressed all the same. */
  private collectedEncoding: string | undefined;
  private headers: Record<string, string | string[] | undefined> = {};
  /** Restores a streamed answer (SSE events, or a JSON array's elements) as its chunks come. */
  private transform: AnswerTransform | undefined;
  /**
   * Restores an SSE answer read back later as it comes, asking the vault on the way: chunks wait
   * in `liveQueue` while it is asked (`liveBusy`), the upstream paused (see relayLive).
   */
  private live: ReadBackStream | undefined;
  private readonly liveQueue: Buffer[] = [];
  private liveBusy = false;
  /** The upstream broke off while chunks before the break still waited for the vault. */
  private liveBroke: Error | undefined;
  /** Undoes the compression of a stream that came compressed although identity was asked for. */
  private decoder: StreamDecoder | undefined;
  /** The decoder's input is full: the upstream is paused until it drains. */
  private decoderFull = false;
  /** Waiting for the client to drain; `ended` when the upstream finished meanwhile. */
  private waiting = false;
  private ended = false;
  /** Something of the body went to the client (and the headers with it). */
  private wrote = false;
  /** The client's headers for an answer that is not a stream, until its first byte goes. */
  private head: OutgoingHttpHeaders | undefined;
  /**
   * Bytes of a raw answer with a content-length still to come, and its last byte, held back
   * until the exchange is reported: with a content-length the client has the whole answer with
   * that byte, not with the end that follows it (see finish).
   */
  private lengthLeft: number | undefined;
  private lastByte: Buffer | undefined;
  /** A raw SSE answer: the part of an event not yet complete is held (see whole-events.ts). */
  private wholeEvents: WholeEvents | undefined;
  /** A restored JSON answer being sent a slice at a time, and how much of it went. */
  private restored: Buffer | undefined;
  private restoredSent = 0;
  /** This exchange's part of ProxyContext.answersHeld, given back when the relay is over. */
  private heldSize = 0;
  /** The request's place among limits.max_upstream_connections, released when it is done with it. */
  private turn: UpstreamTurn | undefined;
  /** Runs while the request waits for its turn (timeouts.queue_ms). */
  private queueTimer: NodeJS.Timeout | undefined;
  /** undici is done with the request, or it was never dispatched (see doneWithConnection). */
  private connectionDone = false;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly provider: Provider,
    private readonly origin: string,
    private readonly res: ServerResponse,
    private readonly ex: Exchange,
    private readonly restorer: Restorer | undefined,
    /** The answer, when JSON, is an array streamed element by element (see json-array-stream.ts). */
    private readonly jsonArray: boolean,
    private readonly gone: ClientGone,
    private readonly settle: Settle,
    private readonly resolved: () => void,
    private readonly rejected: (err: unknown) => void,
    /** Rewrites the answer's headers in place before they are relayed (Dialect.answerHeaders). */
    private readonly answerHeaders?: (headers: Record<string, string | string[] | undefined>) => void,
    /** The answer is read back later: collected whole and restored through the vault. */
    private readonly readBack?: {
      restorer: ReadBackRestorer;
      rewriteUrl: (url: string) => string;
      /** Held only when it may be text of a size declared within limits.max_answer (ReadBack.sized). */
      sized: boolean;
    },
  ) {}

  /**
   * Counts `size` more bytes of a non-streamed answer held whole against limits.max_answers_held;
   * throws AIRLOCK_ANSWERS_HELD_FULL when the gateway holds that much already.
   */
  private hold(size: number): void {
    const { ctx } = this;
    const budget = ctx.config.limits.max_answers_held;
    if (ctx.answersHeld + size > budget)
      throw new AirlockError(
        'AIRLOCK_ANSWERS_HELD_FULL',
        `${ctx.answersHeld} bytes held, ${size} more asked for, limits.max_answers_held ${budget}`,
      );
    ctx.answersHeld += size;
    this.heldSize += size;
  }

  /** The relay is over (its promise settles): what it held of limits.max_answers_held is free. */
  private resolve(): void {
    clearTimeout(this.queueTimer);
    this.ctx.answersHeld -= this.heldSize;
    this.heldSize = 0;
    this.resolved();
  }

  private reject(err: unknown): void {
    clearTimeout(this.queueTimer);
    this.ctx.answersHeld -= this.heldSize;
    this.heldSize = 0;
    this.rejected(err);
  }

  /** Hands the exchange to `listener` unless it is over already. */
  forwarded(listener: ExchangeListener): void {
    if (this.done) return;
    try {
      listener(this.ex);
    } catch (err) {
      this.ctx.log.warn({ err: (err as Error).message, requestId: this.ex.id }, 'onForwarded failed');
    }
  }

  /**
   * Bounds the wait for a turn among limits.max_upstream_connections (see Upstreams.turn), which
   * nothing else bounds: a request that waits longer is answered 503, never sent. Called with the
   * turn just taken, whose `start` may have run already (the request then waited for nothing).
   */
  waitForTurn(turn: UpstreamTurn, config: Config): void {
    this.turn = turn;
    // Dispatched at once and failed at once (undici calls onResponseError from dispatch): done.
    if (this.connectionDone) this.doneWithConnection();
    if (!turn.waiting) return;
    // Its client left already (gone.onAbort ran leftWhileWaiting before the turn was taken).
    if (this.done) {
      this.doneWithConnection();
      return;
    }
    const ms = config.timeouts.queue_ms;
    this.queueTimer = setTimeout(() => {
      // One callback at a time: the turn came (and cleared this timer) or it has not.
      if (this.done || !turn.waiting) return;
      this.done = true;
      // Out of the line: nothing of it was sent (ex.forwarded stays false), and its body is free.
      turn.release();
      this.res.setHeader('retry-after', String(QUEUE_TIMEOUT_RETRY_AFTER_S));
      this.reject(
        new AirlockError(
          'AIRLOCK_UPSTREAM_QUEUE_TIMEOUT',
          `${this.origin}: none of its limits.max_upstream_connections ${config.limits.max_upstream_connections} ` +
            `free within timeouts.queue_ms ${ms}`,
        ),
      );
    }, ms);
  }

  /** The request's turn came: it is dispatched now. */
  turnCame(): void {
    clearTimeout(this.queueTimer);
  }

  /** The client left before undici had a connection for its request: the relay is over at once. */
  leftWhileWaiting(): void {
    if (this.controller) return;
    // Still in the line: it leaves it (when already dispatched, undici's error for it releases the turn).
    if (this.turn?.waiting) this.turn.release();
    this.close();
  }

  /** undici is done with the request (its answer ended, or it failed): the next one may go. */
  private doneWithConnection(): void {
    this.connectionDone = true;
    this.turn?.release();
    this.turn = undefined;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    this.gone.onAbort(() => controller.abort(new errors.RequestAbortedError()));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // Informational answers (103 Early Hints) are not relayed.
    if (statusCode < 200 || this.done) return;
    this.started = true;
    this.ex.upstreamMs = performance.now() - this.tUpstream;
    markPhase(this.ex.id, 'answered');
    this.statusCode = statusCode;
    this.answerHeaders?.(headers);
    this.headers = headers;
    const { res, restorer } = this;
    try {
      const encoding = headers['content-encoding'];
      const encoded = typeof encoding === 'string' && encoding !== 'identity';
      const ok = statusCode >= 200 && statusCode < 300;
      this.sse = isSse(headers);
      if ((restorer || this.readBack) && ok) {
        const json = !this.sse && isJson(headers);
        // Asked for identity (see dispatchUpstream). A whole JSON answer compressed all the same
        // is decoded once collected, a stream (SSE, a JSON array) as it comes; an answer in a
        // coding that cannot be undone goes through as it came, and the assistant then sees
        // surrogates: say so where someone will look. An answer read back later is collected
        // whole (JSON, JSON Lines, or events that came compressed): its surrogates are looked up
        // once all of it is in; its events, as they come (see relayLive).
        const { readBack } = this;
        if (readBack && this.sse && !encoded)
          this.live = readBack.restorer.stream((err) =>
            this.ctx.log.warn(
              { err: (err as Error).message, requestId: this.ex.id },
              'answer read back not restored; sent as received',
            ),
          );
        const whole =
          readBack === undefined
            ? json && !this.jsonArray
            : !this.live && (!readBack.sized || mayHoldText(headers, this.ctx.config.limits.max_answer));
        if (whole && (!encoded || canDecode(encoding))) {
          // An answer that says it is too large is refused before it is read; one that says its
          // size has it held at once (see hold).
          const declared = declaredSize(headers);
          if (declared > this.ctx.config.limits.max_answer)
            throw answerTooLarge(this.ctx.config.limits.max_answer);
          if (declared > 0) this.hold(declared);
          this.collected = [];
          this.collectedEncoding = encoded ? encoding : undefined;
          return;
        }
        if (encoded && restorer && (this.sse || json)) this.decoder = this.startDecoder(encoding);
        if (encoded && !this.decoder)
          this.ctx.log.warn(
            { requestId: this.ex.id, contentEncoding: encoding },
            'the upstream compressed its answer although asked not to; surrogates in it are not restored',
          );
        // Set before the headers: a restored stream's length differs from the upstream's
        // content-length, which they then leave out.
        else if (restorer && this.sse) this.transform = sseRestoring(restorer.stream());
        else if (restorer && json)
          this.transform = new JsonArrayStreamRestorer(
            restorer.stream(),
            (body) => this.restoredJson(body),
            this.ctx.config.limits.max_answer,
          );
      }
      // Relayed as it came, whole events at a time, so that an error event after a break is one.
      // Also a stream that came with a content-length (an upstream or a proxy that buffers): it
      // goes on without one (chunked), since an error event written into a declared length was
      // read as part of the stream, and the client then waited for the bytes still declared.
      if (this.sse && !this.transform && !this.live && !this.decoder && !encoded)
        this.wholeEvents = new WholeEvents(DEFAULT_MAX_EVENT_SIZE);
      const head = clientResponseHeaders(headers, {
        bodyRewritten:
          this.transform !== undefined || this.live !== undefined || this.wholeEvents !== undefined,
      });
      // A stream's status goes out now; any other answer's with its first byte, so that an
      // upstream that stalls or breaks off before one still gets its client an error answer
      // (a 504 in the provider's shape), not a connection closed with nothing on it.
      if (this.sse) res.writeHead(statusCode, head);
      else this.head = head;
      const length = headers['content-length'];
      if (
        !this.transform &&
        !this.live &&
        !this.wholeEvents &&
        typeof length === 'string' &&
        /^\d+$/.test(length)
      )
        this.lengthLeft = Number(length);
      this.encodedThrough = encoded && !this.decoder;
      // A stream's headers go out at once (the client waits for them): with the first event when
      // it came in the same read, else on their own right after. A JSON answer's ride with its body.
      if (this.sse) {
        queueMicrotask(() => {
          if (!this.wrote && !this.done && !res.destroyed) res.flushHeaders();
        });
      }
    } catch (err) {
      this.failBeforeAnswer(err);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return;
    if (this.decoder) {
      // Decoded off the event loop; the upstream waits while the decoder is full (chunks already
      // on their way when it paused still go in; one 'drain' resumes it).
      if (!this.decoder.input.write(chunk) && !this.decoderFull) {
        this.decoderFull = true;
        controller.pause();
        this.decoder.input.once('drain', () => {
          this.decoderFull = false;
          controller.resume();
        });
      }
      return;
    }
    if (this.collected) {
      this.collectedSize += chunk.length;
      try {
        if (this.collectedSize > this.ctx.config.limits.max_answer)
          throw answerTooLarge(this.ctx.config.limits.max_answer);
        if (this.collectedSize > this.heldSize) this.hold(this.collectedSize - this.heldSize);
      } catch (err) {
        this.failBeforeAnswer(err);
        return;
      }
      this.collected.push(chunk);
      return;
    }
    if (this.live) {
      this.liveQueue.push(chunk);
      if (!this.liveBusy) this.relayLive();
      return;
    }
    try {
      let out = this.transform
        ? this.transform.push(chunk)
        : this.wholeEvents
          ? this.wholeEvents.push(chunk)
          : chunk;
      if (this.lengthLeft !== undefined && out.length > 0) {
        this.lengthLeft -= out.length;
        if (this.lengthLeft <= 0) {
          this.lengthLeft = undefined;
          this.lastByte = out.subarray(out.length - 1);
          this.ex.bytesOut += 1;
          out = out.subarray(0, out.length - 1);
        }
      }
      if (out.length > 0 && !this.write(out)) controller.pause();
    } catch (err) {
      this.brokeOff(err);
    }
  }

  onResponseEnd(): void {
    this.doneWithConnection();
    if (this.done) return;
    markPhase(this.ex.id, 'answer-end');
    if (this.live && (this.liveBusy || this.liveQueue.length > 0)) {
      // Chunks still wait for the vault: relayLive finishes once they went.
      this.ended = true;
      return;
    }
    // The decoder's end finishes the answer (see startDecoder).
    if (this.decoder) {
      this.decoder.input.end();
      return;
    }
    if (this.collected) {
      const { collected } = this;
      // Let go of the chunks as soon as they are copied into one: restoring takes enough memory.
      this.collected = undefined;
      const raw = collected.length === 1 ? collected[0]! : Buffer.concat(collected, this.collectedSize);
      collected.length = 0;
      if (this.collectedEncoding === undefined) this.sendRestoredJson(raw);
      else this.decodeAndRestore(raw, this.collectedEncoding);
      return;
    }
    this.ended = true;
    if (!this.waiting) this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.doneWithConnection();
    if (this.done) return;
    if (this.gone.aborted) {
      this.close();
      return;
    }
    if (!this.started) {
      this.done = true;
      this.reject(upstreamError(err, this.origin));
    } else if (this.live && (this.liveBusy || this.liveQueue.length > 0)) {
      // What came before the break goes first, once the vault answered (see relayLive).
      this.liveBroke = err;
    } else if (this.collected) {
      // Nothing of the answer went out yet: the client can still hear why, as before one started.
      this.done = true;
      this.reject(upstreamError(err, `answer from ${this.origin}`, true));
    } else {
      this.brokeOff(err);
    }
  }

  /**
   * Relays the chunks of a live read-back in order: each at once when the vault need not be
   * asked, else the upstream is paused until it answered, and what came meanwhile waits behind
   * it. A client that must drain first pauses it too ('drain' calls this again). Once nothing
   * waits, the upstream goes on, or the answer ends or breaks off as it did meanwhile.
   */
  private relayLive(): void {
    const live = this.live!;
    while (!this.done && !this.liveBusy && !this.waiting) {
      const chunk = this.liveQueue.shift();
      if (chunk === undefined) break;
      let out: Buffer | Promise<Buffer>;
      try {
        out = live.push(chunk);
      } catch (err) {
        this.brokeOff(err);
        return;
      }
      if (Buffer.isBuffer(out)) {
        if (out.length > 0 && !this.write(out)) this.controller?.pause();
        continue;
      }
      this.liveBusy = true;
      this.controller?.pause();
      out.then(
        (restored) => {
          this.liveBusy = false;
          if (this.done) return;
          if (restored.length > 0 && !this.write(restored)) return;
          this.relayLive();
        },
        (err: unknown) => {
          this.liveBusy = false;
          if (!this.done) this.brokeOff(err);
        },
      );
      return;
    }
    if (this.done || this.liveBusy || this.waiting) return;
    if (this.liveBroke) this.brokeOff(this.liveBroke);
    else if (this.ended) this.finish();
    else this.controller?.resume();
  }

  /** The live read-back's last events (one may still wait for the vault), then the end. */
  private endLive(live: ReadBackStream): void {
    let tail: Buffer | Promise<Buffer>;
    try {
      tail = live.end();
    } catch (err) {
      this.brokeOff(err);
      return;
    }
    const ended = (out: Buffer) => {
      this.live = undefined;
      if (out.length > 0 && !this.write(out)) return;
      this.finish();
    };
    if (Buffer.isBuffer(tail)) {
      ended(tail);
      return;
    }
    this.liveBusy = true;
    tail.then(
      (out) => {
        this.liveBusy = false;
        if (!this.done) ended(out);
      },
      (err: unknown) => {
        this.liveBusy = false;
        if (!this.done) this.brokeOff(err);
      },
    );
  }

  /** Writes to the client; false when it must drain first (the relay resumes on 'drain'). */
  private write(data: Buffer): boolean {
    const { res } = this;
    this.writeHead();
    this.ex.bytesOut += data.length;
    this.wrote = true;
    if (res.write(data)) return true;
    if (res.destroyed) {
      this.close();
      return false;
    }
    this.waiting = true;
    const limit = this.ctx.config.timeouts.send_idle_ms;
    const stalled = setTimeout(() => {
      res.off('drain', onDrain).off('close', onClose);
      this.clientStalled(limit);
    }, limit);
    const onDrain = () => {
      clearTimeout(stalled);
      res.off('close', onClose);
      this.waiting = false;
      if (this.done) return;
      if (this.live) this.relayLive();
      else if (this.ended) this.finish();
      else if (this.decoder) this.decoder.output.resume();
      else this.controller?.resume();
    };
    const onClose = () => {
      clearTimeout(stalled);
      res.off('drain', onDrain);
      this.close();
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
    return false;
  }

  /**
   * The client read nothing for timeouts.send_idle_ms while its answer waited: it is cut off, and
   * its upstream request with it (proxyRequest's 'close' handler aborts it and reports the exchange).
   */
  private clientStalled(limit: number): void {
    if (this.done) return;
    this.ex.errorCode ??= 'AIRLOCK_CLIENT_STALLED';
    this.ctx.log.warn(
      { requestId: this.ex.id },
      `the client read nothing of its answer for ${limit} ms (timeouts.send_idle_ms): its connection and upstream request are closed`,
    );
    this.res.destroy();
    this.close();
  }

  /** The answer's status and headers, unless they went already. */
  private writeHead(): void {
    const { head } = this;
    if (head === undefined) return;
    this.head = undefined;
    this.res.writeHead(this.statusCode, head);
  }

  /** The upstream answer is complete: what the restorer still holds, then the end. */
  private finish(): void {
    const { restored } = this;
    if (restored) {
      // A restored JSON answer too large for one write: all but its last byte a slice at a time,
      // each after the client drained the one before (timeouts.send_idle_ms times every wait).
      const last = restored.length - 1;
      while (this.restoredSent < last) {
        const from = this.restoredSent;
        this.restoredSent = Math.min(from + RESTORED_SLICE, last);
        if (!this.write(restored.subarray(from, this.restoredSent))) return;
      }
      this.restored = undefined;
      this.lastByte = restored.subarray(last);
      this.ex.bytesOut += 1;
    }
    const { transform } = this;
    if (transform) {
      let tail: Buffer;
      try {
        tail = transform.end();
      } catch (err) {
        this.brokeOff(err);
        return;
      }
      this.transform = undefined;
      if (tail.length > 0 && !this.write(tail)) return;
    }
    if (this.live) {
      this.endLive(this.live);
      return;
    }
    const { wholeEvents } = this;
    if (wholeEvents) {
      // The answer ended inside an event: its part goes as it came, its last byte after the report.
      this.wholeEvents = undefined;
      const rest = wholeEvents.release();
      if (rest.length > 0) {
        this.lastByte = rest.subarray(rest.length - 1);
        this.ex.bytesOut += 1;
        if (rest.length > 1 && !this.write(rest.subarray(0, rest.length - 1))) return;
      }
    }
    this.done = true;
    this.settle(this.statusCode, () => {
      this.writeHead();
      this.res.end(this.lastByte);
      this.resolve();
    });
  }

  /** A whole JSON answer restored, or as received when it cannot be (logged). */
  private restoredJson(raw: Buffer): Buffer {
    try {
      const answer: unknown = JSON.parse(raw.toString('utf8'));
      this.restorer!.json(answer);
      return Buffer.from(JSON.stringify(answer));
    } catch (err) {
      this.ctx.log.warn(
        { err: (err as Error).message, requestId: this.ex.id },
        'answer not restorable; sent as received',
      );
      return raw;
    }
  }

  private sendRestoredJson(raw: Buffer): void {
    this.done = true;
    const { readBack } = this;
    if (readBack === undefined) {
      this.sendRestored(this.restoredJson(raw));
      return;
    }
    readBack.restorer.restore(raw, this.sse, readBack.rewriteUrl).then(
      (out) => {
        if (this.gone.aborted) this.resolve();
        else this.sendRestored(out);
      },
      (err: unknown) => {
        // The vault did not answer: the surrogates stay, as they did before this was restored.
        this.ctx.log.warn(
          { err: (err as Error).message, requestId: this.ex.id },
          'answer read back not restored; sent as received',
        );
        if (this.gone.aborted) this.resolve();
        else this.sendRestored(raw);
      },
    );
  }

  /** A whole answer, restored: at once, or as the client reads it when large. */
  private sendRestored(out: Buffer): void {
    const headers = {
      ...clientResponseHeaders(this.headers, { bodyRewritten: true }),
      'content-length': out.length,
    };
    // Small (most answers): in one write after the report, as before. Larger: sent as the client
    // reads it, so that one that stops reading is cut after timeouts.send_idle_ms (see finish).
    if (out.length <= RESTORED_SLICE) {
      this.sendWhole(out, headers);
      return;
    }
    this.done = false;
    this.head = headers;
    this.restored = out;
    this.ended = true;
    this.finish();
  }

  /** A whole answer, headers and body, its end once the exchange is reported. */
  private sendWhole(body: Buffer, headers: OutgoingHttpHeaders): void {
    const { res, ex } = this;
    try {
      res.writeHead(this.statusCode, headers);
    } catch (err) {
      this.reject(err);
      return;
    }
    ex.bytesOut = body.length;
    this.settle(this.statusCode, () => {
      res.end(body);
      this.resolve();
    });
  }

  /**
   * A whole JSON answer that came compressed although identity was asked for: decoded (within
   * limits.max_answer), restored and sent uncompressed; one that does not decode goes as it came.
   */
  private decodeAndRestore(raw: Buffer, encoding: string): void {
    this.done = true;
    decodeBody(raw, encoding, this.ctx.config.limits.max_answer).then(
      (decoded) => {
        if (this.gone.aborted) {
          this.resolve();
          return;
        }
        // The decoded answer is held as well, until it is sent.
        try {
          this.hold(decoded.length);
        } catch (err) {
          this.reject(err);
          return;
        }
        this.sendRestoredJson(decoded);
      },
      (err: unknown) => {
        if ((err as AirlockError).code === 'AIRLOCK_DECODED_TOO_LARGE') {
          this.reject(answerTooLarge(this.ctx.config.limits.max_answer));
          return;
        }
        this.ctx.log.warn(
          { err: (err as Error).message, requestId: this.ex.id },
          'answer not decodable; sent as received',
        );
        if (this.gone.aborted) this.resolve();
        else this.sendWhole(raw, clientResponseHeaders(this.headers, { bodyRewritten: false }));
      },
    );
  }

  /**
   * A decoder for a stream compressed in `encoding`, its output restored and relayed as it comes
   * (paused while the client drains), its end the answer's; undefined if it cannot be decoded.
   */
  private startDecoder(encoding: string): StreamDecoder | undefined {
    const decoder = streamDecoder(encoding);
    if (!decoder) return undefined;
    const { output } = decoder;
    output.on('data', (decoded: Buffer) => {
      if (this.done) return;
      try {
        const out = this.transform!.push(decoded);
        if (out.length > 0 && !this.write(out)) output.pause();
      } catch (err) {
        this.brokeOff(err);
      }
    });
    output.on('end', () => {
      if (this.done) return;
      this.ended = true;
      if (!this.waiting) this.finish();
    });
    output.on('error', (err) => {
      if (!this.done) this.brokeOff(err);
    });
    return decoder;
  }

  /** Nothing of the answer was sent yet: stop the upstream, let proxyRequest answer the error. */
  private failBeforeAnswer(err: unknown): void {
    this.done = true;
    this.controller?.abort(err as Error);
    this.reject(err);
  }

  /** The answer broke off after its headers went out: end it the way the provider would. */
  private brokeOff(err: unknown): void {
    const { ex, res } = this;
    this.done = true;
    this.decoder?.destroy();
    this.controller?.abort(err as Error);
    if (this.gone.aborted) {
      this.resolve();
      return;
    }
    // Nothing of the answer went out yet: the client hears why, as before the answer began.
    if (this.head !== undefined) {
      this.head = undefined;
      this.reject(err instanceof AirlockError ? err : upstreamError(err, `answer from ${this.origin}`, true));
      return;
    }
    // Headers are gone: end the stream the way the provider would, never with a 500. An error of
    // the gateway's own (an answer past limits.max_answer) keeps its code.
    const error = err instanceof AirlockError ? err : upstreamError(err, 'upstream answer', true);
    ex.decision = 'error';
    ex.errorCode = error.code;
    this.ctx.log.warn({ err: (err as Error).message, requestId: ex.id }, 'upstream answer broke off');
    // Text the restorer held back (a surrogate that could still have grown) arrived before the
    // break: the client gets it, restored, before the error, as it would without the gateway.
    const held = this.heldAtBreak();
    this.settle(this.statusCode, () => {
      if (this.sse && !res.destroyed && !this.encodedThrough) {
        const end = streamErrorEvent(this.provider, error);
        ex.bytesOut += held.length;
        res.end(held.length > 0 ? Buffer.concat([held, end]) : end);
      } else {
        res.destroy(error);
      }
      this.resolve();
    });
  }

  private heldAtBreak(): Buffer {
    const transform = this.transform ?? this.live;
    this.transform = undefined;
    this.live = undefined;
    if (!this.sse || transform?.abort === undefined) return Buffer.alloc(0);
    try {
      return transform.abort();
    } catch (err) {
      this.ctx.log.warn({ err: (err as Error).message, requestId: this.ex.id }, 'held text not restorable');
      return Buffer.alloc(0);
    }
  }

  /** The client went away: nothing more to send; the upstream is aborted by `gone`. */
  private close(): void {
    if (this.done) return;
    this.done = true;
    this.decoder?.destroy();
    this.controller?.abort(new errors.RequestAbortedError());
    this.resolve();
  }
}
