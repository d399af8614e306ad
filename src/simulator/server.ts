/**
 * The provider simulator: one node:http server (no framework, so it is cheap enough to sit under
 * benchmarks) that answers the Anthropic, OpenAI and Gemini APIs from a script and records every
 * request it receives.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import type { Provider } from '../errors.js';
import {
  managedNotFound,
  managedObject,
  missingBeta,
  sessionStreamEvents,
} from './anthropic-managed-agents.js';
import type { GenerateEndpoint } from './endpoint.js';
import { sendProviderError } from './errors.js';
import { DEFAULT_ARGS_CHUNK_SIZE, planAnswer, requestText, ScriptMismatchError } from './plan.js';
import type { PlanContext } from './plan.js';
import { guessProvider, isAnthropicClient, route } from './routes.js';
import { ScriptRunner } from './script.js';
import type { RecordedRequest, Simulator, SimulatorOptions } from './types.js';
import { bodyObject } from './endpoint.js';
import { geminiInteractions } from './gemini-interactions.js';
import { openaiChat } from './openai-chat.js';
import { openaiResponses } from './openai-responses.js';
import { queued, StoredAnswers } from './stored.js';
import { randomId, sendEvents, sendJson } from './wire.js';

const SESSION_STREAM = /^\/v1\/sessions\/([^/]+)\/events\/stream$/;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The body as the client meant it: undo a Content-Encoding so JSON can be parsed and searched. */
function decodeBody(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    case 'zstd': {
      // node:zlib has zstd from Node 22.15; on Node 20 the body stays undecoded.
      const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Buffer) => Buffer }).zstdDecompressSync;
      return zstd ? zstd(body) : body;
    }
    default:
      return body;
  }
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const runner = new ScriptRunner(opts.script);
  const received: RecordedRequest[] = [];
  let pacingMs = opts.pacingMs ?? 0;
  let baseUrl = '';
  const stored = new StoredAnswers(() => baseUrl);

  async function answerGenerate(
    rec: RecordedRequest,
    res: ServerResponse,
    endpoint: GenerateEndpoint,
    query: URLSearchParams,
    decoded: Buffer,
  ): Promise<void> {
    const provider = endpoint.provider;
    const invalid = endpoint.validate(rec, query);
    if (invalid !== undefined) return sendProviderError(res, provider, { status: 400, message: invalid });
    let text: string | undefined;
    const searchable = () => (text ??= requestText(rec.json, decoded));
    const model = endpoint.model(rec);
    const reply = await runner.next({
      req: rec,
      assistantTurns: () => endpoint.assistantTurns(rec),
      toolResultTurns: () => endpoint.toolResultTurns(rec),
      model: () => model,
      text: searchable,
      body: () => decoded.toString('utf8'),
    });
    if ('hang' in reply) return; // never answer; close() or the client ends the connection
    if ('error' in reply) return sendProviderError(res, provider, reply.error);
    const ctx: PlanContext = {
      requestText: searchable,
      inputTokens: () => Math.max(1, Math.ceil(decoded.length / 4)),
      defaults: {
        pacingMs,
        chunkSize: opts.chunkSize,
        argsChunkSize: opts.argsChunkSize ?? DEFAULT_ARGS_CHUNK_SIZE,
      },
    };
    const plan = planAnswer(reply, ctx);
    if (endpoint === openaiResponses || endpoint === geminiInteractions) {
      // Kept for a later GET, the same answer as JSON and as events (see stored.ts).
      const id = endpoint === openaiResponses ? randomId('resp_', 48) : randomId('v1_', 40);
      const json = endpoint.json(plan, model, rec, id);
      const { headers: streamHeaders, events } = endpoint.stream(plan, model, rec, query, id);
      const kept = {
        json: json.body as Record<string, unknown>,
        headers: json.headers,
        events,
        streamHeaders,
      };
      const background = endpoint === openaiResponses && bodyObject(rec)['background'] === true;
      if (background) kept.json = { ...kept.json, background: true };
      if (endpoint === openaiResponses) stored.keepResponse(id, kept, rec);
      else stored.keepInteraction(id, kept, rec);
      if (background && !endpoint.streaming(rec, query))
        return sendJson(res, 200, queued(kept.json), json.headers, plan);
      if (!endpoint.streaming(rec, query)) return sendJson(res, 200, kept.json, json.headers, plan);
      const failure = reply.streamError;
      if (failure !== undefined) {
        const before = events.slice(0, failure.afterEvents);
        before.push(endpoint.streamError(failure, before.length, query));
        return sendEvents(res, streamHeaders, before, plan);
      }
      return sendEvents(res, streamHeaders, events, plan);
    }
    if (endpoint === openaiChat && !endpoint.streaming(rec, query)) {
      const { body, headers } = endpoint.json(plan, model, rec);
      stored.keepChatCompletion(body as Record<string, unknown>, rec);
      return sendJson(res, 200, body, headers, plan);
    }
    if (endpoint.streaming(rec, query)) {
      const { headers, events } = endpoint.stream(plan, model, rec, query);
      const failure = reply.streamError;
      if (failure !== undefined) {
        const kept = events.slice(0, failure.afterEvents);
        kept.push(endpoint.streamError(failure, kept.length, query));
        return sendEvents(res, headers, kept, plan);
      }
      return sendEvents(res, headers, events, plan);
    }
    const { body, headers } = endpoint.json(plan, model, rec);
    return sendJson(res, 200, body, headers, plan);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const headers = flatHeaders(req);
    const path = req.url ?? '/';
    const url = new URL(path, 'http://simulator.invalid');
    let provider: Provider = guessProvider(url.pathname, headers);
    let decoded = raw;
    try {
      decoded = decodeBody(raw, headers['content-encoding']);
    } catch {
      // Keep the raw bytes; the JSON parse below fails and validation answers 400.
    }
    const rec: RecordedRequest = { method: req.method ?? 'GET', path, headers, body: raw, at: Date.now() };
    const json = parseJson(decoded);
    if (json !== undefined) rec.json = json;
    if (opts.record !== false) received.push(rec);
    opts.onRequest?.(rec);

    const target = route(rec.method, url.pathname, headers);
    try {
      const kept =
        rec.method === 'GET'
          ? stored.read(url.pathname, url.searchParams, headers['x-goog-api-key'] !== undefined)
          : undefined;
      if (kept !== undefined) {
        if ('events' in kept) {
          res.writeHead(kept.status, kept.headers);
          res.end(kept.events.join(''));
          return;
        }
        return await sendJson(res, kept.status, kept.body, kept.headers);
      }
      // A managed agents session's event stream: open until the client leaves, as the session runs.
      const watched =
        rec.method === 'GET' && isAnthropicClient(headers) ? SESSION_STREAM.exec(url.pathname) : null;
      if (watched) {
        const session = decodeURIComponent(watched[1]!);
        const refused = missingBeta({ kind: 'session-events', id: session }, rec);
        if (refused) return await sendJson(res, refused.status, refused.body, refused.headers);
        const previews = [
          ...url.searchParams.getAll('event_deltas'),
          ...url.searchParams.getAll('event_deltas[]'),
        ].includes('agent.message');
        let started = false;
        const stop = stored.watchSession(session, (events) => {
          if (!started)
            res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          started = true;
          res.write(sessionStreamEvents(events, previews));
        });
        if (stop === undefined) {
          const missing = managedNotFound(`Session ${session}`);
          return await sendJson(res, missing.status, missing.body, missing.headers);
        }
        res.on('close', stop);
        return;
      }
      // A managed agents object read back, as the POST that made it left it.
      const managed =
        rec.method === 'GET' && isAnthropicClient(headers) ? managedObject(url.pathname) : undefined;
      if (managed !== undefined) {
        const answer = stored.readManaged(managed, rec, url.searchParams);
        return await sendJson(res, answer.status, answer.body, answer.headers);
      }
      if (target === undefined) {
        return await sendProviderError(res, provider, {
          status: 404,
          message: `No such endpoint: ${rec.method} ${url.pathname}`,
        });
      }
      if (target.kind === 'root') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(rec.method === 'HEAD' ? undefined : 'Airlock provider simulator\n');
        return;
      }
      if (target.kind === 'static') {
        const answer = await target.answer(rec);
        if (rec.method === 'POST' && url.pathname === '/v1/messages/batches')
          stored.keepAnthropicBatch(answer, rec);
        if (rec.method === 'POST' && /:batchGenerateContent$/.test(url.pathname))
          stored.keepGeminiBatch(answer, rec);
        if (rec.method === 'POST' && url.pathname === '/v1/files') await stored.keepOpenaiFile(answer, rec);
        if (rec.method === 'POST' && url.pathname === '/v1/batches') stored.keepOpenaiBatch(answer);
        const made = rec.method === 'POST' ? managedObject(url.pathname) : undefined;
        if (made !== undefined && isAnthropicClient(headers)) stored.keepManaged(made, answer, rec);
        return await sendJson(res, answer.status, answer.body, answer.headers);
      }
      provider = target.endpoint.provider;
      return await answerGenerate(rec, res, target.endpoint, url.searchParams, decoded);
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      if (err instanceof ScriptMismatchError)
        return sendProviderError(res, provider, { status: 400, message: err.message });
      const message = err instanceof Error ? err.message : String(err);
      return sendProviderError(res, provider, {
        status: 500,
        message: `Simulator script failed: ${message}`,
      });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // A wildcard listen address is not something a client can dial; name loopback instead.
  const dialable =
    address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const host = dialable.includes(':') ? `[${dialable}]` : dialable;
  const url = `http://${host}:${address.port}`;
  baseUrl = url;

  return {
    url,
    port: address.port,
    urls: { anthropic: url, openai: `${url}/v1`, gemini: url },
    received,
    setScript: (script) => runner.set(script),
    setPacing: (ms) => {
      pacingMs = ms;
    },
    reset: () => {
      received.length = 0;
      runner.reset();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Hung and paced answers keep their sockets open; end them so close() returns.
        server.closeAllConnections();
      }),
  };
}
