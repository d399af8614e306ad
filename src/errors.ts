/**
 * Every error the gateway itself produces, in one table with stable codes (the pattern of
 * fastify's lib/errors.js). docs/errors.md lists the same codes; test/errors.test.ts keeps the
 * two in step. Each entry says what happened and what to do, because the assistant shows the
 * message to the developer verbatim.
 */
export type Provider = 'anthropic' | 'openai' | 'gemini';

/** The provider-neutral kind of an error; each provider spells it its own way. */
export type ErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'too_large'
  | 'api_error'
  | 'overloaded'
  | 'timeout';

export interface ErrorDef {
  status: number;
  kind: ErrorKind;
  /** What happened and what to do; `{detail}` is replaced by the call site's detail. */
  message: string;
  /**
   * The same request would fail the same way again: clients are told not to retry it
   * (`x-should-retry: false`, which the Anthropic and OpenAI SDKs obey), since the SDKs retry
   * every 5xx by default and each retry of a provider request costs a whole generation.
   */
  final?: true;
  /**
   * The policy refused what the request carries. The body adds each provider's own mark of a
   * data-loss-prevention refusal, which the provider's CLI shows as one and does not send again:
   * without it Claude Code prefixes a 403 with "Failed to authenticate" (or "Please run /login"),
   * and Codex sends a request answered 403 five more times (docs/errors.md).
   */
  refusal?: true;
}

