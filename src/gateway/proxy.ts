/**
 * One provider request through the gateway: read and decode the body, let the inspector
 * decide, forward with undici, and relay the answer — raw bytes when nothing needs restoring,
 * event by event through the restorer for SSE, whole for JSON answers that hold surrogates.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { Config } from '../config/schema.js';
import { resolveDialect } from '../dialects/index.js';
import type { Dialect } from '../dialects/types.js';
import { AirlockError } from '../errors.js';
import { SseParser } from '../sse/parser.js';
import { decodeBody, readBody } from './body.js';
import type { Exchange, ExchangeListener } from './exchange.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { passThroughInspector, type InspectResult, type Inspector, type Restorer } from './inspector.js';
import { scanJson, type JsonScan } from './json-scan.js';
import { sendError, streamErrorEvent } from './respond.js';
import type { ProviderRoute } from './routes.js';
import { upstreamError, type Upstreams } from './upstream.js';

export interface ProxyContext {
  config: Config;
  upstreams: Upstreams;
  inspector: Inspector;
  /** What to do when inspection throws: block (default) or forward unchanged. */
  onInspectError: 'block' | 'allow';
  /**
   * Called once per exchange, before the last byte of the answer is written, so that an
   * audit record is made (write-ahead) before the client has its answer.
   */
  onExchange?: ExchangeListener;
  /** Refuses new requests while it returns an error (e.g. the audit spool is full). */
  admit?: () => AirlockError | undefined;
  /** Keep the body that left on the exchange, for the audit log's forensic copy. */
  captureBody?: boolean;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

type UpstreamResponse = Dispatcher.ResponseData;

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
    userAgent: req.headers['user-agent'],
    status: 0,
    decision: 'forward',
    bytesIn: 0,
    bytesOut: 0,
    latencyMs: 0,
    inspectMs: 0,
    aborted: false,
  };
  const t0 = performance.now();
  const abort = new AbortController();
  let settled = false;
  const settle = (status: number): void => {
    if (settled) return;
    settled = true;
    ex.latencyMs = performance.now() - t0;
    ex.status = status;
    ctx.onExchange?.(ex);
  };
  res.on('close', () => {
    if (!res.writableFinished) {
      ex.aborted = true;
      abort.abort();
    }
    settle(res.headersSent ? res.statusCode : 0);
  });
  res.setHeader('x-airlock-request-id', ex.id);

  try {
    const refused = ctx.admit?.();
    if (refused) throw refused;
    await handle(ctx, route, dialect, req, res, ex, abort.signal, settle);
  } catch (err) {
    const error =
      err instanceof AirlockError
        ? err
        : new AirlockError('AIRLOCK_INTERNAL', (err as Error).message, { cause: err });
    if (ex.decision !== 'block') ex.decision = 'error';
    ex.errorCode = error.code;
    if (error.code === 'AIRLOCK_INTERNAL') ctx.log.error({ err, requestId: ex.id }, 'request failed');
    if (abort.signal.aborted) return;
    settle(res.headersSent ? res.statusCode : error.status);
    sendError(res, route.provider, error);
  }
}

async function handle(
  ctx: ProxyContext,
  route: ProviderRoute,
  dialect: Dialect,
  req: IncomingMessage,
  res: ServerResponse,
  ex: Exchange,
  signal: AbortSignal,
  settle: (status: number) => void,
): Promise<void> {
  const limit = ctx.config.limits.max_body;
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  let wire: Buffer | undefined;
  let decoded: Buffer | undefined;
  let json: unknown;
  if (hasBody) {
    wire = await readBody(req, limit);
    ex.bytesIn = wire.length;
  }
  let scan: JsonScan | undefined;
  if (dialect.id !== 'passthrough' && wire !== undefined) {
    const encoding = req.headers['content-encoding'];
    decoded = encoding === undefined ? wire : await decodeBody(wire, encoding, limit);
    // Without an inspector nothing reads the parsed body: checking that it is JSON (a 400
    // otherwise) and finding its model is all that is needed, and much cheaper than parsing.
    if (ctx.inspector === passThroughInspector) scan = scanJson(decoded);
    if (scan === undefined) {
      try {
        json = JSON.parse(decoded.toString('utf8'));
      } catch (err) {
        throw new AirlockError('AIRLOCK_BAD_JSON', (err as Error).message);
      }
    }
  }
  const query = new URLSearchParams(route.search);
  // Dialects read the model from the body's top-level "model" key (or, Gemini, from the path).
  ex.model = dialect.model(scan ? { model: scan.model } : json, route.path);

  const tInspect = performance.now();
  let result: InspectResult;
  try {
    result = await ctx.inspector.inspect({
      provider: route.provider,
      dialect,
      method: ex.method,
      path: route.path,
      query,
      headers: req.headers,
      body: json,
      raw: decoded,
    });
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, requestId: ex.id }, 'inspection failed');
    if (ctx.onInspectError === 'block')
      throw new AirlockError('AIRLOCK_INSPECTION_FAILED', (err as Error).message);
    result = { action: 'forward', summary: { findings: [], mode: 'on_error=allow' } };
  }
  ex.inspectMs = performance.now() - tInspect;
  ex.summary = result.summary;
  if (result.action === 'block') {
    ex.decision = 'block';
    throw new AirlockError('AIRLOCK_POLICY_BLOCKED', result.message);
  }

  // The body to send: rewritten, or decoded when it came compressed, or the wire bytes as they are.
  let body: Buffer | undefined = wire;
  let bodyRewritten = false;
  if (result.bodyBytes !== undefined) {
    body = result.bodyBytes;
    bodyRewritten = true;
  } else if (result.body !== undefined) {
    body = Buffer.from(JSON.stringify(result.body));
    bodyRewritten = true;
  } else if (decoded !== undefined && decoded !== wire) {
    body = decoded;
    bodyRewritten = true;
  }
  const restorer = result.restorer;
  const headers = upstreamRequestHeaders(req.headers, {
    bodyRewritten,
    removed: result.removeHeaders,
    set: result.setHeaders,
    // The gateway must read what it restores; everything else streams through encoded.
    acceptEncoding: restorer ? 'identity' : undefined,
  });
  if (bodyRewritten && body) headers['content-length'] = String(body.length);
  if (ctx.captureBody && body && dialect.id !== 'passthrough') ex.forensicBody = body.toString('utf8');

  const target = ctx.upstreams.target(route.provider);
  const tUpstream = performance.now();
  let upstream: UpstreamResponse;
  try {
    upstream = await ctx.upstreams.dispatcher(route.provider).request({
      origin: target.origin,
      path: target.basePath + route.path + route.search,
      method: ex.method as Dispatcher.HttpMethod,
      headers,
      body,
      signal,
    });
  } catch (err) {
    if (signal.aborted) return;
    throw upstreamError(err, target.origin);
  }
  ex.upstreamMs = performance.now() - tUpstream;
  await relay(ctx, route.provider, upstream, res, ex, restorer, signal, settle);
}

