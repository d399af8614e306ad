/**
 * Requests node:http cannot read (headers past maxHeaderSize, malformed HTTP, headers that do not
 * arrive in time) get the gateway's own error, in the provider's shape where the route can be
 * told, with `x-airlock-error`: Node's default is a bare status line the assistant shows as an
 * unexplained failure.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AirlockError, providerErrorBody, type Provider } from '../errors.js';
import { closeWithinBounds } from './linger.js';
import type { RefusedReason } from './refused.js';
import { errorHeaders } from './respond.js';
import { providerOf } from './routes.js';

/** What node:http passes to 'clientError': parse errors carry the chunk they were found in. */
export type ClientError = Error & { code?: string; reason?: string; rawPacket?: Buffer };

export interface ClientErrorLimits {
  maxHeaderSize: number;
  headersTimeoutMs: number;
}

/**
 * Sockets already answered, each with what to call as more of its bytes arrive: the parser
 * reports its error again for every chunk that follows. The client may still be sending (the
 * rest of its oversized headers, its body), and closing with its bytes unread would reset the
 * connection and could discard the answer before the client read it: the connection stays
 * open, read, within the bounds of a lingering close (see linger.ts).
 */
const answered = new WeakMap<Duplex, () => void>();

/** Why each answer of answerClientError refused its request (see refused.ts). */
const REASONS: Record<string, RefusedReason> = {
  AIRLOCK_HEADERS_TOO_LARGE: 'headers_too_large',
  AIRLOCK_REQUEST_TIMEOUT: 'headers_timeout',
  AIRLOCK_BAD_HTTP: 'bad_http',
};

/**
 * Answers one unreadable request and closes its connection; returns why it was refused, or
 * undefined when nothing was answered (a connection reset, or already answered). Never throws:
 * node:http calls it from its parser callbacks, where a throw would end the process; a socket it
 * cannot write to is destroyed.
 */
export function answerClientError(
  err: ClientError,
  socket: Duplex,
  limits: ClientErrorLimits,
  log: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void },
): RefusedReason | undefined {
  try {
    const arrived = answered.get(socket);
    if (arrived !== undefined) {
      arrived();
      return undefined;
    }
    answered.set(socket, () => {});
    const inFlight = (socket as { _httpMessage?: ServerResponse })._httpMessage;
    // A reset, or an answer already under way on this connection: no room for another.
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return undefined;
    }
    const error = gatewayError(err, limits);
    const provider = providerOfRequest(err, socket, inFlight);
    (error.code === 'AIRLOCK_HEADERS_TOO_LARGE' ? log.warn : log.debug).call(
      log,
      { code: err.code, provider },
      'unreadable HTTP request refused',
    );
    const body = JSON.stringify(providerErrorBody(provider, error));
    const head = [
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}`,
      'content-type: application/json',
      `content-length: ${Buffer.byteLength(body)}`,
      ...Object.entries(errorHeaders(error)).map(([name, value]) => `${name}: ${value}`),
      'connection: close',
    ].join('\r\n');
    socket.end(`${head}\r\n\r\n${body}`);
    answered.set(socket, closeWithinBounds(socket));
    return REASONS[error.code];
  } catch {
    socket.destroy();
    return undefined;
  }
}

function gatewayError(err: ClientError, limits: ClientErrorLimits): AirlockError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new AirlockError(
        'AIRLOCK_HEADERS_TOO_LARGE',
        `request line and headers over ${limits.maxHeaderSize / 1024} KiB`,
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AirlockError('AIRLOCK_REQUEST_TIMEOUT', `within ${limits.headersTimeoutMs / 1000} s`);
    default:
      return new AirlockError('AIRLOCK_BAD_HTTP', `${err.code ?? 'error'}: ${err.reason ?? err.message}`);
  }
}

/** A request line naming one of the provider prefixes; the last one in a chunk is the one that failed. */
const REQUEST_LINE = /(?:^|\n)[A-Z]+ \/(anthropic|openai|gemini)(?=[/?# ])/g;

/**
 * The provider of the request that failed, from what the gateway has of it: the request being
 * answered when its body turned out malformed, the request line when it is in the chunk the
 * error was found in (a malformed head that came in one read), or the URL node:http's parser
 * set aside (it does so when a head has more than 32 header fields). A head that outgrew
 * maxHeaderSize in one header had its request line in an earlier read, which is gone: the
 * gateway's default shape then, as for an unknown route.
 */
function providerOfRequest(
  err: ClientError,
  socket: Duplex,
  inFlight: ServerResponse | undefined,
): Provider | undefined {
  const inFlightUrl = inFlight?.req?.url;
  if (inFlightUrl !== undefined) return providerOf(inFlightUrl);
  if (err.rawPacket) {
    let provider: Provider | undefined;
    for (const m of err.rawPacket.toString('latin1').matchAll(REQUEST_LINE)) provider = m[1] as Provider;
    if (provider) return provider;
  }
  const parsedUrl = (socket as { parser?: { _url?: unknown } }).parser?._url;
  return typeof parsedUrl === 'string' ? providerOf(parsedUrl) : undefined;
}
