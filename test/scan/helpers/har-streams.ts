/**
 * HAR captures of streamed answers, the streams spelled by the provider simulator's own builders
 * (src/simulator/), so that they have the real APIs' event names, order and repeated fields.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { anthropicComplete, anthropicMessages } from '../../../src/simulator/anthropic.js';
import type { GenerateEndpoint } from '../../../src/simulator/endpoint.js';
import { geminiGenerate } from '../../../src/simulator/gemini.js';
import { openaiChat } from '../../../src/simulator/openai-chat.js';
import { openaiResponses } from '../../../src/simulator/openai-responses.js';
import { DEFAULT_ARGS_CHUNK_SIZE, planAnswer } from '../../../src/simulator/plan.js';
import type { AnswerReply, RecordedRequest } from '../../../src/simulator/types.js';

export type StreamDialect =
  'anthropic-messages' | 'anthropic-complete' | 'openai-chat' | 'openai-responses' | 'gemini';

/** The gateway's four streaming dialects (the legacy Anthropic Complete API aside). */
export const STREAM_DIALECTS: readonly StreamDialect[] = [
  'anthropic-messages',
  'openai-chat',
  'openai-responses',
  'gemini',
];

interface Api {
  endpoint: GenerateEndpoint;
  url: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

const APIS: Record<StreamDialect, Api> = {
  'anthropic-messages': {
    endpoint: anthropicMessages,
    url: 'https://api.anthropic.com/v1/messages',
    body: { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [], stream: true },
    headers: { 'anthropic-version': '2023-06-01', 'user-agent': 'claude-cli/2.1.197 (external, cli)' },
  },
  'anthropic-complete': {
    endpoint: anthropicComplete,
    url: 'https://api.anthropic.com/v1/complete',
    body: {
      model: 'claude-2.1',
      prompt: '\n\nHuman: hi\n\nAssistant:',
      max_tokens_to_sample: 256,
      stream: true,
    },
    headers: { 'anthropic-version': '2023-06-01' },
  },
  'openai-chat': {
    endpoint: openaiChat,
    url: 'https://api.openai.com/v1/chat/completions',
    body: { model: 'gpt-4.1', messages: [], stream: true, stream_options: { include_usage: true } },
    headers: { 'user-agent': 'QwenCode/0.2.3 (linux; x64)' },
  },
  'openai-responses': {
    endpoint: openaiResponses,
    url: 'https://api.openai.com/v1/responses',
    body: { model: 'gpt-5-codex', input: [], stream: true },
    headers: { 'user-agent': 'codex_cli_rs/0.46.0' },
  },
  gemini: {
    endpoint: geminiGenerate,
    url: 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    body: { contents: [] },
    headers: { 'user-agent': 'GeminiCLI/0.9.0 (linux; x64)' },
  },
};

export interface SimulatedStream {
  url: string;
  mimeType: string;
  /** The answer's events (for Gemini without `alt=sse`, the pieces of one JSON array). */
  events: string[];
}

/**
 * The answer the simulator streams for `reply`. `jsonArray`: Gemini's :streamGenerateContent
 * without `alt=sse`, one JSON array of chunks.
 */
export function simulatedStream(
  dialect: StreamDialect,
  reply: AnswerReply,
  jsonArray = false,
): SimulatedStream {
  const api = APIS[dialect];
  const url = new URL(api.url);
  if (jsonArray) url.search = '';
  const json = api.body;
  const body = Buffer.from(JSON.stringify(json));
  const req: RecordedRequest = {
    method: 'POST',
    path: url.pathname + url.search,
    headers: api.headers,
    body,
    json,
    at: Date.now(),
  };
  const plan = planAnswer(reply, {
    requestText: () => '',
    inputTokens: () => 100,
    defaults: { pacingMs: 0, argsChunkSize: DEFAULT_ARGS_CHUNK_SIZE, chunkSize: undefined },
  });
  const model = api.endpoint.model(req);
  const { headers, events } = api.endpoint.stream(plan, model, req, url.searchParams);
  return { url: url.href, mimeType: headers['content-type'] ?? '', events };
}

/** A HAR 1.2 capture of one exchange whose answer is `stream` (the request body is empty). */
export function harOfStream(stream: SimulatedStream, events = stream.events): unknown {
  const text = events.join('');
  const entry = {
    startedDateTime: '2026-11-25T10:00:00.000Z',
    time: 900,
    request: {
      method: 'POST',
      url: stream.url,
      httpVersion: 'HTTP/1.1',
      headers: [],
      queryString: [],
      cookies: [],
      headersSize: -1,
      bodySize: -1,
    },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      headers: [{ name: 'content-type', value: stream.mimeType }],
      cookies: [],
      content: { size: text.length, mimeType: stream.mimeType, text },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 1, wait: 800, receive: 99 },
  };
  return {
    log: {
      version: '1.2',
      creator: { name: 'airlock-scan-tests', version: '0.1.0' },
      pages: [],
      entries: [entry],
    },
  };
}

export async function writeHar(dir: string, name: string, har: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(har, null, 2));
  return file;
}
