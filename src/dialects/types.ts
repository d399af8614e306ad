/**
 * The contract between the gateway and one provider API. A dialect knows where text lives in
 * a request body and in the events of an answer; it knows nothing of HTTP, detection or policy.
 */
import type { Provider } from '../errors.js';

export type DialectId =
  | 'anthropic-messages'
  | 'anthropic-complete'
  | 'anthropic-batches'
  | 'anthropic-prompt-tools'
  | 'anthropic-managed-agents'
  | 'openai-chat'
  | 'openai-responses'
  | 'openai-completions'
  | 'openai-embeddings'
  | 'openai-conversations'
  | 'openai-files'
  | 'openai-uploads'
  | 'openai-upload-parts'
  | 'openai-batches'
  | 'openai-chat-update'
  | 'anthropic-files'
  | 'gemini-generate'
  | 'gemini-embed'
  | 'gemini-caches'
  | 'gemini-batch-generate'
  | 'gemini-batch-embed'
  | 'gemini-files'
  | 'gemini-interactions'
  /** Read back later by GET (see read-back.ts): the answer only, the request is passthrough. */
  | 'openai-responses-read'
  | 'openai-conversations-read'
  | 'anthropic-batch-read'
  | 'gemini-batch-read'
  | 'gemini-interactions-read'
  | 'openai-files-read'
  | 'openai-chat-read'
  | 'anthropic-managed-agents-read'
  /** Any other endpoint under a provider prefix (models, files, batch results...): forwarded as is. */
  | 'passthrough';

