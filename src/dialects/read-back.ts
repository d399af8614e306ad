/**
 * Answers a client reads back later by GET: what the provider stored of inspected requests and
 * of their answers, which name the surrogates the model was given (a background response polled
 * for, a Message Batch's results, a Gemini batch's inlined responses, an interaction). Nothing in
 * these requests is inspected (they go as they came); the answer's text is found as the POST
 * answer's dialect finds it, and its surrogates are looked up in the vault (src/redact/read-back.ts),
 * since the request that chose them is not this one.
 */
import type { Provider } from '../errors.js';
import { anthropicManagedAgents } from './anthropic-managed-agents.js';
import { anthropicMessages } from './anthropic-messages.js';
import { gemini } from './gemini.js';
import { geminiInteractions } from './gemini-interactions.js';
import { openaiChat } from './openai-chat.js';
import { openaiCompletions } from './openai-completions.js';
import { itemFields, openaiResponses } from './openai-responses.js';
import type { AnswerField, Dialect, DialectId } from './types.js';
import { arrayOf, fieldAt, isObject, pathOnly, WHOLE, type JsonObject } from './walk.js';

function readBack(
  id: DialectId,
  provider: Provider,
  answerFields: Dialect['answerFields'],
  extra: Pick<Dialect, 'readBack'> = {},
): Dialect {
  return {
    id,
    provider,
    segments: () => [],
    model: () => undefined,
    streaming: () => false,
    answerFields,
    readBack: { ...extra.readBack },
  };
}

/** Input items as a list holds them: those a response's output has, and what tools gave back. */
function itemListFields(out: AnswerField[], list: unknown): void {
  if (!isObject(list)) return;
  arrayOf(list.data).forEach((item, i) => {
    itemFields(out, item, String(i));
    if (isObject(item) && typeof item.type === 'string' && item.type.endsWith('_call_output'))
      fieldAt(out, item, 'output', String(i), false, WHOLE);
  });
}

/**
 * `GET /v1/responses/{id}` (a stored or background response, JSON, or its events again with
 * `?stream=true`) and `/v1/responses/{id}/input_items` (the list of what it was given).
 */
const openaiResponsesRead = readBack('openai-responses-read', 'openai', (answer, event) => {
  if (isObject(answer) && answer.object === 'list') {
    const out: AnswerField[] = [];
    itemListFields(out, answer);
    return out;
  }
  return openaiResponses.answerFields(answer, event);
});

/** A conversation (its metadata), its items listed, or one item of it. */
const openaiConversationsRead = readBack('openai-conversations-read', 'openai', (answer) => {
  const out: AnswerField[] = [];
  if (!isObject(answer)) return out;
  if (answer.object === 'list') itemListFields(out, answer);
  else if (answer.object === 'conversation') {
    const metadata = answer.metadata;
    if (isObject(metadata))
      for (const key of Object.keys(metadata)) fieldAt(out, metadata, key, `metadata:${key}`, false, WHOLE);
  } else itemListFields(out, { data: [answer] });
  return out;
});

/** A Message Batch: no text, but a `results_url` the SDK follows (see ReadBack.answerUrls). */
function batchUrls(answer: unknown, rewrite: (url: string) => string): void {
  const batches =
    isObject(answer) && answer.type === 'message_batch'
      ? [answer]
      : isObject(answer)
        ? arrayOf(answer.data)
        : [];
  for (const batch of batches)
    if (isObject(batch) && typeof batch.results_url === 'string')
      batch.results_url = rewrite(batch.results_url);
}

const anthropicBatchRead = readBack('anthropic-batch-read', 'anthropic', () => [], {
  readBack: { answerUrls: batchUrls },
});

/** `GET /v1/messages/batches/{id}/results`: JSON Lines, each a request's result holding its message. */
const anthropicBatchResults = readBack(
  'anthropic-batch-read',
  'anthropic',
  (line) => {
    const result = isObject(line) ? line.result : undefined;
    return isObject(result) ? anthropicMessages.answerFields(result.message) : [];
  },
  { readBack: { lines: true } },
);

/**
 * Stored chat completions (`store: true`): `GET /v1/chat/completions/{id}` (`chat.completions.retrieve`),
 * the list of them, and `/v1/chat/completions/{id}/messages`, the messages the completion was given.
 */
const openaiChatRead = readBack('openai-chat-read', 'openai', (answer) => {
  if (!isObject(answer)) return [];
  if (answer.object !== 'list') return openaiChat.answerFields(answer);
  const out: AnswerField[] = [];
  arrayOf(answer.data).forEach((entry, i) => {
    if (!isObject(entry)) return;
    if (entry.object === 'chat.completion') out.push(...openaiChat.answerFields(entry));
    else {
      fieldAt(out, entry, 'content', String(i), false, WHOLE);
      arrayOf(entry.content_parts).forEach((part, j) => {
        if (isObject(part)) fieldAt(out, part, 'text', `${i}:${j}`, false, WHOLE);
      });
    }
  });
  return out;
});

/** The answer a line of an OpenAI batch's output file holds, by the endpoint that gave it. */
const BATCH_ANSWERS: Readonly<Record<string, Dialect>> = {
  'chat.completion': openaiChat,
  response: openaiResponses,
  text_completion: openaiCompletions,
};