function isSse(headers: Record<string, string | string[] | undefined>): boolean {
  const type = headers['content-type'];
  return typeof type === 'string' && type.startsWith('text/event-stream');
}

function isJson(headers: Record<string, string | string[] | undefined>): boolean {
  const type = headers['content-type'];
  return typeof type === 'string' && type.includes('json');
}

async function relay(
  ctx: ProxyContext,
  provider: Exchange['provider'],
  upstream: UpstreamResponse,
  res: ServerResponse,
  ex: Exchange,
  restorer: Restorer | undefined,
  signal: AbortSignal,
  settle: (status: number) => void,
): Promise<void> {
  const { statusCode, headers, body } = upstream;
  const encoded = headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity';
  const ok = statusCode >= 200 && statusCode < 300;
  const sse = isSse(headers);

  if (restorer && ok && !encoded && !sse && isJson(headers)) {
    const raw = await collect(body, ctx.config.limits.max_answer);
    let out = raw;
    try {
      const answer: unknown = JSON.parse(raw.toString('utf8'));
      restorer.json(answer);
      out = Buffer.from(JSON.stringify(answer));
    } catch (err) {
      ctx.log.warn(
        { err: (err as Error).message, requestId: ex.id },
        'answer not restorable; sent as received',
      );
    }
    res.writeHead(statusCode, {
      ...clientResponseHeaders(headers, { bodyRewritten: true }),
      'content-length': out.length,
    });
    ex.bytesOut = out.length;
    settle(statusCode);
    res.end(out);
    return;
  }

  res.writeHead(statusCode, clientResponseHeaders(headers, { bodyRewritten: false }));
  // A stream's headers go out at once (the client waits for them); a JSON answer's ride with its body.
  if (sse) res.flushHeaders();
  const stream = restorer && ok && !encoded && sse ? restorer.stream() : undefined;
  const parser = stream ? new SseParser() : undefined;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      let out: Buffer = chunk;
      if (stream && parser) out = Buffer.concat(parser.push(chunk).map((ev) => stream.event(ev)));
      if (out.length > 0 && !(await write(res, out))) return;
    }
    if (stream && parser) {
      const tail = Buffer.concat([...parser.end().map((ev) => stream.event(ev)), stream.end()]);
      if (tail.length > 0 && !(await write(res, tail))) return;
    }
    settle(statusCode);
    res.end();
  } catch (err) {
    if (signal.aborted) return;
    // Headers are gone: end the stream the way the provider would, never with a 500.
    const error = upstreamError(err, 'upstream answer');
    ex.decision = 'error';
    ex.errorCode = error.code;
    ctx.log.warn({ err: (err as Error).message, requestId: ex.id }, 'upstream answer broke off');
    settle(statusCode);
    if (sse && !res.destroyed) {
      res.end(streamErrorEvent(provider, error));
    } else {
      res.destroy(error);
    }
  }

  function write(target: ServerResponse, data: Buffer): Promise<boolean> | boolean {
    ex.bytesOut += data.length;
    if (target.write(data)) return true;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        target.off('drain', onDrain);
        target.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      target.on('drain', onDrain);
      target.on('close', onClose);
    });
  }
}

async function collect(body: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit)
      throw new AirlockError('AIRLOCK_INTERNAL', `upstream answer larger than limits.max_answer`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
