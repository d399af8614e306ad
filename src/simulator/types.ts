/**
 * The provider simulator's public types: what a script may say and what the simulator records.
 * A script is declarative data (so it can come from a JSON/YAML file for `airlock simulate`) or,
 * for tests, a function of the recorded request.
 */

/** One request as the simulator received it, before any answer was written. */
export interface RecordedRequest {
  method: string;
  /** Path with the query string, exactly as received (e.g. `/v1beta/models/x:streamGenerateContent?alt=sse`). */
  path: string;
  /** Header names lower-cased; repeated headers joined with `, ` (cookies with `; `) by node:http. */
  headers: Record<string, string>;
  /** The body bytes as received (still compressed if the client compressed them). */
  body: Buffer;
  /** The decoded body parsed as JSON, when it is JSON. */
  json?: unknown;
  /** Date.now() when the whole body had been received. */
  at: number;
}

/**
 * A value of a tool-call argument: a JSON literal, or a value taken from the request.
 * `fromRequest` is a regular expression with one capture group, searched in the concatenation
 * (joined by "\n") of every string leaf of the request's JSON body — i.e. after JSON-unescaping,
 * so a path written `C:\\Users` in JSON is matched as `C:\Users`. Without a match the simulator
 * answers 400 naming the pattern, unless `fallback` is given.
 */
export type ArgValue =
  string | number | boolean | null | FromRequest | readonly ArgValue[] | { readonly [key: string]: ArgValue };

export interface FromRequest {
  fromRequest: string;
  /** RegExp flags (e.g. `i`, `s`); `g` and `y` are ignored. */
  flags?: string;
  /** Text to build around the capture, `$1` standing for it (e.g. `cat $1` for a shell tool). */
  template?: string;
  /** Used as is (not templated) when the pattern matches nothing. */
  fallback?: string;
}

export interface TextStep {
  /** Literal text, or text taken from the request (e.g. to echo a planted value back). */
  text: string | FromRequest;
}

export interface ToolCallStep {
  toolCall: {
    name: string;
    args: Record<string, ArgValue>;
    /** Tool call id; a provider-shaped random one (`toolu_…`, `call_…`) when absent. */
    id?: string;
  };
}

/**
 * The model's visible reasoning: an Anthropic `thinking` block (thinking_delta events, then a
 * signature_delta), a Responses `reasoning` item with a summary (reasoning_summary_text events),
 * a Gemini part with `thought: true`. Chat Completions and legacy Complete have no place for it
 * and leave it out.
 */
export interface ThinkingStep {
  thinking: string | FromRequest;
}

export type ReplyStep = TextStep | ThinkingStep | ToolCallStep;

/** The codings `compress` can ask for. */
export type AnswerCoding = 'gzip' | 'deflate' | 'br';

/** Options that shape how an answer is streamed; each overrides the simulator-wide setting. */
export interface StreamShape {
  /** Delay between streamed events, in milliseconds. */
  pacingMs?: number;
  /** Code points per text delta; absent means one delta per word (with its trailing space). */
  chunkSize?: number;
  /** Code points per tool-call arguments fragment (Anthropic, OpenAI Chat, Responses). */
  argsChunkSize?: number;
}

/** A normal answer: text and tool calls, in order. */
export interface AnswerReply extends StreamShape {
  reply: ReplyStep[];
  /**
   * Fault injection for the gateway's tests: destroy the socket after this many streamed events
   * (SSE, or chunks of a Gemini JSON-array stream). For a JSON answer, any value sends the headers
   * and the first half of the body, then destroys the socket.
   */
  dropAfterEvents?: number;
  /** Fault injection: after this many events, stop writing but keep the connection open. */
  stallAfterEvents?: number;
  /**
   * Compress the answer in this coding whatever the client asked for, as a proxy that always
   * compresses does: a stream is flushed after every event, so each can be decoded as it comes.
   */
  compress?: AnswerCoding;
  /**
   * After this many events, end the stream with the provider's in-stream error (Anthropic
   * `event: error`, OpenAI `data: {"error":…}`, Responses `event: error`, Gemini `data: {"error":…}`),
   * as the real APIs do when they fail after the headers went out. Streams only.
   */
  streamError?: StreamErrorSpec;
}

