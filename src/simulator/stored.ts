/**
 * What the real APIs keep of what they answered, for the client to read back later by GET: a
 * Responses API response (JSON, its events again with `?stream=true`, the input items it was
 * given; `background: true` answers at once with the response queued), a Gemini interaction
 * (JSON or its events), a Message Batch's results (JSON Lines at its `results_url`), a Gemini
 * batch's inlined responses, an OpenAI batch's output file (its input file uploaded first), and
 * a chat completion asked for with `store: true` (not streamed) with the messages it was given,
 * and Anthropic's managed agents objects (an agent, a session and its events, an environment, a
 * memory store and its memories, a vault and its credentials, a deployment) as created or last
 * updated. A batch's requests are not run through the script: each result
 * echoes its request's last user text (`You said: …`), so that what the provider was given is
 * what it gives back; so does a managed agent, to each user message a session is sent (see
 * agentTurn). One store per simulator, in memory.
 */
import { managedNotFound, missingBeta, type ManagedObject } from './anthropic-managed-agents.js';
import type { StaticAnswer } from './endpoint.js';
import { bodyObject, isRecord, nowSeconds } from './endpoint.js';
import { providerError } from './errors.js';
import { formOf } from './files.js';
import type { Provider } from '../errors.js';
import type { RecordedRequest } from './types.js';
import { randomId } from './wire.js';

type Item = Record<string, unknown>;

/** An answer the API keeps: as JSON, and as the events a streamed read gives. */
interface Kept {
  json: Item;
  headers: Record<string, string>;
  events: string[];
  streamHeaders: Record<string, string>;
  /** The input items it was given (a response's). */
  input?: Item[];
}

/** A read-back answer: JSON, or events. */
export type StoredAnswer = StaticAnswer | { status: 200; events: string[]; headers: Record<string, string> };

const RESPONSE = /^\/v1\/responses\/([^/]+)(\/input_items)?$/;
const INTERACTION = /^\/v1(?:alpha|beta)?\/interactions\/([^/]+)$/;
const ANTHROPIC_BATCH = /^\/v1\/messages\/batches\/([^/]+)(\/results)?$/;
const GEMINI_BATCH = /^\/v1(?:alpha|beta)?\/batches\/([^/:]+)$/;
const OPENAI_BATCH = /^\/v1\/batches\/([^/]+)$/;
const OPENAI_FILE_CONTENT = /^\/v1\/files\/([^/]+)\/content$/;
const CHAT_COMPLETION = /^\/v1\/chat\/completions\/([^/]+)(\/messages)?$/;
const GEMINI_JSON = { 'content-type': 'application/json; charset=UTF-8' };

function notFound(provider: Provider, what: string): StaticAnswer {
  const { body, headers } = providerError(provider, { status: 404, message: `${what} not found.` });
  return { status: 404, body, headers };
}

/** The text of a message's content: a string, or its text blocks / parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((c) => (isRecord(c) && typeof c['text'] === 'string' ? c['text'] : '')).join('');
}

/** Input as the Responses API lists it back: every item with an id, a text input as a user message. */
function inputItems(req: RecordedRequest): Item[] {
  const input = bodyObject(req)['input'];
  const items: Item[] =
    typeof input === 'string'
      ? [{ type: 'message', role: 'user', content: input }]
      : Array.isArray(input)
        ? input.filter(isRecord)
        : [];
  return items.map((item) => {
    const listed: Item = { id: randomId('msg_', 48), ...item };
    if (item['type'] === undefined || item['type'] === 'message') {
      listed['type'] = 'message';
      listed['status'] = 'completed';
      if (typeof item['content'] === 'string')
        listed['content'] = [{ type: 'input_text', text: item['content'] }];
    }
    return listed;
  });
}

/** The events of a kept answer from the one after `after` on (`sequence_number` / `event_id`). */
function eventsAfter(events: readonly string[], after: string | null): string[] {
  if (after === null) return [...events];
  const at = events.findIndex((ev) => {
    const data = /^data: (.*)$/m.exec(ev)?.[1];
    if (data === undefined || !data.startsWith('{')) return false;
    const parsed = JSON.parse(data) as Item;
    return String(parsed['sequence_number'] ?? parsed['event_id']) === after;
  });
  return at === -1 ? [...events] : events.slice(at + 1);
}