export const ERRORS = {
  AIRLOCK_BODY_TOO_LARGE: {
    status: 413,
    kind: 'too_large',
    message:
      'Request body is larger than the gateway limit ({detail}). Raise `limits.max_body` in the Airlock config if this is expected.',
  },
  AIRLOCK_DECODED_TOO_LARGE: {
    status: 413,
    kind: 'too_large',
    message:
      'Compressed request body expands beyond the gateway limit ({detail}); refused as a possible decompression bomb. Raise `limits.max_body` if this is expected.',
  },
  AIRLOCK_BAD_ENCODING: {
    status: 400,
    kind: 'invalid_request',
    message:
      'Request body could not be decoded ({detail}). Send it uncompressed, or compressed in a coding the gateway decodes.',
  },
  AIRLOCK_BAD_JSON: {
    status: 400,
    kind: 'invalid_request',
    message: 'Request body is not valid JSON ({detail}). Airlock must read the body to inspect it.',
  },
  AIRLOCK_BAD_MULTIPART: {
    status: 400,
    kind: 'invalid_request',
    message:
      'Request body is not a multipart/form-data upload that can be read ({detail}). Airlock must read an upload to inspect it.',
  },
  AIRLOCK_TOO_DEEP: {
    status: 400,
    kind: 'invalid_request',
    final: true,
    message:
      'Request body nests deeper than Airlock inspects ({detail}). Send the value flatter (a tool ' +
      'schema or tool input this deep is most likely a bug in the client).',
  },
  AIRLOCK_WEBSOCKET_UNSUPPORTED: {
    status: 400,
    kind: 'invalid_request',
    message:
      'Airlock does not proxy WebSocket connections ({detail}): it inspects HTTP requests. Use the HTTP API ' +
      '(streaming over SSE); for Codex, set supports_websockets = false on the provider.',
  },
  AIRLOCK_NONCANONICAL_PATH: {
    status: 400,
    kind: 'invalid_request',
    message:
      'Request path {detail}. Airlock inspects an endpoint only under its exact spelling and refuses ' +
      'other spellings of it (empty or dot segments, percent-encoded characters, a different case), ' +
      'which the provider may read as the same endpoint, so that nothing reaches it uninspected. ' +
      'Fix the base URL or path the client uses.',
  },
  AIRLOCK_HEADERS_TOO_LARGE: {
    status: 431,
    kind: 'too_large',
    message:
      'Request headers are larger than the gateway accepts ({detail}). Send fewer or smaller headers ' +
      '(custom headers such as ANTHROPIC_CUSTOM_HEADERS, cookies).',
  },
  AIRLOCK_BAD_HTTP: {
    status: 400,
    kind: 'invalid_request',
    message: 'The request is not valid HTTP/1.1 ({detail}); the gateway could not read it.',
  },
  AIRLOCK_REQUEST_TIMEOUT: {
    status: 408,
    kind: 'timeout',
    message: "The request's headers did not arrive in time ({detail}). Retry.",
  },
  AIRLOCK_BODY_TIMEOUT: {
    status: 408,
    kind: 'timeout',
    message:
      "The request's body stopped arriving before it was complete ({detail}). Retry; raise " +
      '`timeouts.body_idle_ms` in the Airlock config if the client sends its body slower than that.',
  },
  AIRLOCK_UNKNOWN_ROUTE: {
    status: 404,
    kind: 'not_found',
    message:
      'No provider route for {detail}. Point the client at /anthropic, /openai/v1 or /gemini on this gateway.',
  },
  AIRLOCK_UPSTREAM_UNREACHABLE: {
    status: 502,
    kind: 'api_error',
    message:
      'Airlock could not reach the upstream provider ({detail}). Check the network or the upstream URL in the Airlock config.',
  },
  AIRLOCK_UPSTREAM_BROKE_OFF: {
    status: 502,
    kind: 'api_error',
    message:
      "The upstream provider's answer broke off before it was complete ({detail}). Retry; if it " +
      'keeps happening, check the connection to the provider and any proxy on the way.',
  },
  AIRLOCK_UPSTREAM_BAD_ANSWER: {
    status: 502,
    kind: 'api_error',
    message:
      "The upstream provider's answer could not be decoded ({detail}): its bytes do not match its " +
      'content-encoding. Retry; if it keeps happening, a proxy between Airlock and the provider may be altering answers.',
  },
  AIRLOCK_UPSTREAM_TIMEOUT: {
    status: 504,
    kind: 'timeout',
    message:
      'The upstream provider did not answer in time ({detail}). Retry, or raise `timeouts` in the Airlock config.',
  },
  AIRLOCK_UPSTREAM_QUEUE_TIMEOUT: {
    status: 503,
    kind: 'overloaded',
    message:
      'No connection to the upstream provider came free in time ({detail}): every one Airlock may open ' +
      'to it was busy. Nothing of this request was sent. Retry shortly, or raise ' +
      '`limits.max_upstream_connections` or `timeouts.queue_ms` in the Airlock config.',
  },
  AIRLOCK_ANSWERS_HELD_FULL: {
    status: 503,
    kind: 'overloaded',
    message:
      'Airlock holds as many non-streamed answers to restore as it may at once ({detail}). ' +
      'Retry shortly, ask for a streamed answer (`stream: true`), which is restored as it arrives, ' +
      'or raise `limits.max_answers_held` in the Airlock config.',
  },
  AIRLOCK_CONNECTIONS_FULL: {
    status: 503,
    kind: 'overloaded',
    message:
      'Airlock serves as many client connections as it may at once ({detail}): this one was answered ' +
      'and closed. Retry shortly, or raise `limits.max_connections` in the Airlock config.',
  },
  AIRLOCK_ANSWER_TOO_LARGE: {
    status: 502,
    kind: 'api_error',
    final: true,
    message:
      'The upstream answer is larger than Airlock reads whole to restore its surrogates ({detail}). ' +
      'Raise `limits.max_answer` in the Airlock config, or ask for a streamed answer (`stream: true`), ' +
      'which is restored as it arrives.',
  },
  AIRLOCK_FOREIGN_HOST: {
    status: 403,
    kind: 'permission',
    final: true,
    message:
      'This gateway listens on a loopback address and answers only requests addressed to a loopback ' +
      'name; this one names Host {detail}, as a web page does that renamed 127.0.0.1 (DNS rebinding). ' +
      'Use http://127.0.0.1 or http://localhost, or set listen.host to the address clients use.',
  },
  AIRLOCK_FROM_WEB_PAGE: {
    status: 403,
    kind: 'permission',
    final: true,
    message:
      'Airlock takes no requests that change something from a page of another site ({detail}): a web ' +
      'page must not make the gateway forward or record requests. Use an API client or SDK.',
  },
  AIRLOCK_POLICY_BLOCKED: {
    status: 403,
    kind: 'permission',
    final: true,
    refusal: true,
    message: 'Airlock blocked this request: {detail}',
  },
  AIRLOCK_UNINSPECTED_BLOCKED: {
    status: 403,
    kind: 'permission',
    final: true,
    refusal: true,
    message: 'Airlock blocked this request: {detail}',
  },
  AIRLOCK_INSPECTION_FAILED: {
    status: 503,
    kind: 'overloaded',
    message:
      'Airlock could not inspect this request ({detail}) and the policy says to block on error (`on_error: block`). Retry; if it persists, check the gateway log.',
  },
  AIRLOCK_AUDIT_UNAVAILABLE: {
    status: 503,
    kind: 'overloaded',
    message:
      'The audit log is unavailable and its spool is full ({detail}); the policy blocks unaudited requests. Check the audit store.',
  },
  AIRLOCK_CLIENT_GONE: {
    status: 499,
    kind: 'invalid_request',
    message:
      'The client closed the connection ({detail}): before its request was sent on (nothing left the gateway), or before its whole answer had reached it. Recorded in the audit log, never sent.',
  },
  AIRLOCK_CLIENT_STALLED: {
    status: 408,
    kind: 'timeout',
    message:
      'The client read nothing of its answer for too long ({detail}): the gateway closed its connection and the upstream request. Recorded in the audit log, never sent.',
  },
  AIRLOCK_INTERNAL: {
    status: 500,
    kind: 'api_error',
    message:
      'Airlock failed while handling this request ({detail}). This is a bug; the gateway log has the details.',
  },
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

export class AirlockError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly kind: ErrorKind;
  /** See ErrorDef.final. */
  readonly final: boolean;
  /** See ErrorDef.refusal. */
  readonly refusal: boolean;

  constructor(code: ErrorCode, detail: string, options?: { cause?: unknown }) {
    const def: ErrorDef = ERRORS[code];
    // A function, so that a `$&` or `$'` in the detail (a path the client sent) is not read as a pattern.
    super(
      def.message.replace('{detail}', () => detail),
      options,
    );
    this.name = 'AirlockError';
    this.code = code;
    this.status = def.status;
    this.kind = def.kind;
    this.final = def.final === true;
    this.refusal = def.refusal === true;
  }
}