export interface StreamErrorSpec {
  afterEvents: number;
  /** Defaults: Anthropic 529 (overloaded_error), OpenAI 500 (server_error), Gemini 503 (UNAVAILABLE). */
  status?: number;
  type?: string;
  message?: string;
}

/** Answer with an HTTP error in the provider's own shape (e.g. 429, 529 overloaded, 500). */
export interface ErrorReply {
  error: {
    status: number;
    message?: string;
    /** Provider error type (Anthropic `overloaded_error`, OpenAI `rate_limit_exceeded`, Gemini `RESOURCE_EXHAUSTED`); derived from the status when absent. */
    type?: string;
    /** Extra response headers, e.g. `{ "retry-after": "1" }`. */
    headers?: Record<string, string>;
  };
}

/** Never answer, not even the headers: the gateway's upstream timeout must fire. */
export interface HangReply {
  hang: true;
}

export type Reply = AnswerReply | ErrorReply | HangReply;

export type ScriptFunction = (req: RecordedRequest) => Reply | Promise<Reply>;

/**
 * How a list of replies is walked:
 * - `arrival`: the n-th generation request (messages, chat, responses, generateContent, complete,
 *   legacy completions) gets the n-th reply; the last one repeats.
 * - `history`: the reply is chosen by the number of assistant turns already in the request's
 *   conversation, so side requests a real CLI makes (titles, quota probes) don't shift the script.
 * - `toolResults`: chosen by the number of turns that brought tool results back (Anthropic
 *   tool_result blocks, OpenAI `tool` messages, Responses `*_call_output` items, Gemini
 *   functionResponse parts): "first a tool call, then, once its result is back, a final text".
 *   Robust to clients that seed the history with their own assistant turns (Qwen Code does).
 */
export type TurnMode = 'arrival' | 'history' | 'toolResults';

export interface TurnScript {
  turns: Reply[];
  turnBy?: TurnMode;
}

/** A script without routing: one reply, or replies walked turn by turn. */
export type PlainScript = Reply | Reply[] | TurnScript;

/**
 * Which requests a route takes. Every field given must match (regular expressions, searched,
 * not anchored). Real CLIs send side requests (Gemini CLI's complexity classifier asking for
 * JSON, Claude Code's title generation); routes give them their own answers.
 */
export interface RequestMatch {
  /** Searched in the path with its query, e.g. `:generateContent$` or `beta=true`. */
  path?: string;
  /** Searched in the request text (the string leaves of the JSON body, as for fromRequest). */
  text?: string;
  /** Searched in the raw body, keys included, e.g. `"responseMimeType":"application/json"`. */
  body?: string;
  /** Searched in the model name (from the body, or Gemini's URL). */
  model?: string;
}

export interface ScriptRoute {
  when: RequestMatch;
  script: PlainScript;
}

/** The first route whose `when` matches answers; each route walks its own turns. */
export interface RoutedScript {
  routes: ScriptRoute[];
  /** For requests no route takes; the default greeting when absent. */
  otherwise?: PlainScript;
}

export type Script = PlainScript | RoutedScript | ScriptFunction;

export interface SimulatorOptions extends StreamShape {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  script?: Script;
  /**
   * Keep every request in `received` (default true). Benchmarks turn it off: thousands of
   * recorded 100 KB bodies (and their parsed JSON) would make the simulator measure its own GC.
   */
  record?: boolean;
  /** Called once per request, after its body is read (e.g. for `airlock simulate --log`). */
  onRequest?: (req: RecordedRequest) => void;
}

export interface Simulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  /** Base URLs as each SDK expects them (OpenAI's includes `/v1`). */
  urls: { anthropic: string; openai: string; gemini: string };
  received: RecordedRequest[];
  setScript(script: Script): void;
  setPacing(ms: number): void;
  /** Forget received requests and restart the turn counter. */
  reset(): void;
  /** Stop listening and destroy open connections (including hung and paced ones). */
  close(): Promise<void>;
}