/** Where a managed agents object is kept: its kind and the object it belongs to, if any. */
function managedPlace(obj: ManagedObject): string {
  switch (obj.kind) {
    case 'memory':
      return `memory\0${obj.store}`;
    case 'credential':
      return `credential\0${obj.vault}`;
    case 'session-resource':
      return `session-resource\0${obj.session}`;
    case 'work':
      return `work\0${obj.environment}`;
    default:
      return obj.kind;
  }
}

/** The id of the one object `obj` names, or undefined for a list (a session's events are one). */
function managedId(obj: ManagedObject): string | undefined {
  return obj.kind === 'session-events' ? undefined : obj.id;
}

/** The first word of `text` that is an absolute path, the file a managed agent reads. */
const PATH_WORD = /(?:^|\s)(\/[^\s,;:'"]+)/;

/**
 * What a managed agent does with the user messages among `events` (sent to a session, or its
 * initial events): says what it was told (`You said: …`), reads the first path a message names
 * with its `read` tool, and goes idle. No script: the agent runs upstream, and the point is that
 * what the provider was given is what the session's events give back.
 */
function agentTurn(events: readonly Item[]): Item[] {
  const out: Item[] = [];
  const at = () => new Date().toISOString();
  for (const event of events) {
    if (event['type'] !== 'user.message') continue;
    const text = contentText(event['content']);
    out.push({
      id: randomId('sevt_011'),
      type: 'agent.message',
      content: [{ type: 'text', text: `You said: ${text}` }],
      processed_at: at(),
    });
    const path = PATH_WORD.exec(text)?.[1];
    if (path !== undefined)
      out.push({
        id: randomId('sevt_011'),
        type: 'agent.tool_use',
        name: 'read',
        input: { file_path: path },
        evaluated_permission: 'allow',
        processed_at: at(),
      });
  }
  if (out.length > 0)
    out.push({
      id: randomId('sevt_011'),
      type: 'session.status_idle',
      stop_reason: { type: 'end_turn' },
      stop_details: null,
      processed_at: at(),
    });
  return out;
}

/** A managed agents page: all of it. */
function page(data: Item[]): Item {
  return { data, next_page: null };
}

export class StoredAnswers {
  private readonly responses = new Map<string, Kept>();
  private readonly interactions = new Map<string, Kept>();
  private readonly anthropicBatches = new Map<string, { batch: Item; lines: string[] }>();
  private readonly geminiBatches = new Map<string, Item>();
  private readonly openaiFiles = new Map<string, Buffer>();
  private readonly openaiBatches = new Map<string, Item>();
  private readonly chatCompletions = new Map<string, { completion: Item; messages: Item[] }>();
  /** Managed agents objects by managedPlace, then id, in the order created. */
  private readonly managed = new Map<string, Map<string, Item>>();
  /** Each session's events, as the session has them: those it was sent and the agent's. */
  private readonly sessionEvents = new Map<string, Item[]>();
  /** Each session's event streams open (watchSession), told of its events as they come. */
  private readonly watchers = new Map<string, Set<(events: Item[]) => void>>();

  /** `url()`: the simulator's own base URL, for a batch's `results_url`. */
  constructor(private readonly url: () => string) {}

  keepResponse(id: string, kept: Omit<Kept, 'input'>, req: RecordedRequest): void {
    if (bodyObject(req)['store'] === false) return;
    this.responses.set(id, { ...kept, input: inputItems(req) });
  }

  keepInteraction(id: string, kept: Kept, req: RecordedRequest): void {
    if (bodyObject(req)['store'] === false) return;
    this.interactions.set(id, kept);
  }

  /** A new Message Batch (the create's answer): ended at once, its results echoing each request. */
  keepAnthropicBatch(answer: StaticAnswer, req: RecordedRequest): void {
    if (answer.status !== 200 || !isRecord(answer.body)) return;
    const id = String(answer.body['id']);
    const requests = (bodyObject(req)['requests'] as unknown[]).filter(isRecord);
    const lines = requests.map((r) => {
      const params = isRecord(r['params']) ? r['params'] : {};
      const messages = Array.isArray(params['messages']) ? params['messages'].filter(isRecord) : [];
      const last = messages.filter((m) => m['role'] === 'user').pop();
      const message = {
        id: randomId('msg_01'),
        type: 'message',
        role: 'assistant',
        model: params['model'],
        content: [{ type: 'text', text: `You said: ${contentText(last?.['content'])}` }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 10 },
      };
      return `${JSON.stringify({ custom_id: r['custom_id'], result: { type: 'succeeded', message } })}\n`;
    });
    const batch: Item = {
      ...answer.body,
      processing_status: 'ended',
      request_counts: { processing: 0, succeeded: lines.length, errored: 0, canceled: 0, expired: 0 },
      ended_at: answer.body['created_at'],
    };
    this.anthropicBatches.set(id, { batch, lines });
  }

  /** A new Gemini batch (the create's Operation): done at once, its inlined responses echoing each request. */
  keepGeminiBatch(answer: StaticAnswer, req: RecordedRequest): void {
    if (answer.status !== 200 || !isRecord(answer.body)) return;
    const name = String(answer.body['name']);
    const batch = bodyObject(req)['batch'];
    const config = isRecord(batch) ? (batch['inputConfig'] ?? batch['input_config']) : undefined;
    const requests = isRecord(config) && isRecord(config['requests']) ? config['requests']['requests'] : [];
    const inlinedResponses = (Array.isArray(requests) ? requests.filter(isRecord) : []).map((r) => {
      const request = isRecord(r['request']) ? r['request'] : {};
      const contents = Array.isArray(request['contents']) ? request['contents'].filter(isRecord) : [];
      const last = contents.filter((c) => c['role'] !== 'model').pop();
      const text = `You said: ${contentText(last?.['parts'])}`;
      const response = {
        candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 10, totalTokenCount: 20 },
      };
      return r['metadata'] === undefined ? { response } : { response, metadata: r['metadata'] };
    });
    const metadata = isRecord(answer.body['metadata']) ? answer.body['metadata'] : {};
    const output = { inlinedResponses: { inlinedResponses } };
    this.geminiBatches.set(name, {
      name,
      metadata: { ...metadata, state: 'BATCH_STATE_SUCCEEDED', output },
      done: true,
      response: {
        '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput',
        ...output,
      },
    });
  }

  /** A chat completion asked for with `store: true`, and the messages it was given. */
  keepChatCompletion(completion: Item, req: RecordedRequest): void {
    const body = bodyObject(req);
    if (body['store'] !== true) return;
    const id = String(completion['id']);
    const given = Array.isArray(body['messages']) ? body['messages'].filter(isRecord) : [];
    const messages = given.map((m, i) => ({
      id: `${id}-${i}`,
      role: m['role'],
      content: typeof m['content'] === 'string' ? m['content'] : contentText(m['content']),
      name: m['name'] ?? null,
      content_parts: null,
    }));
    this.chatCompletions.set(id, {
      completion: { ...completion, metadata: body['metadata'] ?? null },
      messages,
    });
  }

  /** An OpenAI upload's file, kept for a batch that names it and for its content. */
  async keepOpenaiFile(answer: StaticAnswer, req: RecordedRequest): Promise<void> {
    // Anthropic's uploads (the same path) answer `type: file`.
    if (answer.status !== 200 || !isRecord(answer.body) || answer.body['object'] !== 'file') return;
    const file = (await formOf(req))?.get('file');
    if (file === null || file === undefined || typeof file === 'string') return;
    this.openaiFiles.set(String(answer.body['id']), Buffer.from(await file.arrayBuffer()));
  }

  /**
   * A new OpenAI batch (the create's answer): completed at once when its input file is kept, a
   * chat completion for each line to /v1/chat/completions echoing its last user message, in an
   * output file of its own.
   */
  keepOpenaiBatch(answer: StaticAnswer): void {
    if (answer.status !== 200 || !isRecord(answer.body)) return;
    const batch = answer.body;
    const input = this.openaiFiles.get(String(batch['input_file_id']));
    if (input === undefined) return;
    const requests = input
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as unknown)
      .filter(isRecord);
    const lines = requests.map((r) => {
      const body = isRecord(r['body']) ? r['body'] : {};
      const messages = Array.isArray(body['messages']) ? body['messages'].filter(isRecord) : [];
      const last = messages.filter((m) => m['role'] === 'user').pop();
      const completion = {
        id: randomId('chatcmpl-', 29),
        object: 'chat.completion',
        created: nowSeconds(),
        model: body['model'],
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: `You said: ${contentText(last?.['content'])}`,
              refusal: null,
            },
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
      };
      const response = { status_code: 200, request_id: randomId('', 32), body: completion };
      return `${JSON.stringify({ id: randomId('batch_req_', 32), custom_id: r['custom_id'], response, error: null })}\n`;
    });
    const output = randomId('file-', 22);
    this.openaiFiles.set(output, Buffer.from(lines.join('')));
    const id = String(batch['id']);
    this.openaiBatches.set(id, {
      ...batch,
      status: 'completed',
      output_file_id: output,
      error_file_id: null,
      completed_at: nowSeconds(),
      request_counts: { total: lines.length, completed: lines.length, failed: 0 },
    });
  }

  /**
   * A managed agents object the simulator answered a POST with (created or updated), or the
   * events a session was sent, with the agent's turn after them.
   */
  keepManaged(obj: ManagedObject, answer: StaticAnswer, req: RecordedRequest): void {
    if (answer.status !== 200 || !isRecord(answer.body)) return;
    const body = answer.body;
    if (obj.kind === 'session-events') {
      const sent = Array.isArray(body['data']) ? body['data'].filter(isRecord) : [];
      const at = new Date().toISOString();
      this.addSessionEvents(
        obj.id,
        sent.map((e) => ({ ...e, processed_at: at })),
      );
      return;
    }
    const id = String(body['id']);
    const place = managedPlace(obj);
    let kept = this.managed.get(place);
    if (kept === undefined) this.managed.set(place, (kept = new Map()));
    kept.set(id, body);
    if (obj.kind === 'session' && obj.id === undefined) {
      const initial = bodyObject(req)['initial_events'];
      const at = new Date().toISOString();
      const events = (Array.isArray(initial) ? initial.filter(isRecord) : []).map((e) => ({
        id: randomId('sevt_011'),
        ...e,
        processed_at: at,
      }));
      this.addSessionEvents(id, events);
    }
  }

  private addSessionEvents(session: string, events: Item[]): void {
    const list = this.sessionEvents.get(session) ?? [];
    const added = [...events, ...agentTurn(events)];
    list.push(...added);
    this.sessionEvents.set(session, list);
    for (const watcher of this.watchers.get(session) ?? []) watcher(added);
  }

  /**
   * A session's event stream: `onEvents` gets the session's events so far at once, then each
   * that comes later, until the returned function stops it; undefined for a session not kept.
   */
  watchSession(session: string, onEvents: (events: Item[]) => void): (() => void) | undefined {
    if (!this.managed.get('session')?.has(session)) return undefined;
    onEvents([...(this.sessionEvents.get(session) ?? [])]);
    let watchers = this.watchers.get(session);
    if (watchers === undefined) this.watchers.set(session, (watchers = new Set()));
    watchers.add(onEvents);
    return () => watchers.delete(onEvents);
  }

  /** A managed agents object, a list of them, or a session's events, as kept. */
  readManaged(obj: ManagedObject, req: RecordedRequest, query: URLSearchParams): StaticAnswer {
    const missing = missingBeta(obj, req);
    if (missing) return missing;
    const ok = (body: Item): StaticAnswer => ({
      status: 200,
      body,
      headers: { 'request-id': randomId('req_011', 21) },
    });
    if (obj.kind === 'session-events') {
      if (!this.managed.get('session')?.has(obj.id)) return managedNotFound(`Session ${obj.id}`);
      const events = [...(this.sessionEvents.get(obj.id) ?? [])];
      return ok(page(query.get('order') === 'desc' ? events.reverse() : events));
    }
    const kept = this.managed.get(managedPlace(obj));
    const id = managedId(obj);
    if (id === undefined) {
      const data = [...(kept?.values() ?? [])];
      return ok(obj.kind === 'session' ? { ...page(data), prev_page: null } : page(data));
    }
    const one = kept?.get(id);
    return one === undefined ? managedNotFound(`${obj.kind} ${id}`) : ok(one);
  }

  /**
   * The answer to a GET of something kept, or undefined when `pathname` reads nothing kept here.
   * `geminiClient`: the request has Gemini's key header.
   */
  read(pathname: string, query: URLSearchParams, geminiClient: boolean): StoredAnswer | undefined {
    const response = RESPONSE.exec(pathname);
    if (response) {
      const kept = this.responses.get(decodeURIComponent(response[1]!));
      if (!kept) return notFound('openai', `Response with id '${response[1]}'`);
      if (response[2] !== undefined) {
        const data = query.get('order') === 'asc' ? kept.input! : [...kept.input!].reverse();
        const body = {
          object: 'list',
          data,
          first_id: data[0]?.['id'] ?? null,
          last_id: data.at(-1)?.['id'] ?? null,
          has_more: false,
        };
        return { status: 200, body, headers: kept.headers };
      }
      if (query.get('stream') === 'true')
        return {
          status: 200,
          events: eventsAfter(kept.events, query.get('starting_after')),
          headers: kept.streamHeaders,
        };
      return { status: 200, body: kept.json, headers: kept.headers };
    }
    const interaction = INTERACTION.exec(pathname);
    if (interaction) {
      const kept = this.interactions.get(decodeURIComponent(interaction[1]!));
      if (!kept) return notFound('gemini', `Interaction ${interaction[1]}`);
      if (query.get('stream') === 'true')
        return {
          status: 200,
          events: eventsAfter(kept.events, query.get('last_event_id')),
          headers: kept.streamHeaders,
        };
      return { status: 200, body: kept.json, headers: kept.headers };
    }
    const anthropic = ANTHROPIC_BATCH.exec(pathname);
    if (anthropic) {
      const id = decodeURIComponent(anthropic[1]!);
      const kept = this.anthropicBatches.get(id);
      if (!kept) return notFound('anthropic', `Message batch ${id}`);
      if (anthropic[2] === undefined) {
        const body = { ...kept.batch, results_url: `${this.url()}/v1/messages/batches/${id}/results` };
        return { status: 200, body, headers: { 'request-id': randomId('req_', 24) } };
      }
      return {
        status: 200,
        events: kept.lines,
        headers: { 'content-type': 'application/binary', 'request-id': randomId('req_', 24) },
      };
    }
    // Gemini's batches are at /v1 too (@google/genai 3): its clients send their key as a header.
    if (pathname === '/v1/chat/completions') {
      const data = [...this.chatCompletions.values()].map((c) => c.completion);
      return { status: 200, body: list(data) };
    }
    const chat = CHAT_COMPLETION.exec(pathname);
    if (chat) {
      const kept = this.chatCompletions.get(decodeURIComponent(chat[1]!));
      if (!kept) return notFound('openai', `Chat completion ${chat[1]}`);
      return { status: 200, body: chat[2] === undefined ? kept.completion : list(kept.messages) };
    }
    const openaiBatch = geminiClient ? null : OPENAI_BATCH.exec(pathname);
    if (openaiBatch) {
      const kept = this.openaiBatches.get(decodeURIComponent(openaiBatch[1]!));
      return kept ? { status: 200, body: kept } : notFound('openai', `Batch ${openaiBatch[1]}`);
    }
    const content = OPENAI_FILE_CONTENT.exec(pathname);
    if (content) {
      const kept = this.openaiFiles.get(decodeURIComponent(content[1]!));
      if (!kept) return notFound('openai', `File ${content[1]}`);
      const headers = { 'content-type': 'application/octet-stream', 'content-length': String(kept.length) };
      return { status: 200, events: [kept.toString('utf8')], headers };
    }
    const gemini = GEMINI_BATCH.exec(pathname);
    if (gemini) {
      const name = `batches/${decodeURIComponent(gemini[1]!)}`;
      const kept = this.geminiBatches.get(name);
      if (!kept) return notFound('gemini', `Batch ${name}`);
      return { status: 200, body: kept, headers: GEMINI_JSON };
    }
    return undefined;
  }

  clear(): void {
    this.responses.clear();
    this.interactions.clear();
    this.anthropicBatches.clear();
    this.geminiBatches.clear();
    this.openaiFiles.clear();
    this.openaiBatches.clear();
    this.chatCompletions.clear();
    this.managed.clear();
    this.sessionEvents.clear();
  }
}

/** An OpenAI list of `data`, all of it on one page. */
function list(data: Item[]): Item {
  return {
    object: 'list',
    data,
    first_id: data[0]?.['id'] ?? null,
    last_id: data.at(-1)?.['id'] ?? null,
    has_more: false,
  };
}

/** A background response's first answer: queued, nothing output yet. */
export function queued(response: Item): Item {
  return {
    ...response,
    status: 'queued',
    background: true,
    output: [],
    usage: null,
    created_at: nowSeconds(),
  };
}