/**
 * `GET /v1/files/{id}/content`: a batch's output file is JSON Lines, each line a request's
 * answer (`response.body`); any other file has no such line, and goes as it came.
 */
const openaiFilesRead = readBack(
  'openai-files-read',
  'openai',
  (line) => {
    const response = isObject(line) ? line.response : undefined;
    const body = isObject(response) ? response.body : undefined;
    const dialect =
      isObject(body) && typeof body.object === 'string' ? BATCH_ANSWERS[body.object] : undefined;
    return dialect?.answerFields(body) ?? [];
  },
  { readBack: { lines: true, sized: true } },
);

/** The inlined responses of a Gemini batch, wherever the Operation holds them. */
function inlinedResponses(holder: unknown): readonly unknown[] {
  const output = isObject(holder) ? (holder.output ?? holder) : undefined;
  const inlined = isObject(output) ? output.inlinedResponses : undefined;
  return isObject(inlined) ? arrayOf(inlined.inlinedResponses) : [];
}

/** `GET /v1beta/batches/{id}`: the batch's Operation, its inlined responses once done. */
const geminiBatchRead = readBack('gemini-batch-read', 'gemini', (answer) => {
  const out: AnswerField[] = [];
  if (!isObject(answer)) return out;
  const metadata = answer.metadata;
  if (isObject(metadata)) fieldAt(out, metadata, 'displayName', 'displayName', false, WHOLE);
  for (const holder of [metadata, answer.response])
    for (const entry of inlinedResponses(holder))
      if (isObject(entry)) out.push(...gemini.answerFields((entry as JsonObject).response));
  return out;
});

/**
 * Anthropic's managed agents read back: an agent (its versions), a session (its threads), the
 * events a session listed (the agent's messages and tool calls; a tool call's input as tool-call
 * input), an environment, a memory store, its memories and their versions, a vault and its
 * credentials, a deployment, one or a page of them. The objects are those the POSTs of
 * anthropic-managed-agents.ts answer, read as they are.
 */
const anthropicManagedAgentsRead = readBack('anthropic-managed-agents-read', 'anthropic', (answer) =>
  anthropicManagedAgents.answerFields(answer),
);

/** `GET /v1beta/interactions/{id}`: the Interaction, or its events with `?stream=true`. */
const geminiInteractionsRead = readBack('gemini-interactions-read', 'gemini', (answer, event) =>
  geminiInteractions.answerFields(answer, event),
);

/**
 * An id as a path segment, as src/dialects/index.ts reads one: a path another spelling makes
 * of these is only not restored, so nothing looser is needed here.
 */
const ID = '[A-Za-z0-9_~-][A-Za-z0-9_.~-]*';
const GEMINI_VERSION = '/v1(?:alpha|beta)?';

/**
 * The managed agents objects and lists read back, and a session's (or a thread's) event stream,
 * SSE that may run as long as the session: restored event by event as it comes.
 */
const ANTHROPIC_MANAGED_READ = new RegExp(
  `^/v1/(?:agents(?:/${ID}(?:/versions)?)?` +
    `|sessions(?:/${ID}(?:/events(?:/stream)?|/resources(?:/${ID})?|/threads(?:/${ID}(?:/events|/stream)?)?)?)?` +
    `|environments(?:/${ID}(?:/work(?:/${ID})?)?)?` +
    `|memory_stores(?:/${ID}(?:/memories(?:/${ID})?|/memory_versions(?:/${ID})?)?)?` +
    `|vaults(?:/${ID}(?:/credentials(?:/${ID})?)?)?|deployments(?:/${ID})?)$`,
);

const ROUTES: Readonly<Record<Provider, readonly [RegExp, Dialect][]>> = {
  openai: [
    [new RegExp(`^(?:/v1)?/responses/${ID}(?:/input_items)?$`), openaiResponsesRead],
    [new RegExp(`^(?:/v1)?/conversations/${ID}(?:/items(?:/${ID})?)?$`), openaiConversationsRead],
    [new RegExp(`^(?:/v1)?/files/${ID}/content$`), openaiFilesRead],
    [new RegExp(`^(?:/v1)?/chat/completions(?:/${ID}(?:/messages)?)?$`), openaiChatRead],
  ],
  anthropic: [
    [/^\/v1\/messages\/batches$/, anthropicBatchRead],
    [new RegExp(`^/v1/messages/batches/${ID}$`), anthropicBatchRead],
    [new RegExp(`^/v1/messages/batches/${ID}/results$`), anthropicBatchResults],
    [ANTHROPIC_MANAGED_READ, anthropicManagedAgentsRead],
  ],
  gemini: [
    [new RegExp(`^${GEMINI_VERSION}/batches/${ID}$`), geminiBatchRead],
    [new RegExp(`^${GEMINI_VERSION}/interactions/${ID}$`), geminiInteractionsRead],
  ],
};

/** The read-back dialect of a GET to `path` (query string and a trailing slash aside), if any. */
export function readBackDialect(provider: Provider, path: string): Dialect | undefined {
  let clean = pathOnly(path);
  if (clean.length > 1 && clean.endsWith('/')) clean = clean.slice(0, -1);
  for (const [pattern, dialect] of ROUTES[provider]) if (pattern.test(clean)) return dialect;
  return undefined;
}