/** Where a piece of text sits in the conversation; policies act per role. */
export const ROLES = [
  'system',
  'user',
  'assistant',
  'tool_result',
  'tool_use',
  'tool_definition',
  'metadata',
  'header',
  /**
   * A secret the client hands the provider to keep and use for the agent's tools (a managed
   * agents vault credential, a repository's token): never shown to the model, useless as a
   * stand-in. The policy's edits do not apply there unless it names this role (compile.ts).
   */
  'credential',
  /**
   * The address of a tool server the provider calls for the model (an MCP server's URL), or
   * another the provider or an agent's sandbox calls (a repository it clones, a host it may
   * reach, a webhook): it must be reached as written, and a stand-in host there fails the calls.
   * Sent as given, as a credential is, unless the policy names this role (compile.ts).
   */
  'tool_server',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles whose text the provider uses as given, never shows the model (see above): the
 * categories' edits do not apply there (compile.ts), nor does the request's replacement of a
 * value found elsewhere (propagateEdits); only a policy entry that names them edits them.
 */
export const GIVEN_ROLES: ReadonlySet<Role> = new Set<Role>(['credential', 'tool_server']);

/** A JSON path into the body: object keys and array indices, outermost first. */
export type JsonPath = readonly (string | number)[];

export interface Segment {
  path: JsonPath;
  role: Role;
  text: string;
  /**
   * The text is the name of a member of the object at `path`, not a value: tool inputs and
   * results are objects whose member names may be paths, hosts or addresses too. The path stops
   * at the object, so that a finding's place never spells out the value found.
   */
  key?: true;
  /**
   * The provider signed this text when it wrote it (an Anthropic `thinking` block's `signature`,
   * a Gemini part's `thoughtSignature`) and rejects the request if it comes back changed. Only
   * the request's replacements of values the model had read before it (propagateEdits) reach
   * it: the model wrote those as the surrogates it saw, which the answer's restoring turned into
   * the originals.
   */
  signed?: true;
  /**
   * Signed text that the answer's restoring never touches (an Anthropic thinking block: the
   * client keeps the surrogates the provider signed), so it comes back exactly as the provider
   * wrote it and goes back unedited, not even by the request's replacements. That also keeps a
   * conversation begun without Airlock valid (its thinking names real values, signed so), and
   * one continued without it (its thinking names surrogates, signed so).
   */
  sealed?: true;
}

/**
 * One text-bearing field of an answer (a JSON body or one streamed event), edited in place.
 * `json: true` means `text` is a fragment of serialized JSON (Anthropic `partial_json`, OpenAI
 * `function.arguments` deltas): whatever is written back must be escaped for a JSON string.
 */
export interface AnswerField {
  /** Stable name of the stream a delta continues (content block index, tool call index...). */
  channel: string;
  json: boolean;
  text: string;
  set(text: string): void;
  /**
   * The text is tool-call input (Anthropic tool_use input, OpenAI function arguments, Responses
   * custom tool input, Gemini functionCall args): where a policy may restore secrets.
   */
  tool?: boolean;
  /**
   * The text is a complete value (a whole JSON answer, a `.done` event, an item snapshot), not a
   * delta that `channel` continues: restore it at once, never hold part of it back. Absent on
   * deltas and where the shape cannot tell (Gemini chunks and whole answers look alike); in a
   * non-streamed answer every field is whole.
   */
  whole?: boolean;
  /** The text is a member name of a tool-call input object: set() renames the member. */
  key?: true;
}

export interface Dialect {
  id: DialectId;
  provider: Provider;
  /** Every text in the request that could carry user or environment data. */
  segments(body: unknown): Segment[];
  /** The model named by the request (body or, for Gemini, the URL path). */
  model(body: unknown, path: string): string | undefined;
  /** Whether the answer will be an SSE stream. */
  streaming(body: unknown, path: string, query: URLSearchParams): boolean;
  /**
   * Whether a JSON answer will be one array whose elements arrive over time (Gemini's
   * :streamGenerateContent without `?alt=sse`), to be restored element by element.
   */
  streamsJsonArray?(path: string, query: URLSearchParams): boolean;
  /** Text fields of one parsed answer object: a whole JSON answer or one SSE event's data. */
  answerFields(answer: unknown, event?: string): AnswerField[];
  /**
   * The answer never holds text to restore (vectors, a batch's metadata): it is relayed as it
   * comes, not read whole to look for surrogates.
   */
  textlessAnswer?: true;
  /** The request body is not JSON (a multipart upload): how it is read and written back. */
  codec?: BodyCodec;
  /**
   * The answer is something the provider stored of earlier requests, read back later by GET (a
   * background response, a batch's results): its request carries nothing to inspect and goes as
   * it came, and the surrogates its answer names are looked up in the vault (see read-back.ts).
   */
  readBack?: ReadBack;
  /**
   * Request headers not sent upstream, whatever the policy: ones that would hold the upstream to
   * what inspection may change (a declared size).
   */
  removedHeaders?: readonly string[];
  /**
   * Rewrites the answer's headers before they reach the client, in place: a URL the upstream
   * gives for the client's next request must lead back through the gateway. `upstream` is the
   * upstream's origin and base path, `gateway` the gateway's URL for this provider
   * (`http://127.0.0.1:8787/gemini`).
   */
  answerHeaders?(
    headers: Record<string, string | string[] | undefined>,
    upstream: string,
    gateway: string,
  ): void;
}

/** How a read-back answer is laid out, beyond what answerFields finds in one value of it. */
export interface ReadBack {
  /** One JSON value per line (JSON Lines, Anthropic's batch results), not one value. */
  lines?: true;
  /**
   * The answer may be anything, of any size (a file's content): it is held to be restored only
   * when it declares a size within limits.max_answer and a type that may be text; any other goes
   * on as it came, unread, rather than be refused as too large.
   */
  sized?: true;
  /**
   * Rewrites, in place by `rewrite`, the URLs in one value of the answer that the client follows
   * next (Anthropic's `results_url`): at the upstream, the client would read them past the gateway.
   */
  answerUrls?(answer: unknown, rewrite: (url: string) => string): void;
}

/**
 * A request body in another format than JSON. `decode` makes it a plain value that segments()
 * lists and the policy edits (throwing an AirlockError for a body it cannot read); `encode`
 * writes the value back as the bytes to send, in the same content type.
 */
export interface BodyCodec {
  decode(raw: Buffer, contentType: string | undefined, headers: RequestHeaders): Promise<unknown>;
  encode(body: unknown): Buffer;
  /**
   * The parts of a decoded body that go as they came, not inspected (a binary file), for the
   * audit log; none when all of it was inspected.
   */
  uninspected?(body: unknown): UninspectedPart[] | undefined;
}

/** The request's headers, names lower-cased (node:http's IncomingHttpHeaders). */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** A part of a request that left uninspected (see BodyCodec.uninspected). */
export interface UninspectedPart {
  /** Where it is in the request: the form field name (`file`), or `body` for a raw upload. */
  field: string;
  /** The content type the client declared for it, or "" when it declared none. */
  type: string;
  bytes: number;
  /** The file name as the client gave it (raw: the audit event masks it). */
  filename?: string;
}