const ANTHROPIC_TYPES: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  too_large: 'request_too_large',
  api_error: 'api_error',
  overloaded: 'overloaded_error',
  timeout: 'timeout_error', // Anthropic's 504 type (its errors page)
};

const OPENAI_TYPES: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  too_large: 'invalid_request_error',
  api_error: 'api_error',
  overloaded: 'server_error',
  timeout: 'timeout_error',
};

/** google.rpc.Code names, as Gemini returns them in `error.status`. */
const GEMINI_STATUS: Record<ErrorKind, string> = {
  invalid_request: 'INVALID_ARGUMENT',
  authentication: 'UNAUTHENTICATED',
  permission: 'PERMISSION_DENIED',
  not_found: 'NOT_FOUND',
  too_large: 'INVALID_ARGUMENT',
  api_error: 'INTERNAL',
  overloaded: 'UNAVAILABLE',
  timeout: 'DEADLINE_EXCEEDED',
};

/**
 * A refusal in each provider's own words for data-loss prevention. Anthropic's API marks an
 * organization's DLP denial with this error_code: Claude Code then shows "API Error: 403
 * <message>" and takes the body as one not to send again. OpenAI's marks a request a workspace's
 * inference hook blocked with this code: Codex shows the message and does not retry, where it
 * sends a request answered with any other 403 five more times. Airlock's own code stays in the
 * x-airlock-error header.
 */
const ANTHROPIC_REFUSAL_CODE = 'dlp_request_denied';
const OPENAI_REFUSAL_CODE = 'inference_hook_denied';

/** The body a provider's own SDK parses and shows for an error of this kind. */
export function providerErrorBody(provider: Provider | undefined, err: AirlockError): unknown {
  switch (provider) {
    case 'openai': {
      const code = err.refusal ? OPENAI_REFUSAL_CODE : err.code;
      return { error: { message: err.message, type: OPENAI_TYPES[err.kind], param: null, code } };
    }
    case 'gemini':
      return { error: { code: err.status, message: err.message, status: GEMINI_STATUS[err.kind] } };
    case 'anthropic':
    default: {
      const error = { type: ANTHROPIC_TYPES[err.kind], message: err.message };
      return {
        type: 'error',
        error: err.refusal ? { ...error, details: { error_code: ANTHROPIC_REFUSAL_CODE } } : error,
      };
    }
  }
}
