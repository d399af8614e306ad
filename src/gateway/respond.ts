/**
 * Answers the gateway writes itself. Before headers are sent an error is a provider-shaped
 * body; after, it can only end the stream with the provider's own error event (or a reset).
 */
import type { ServerResponse } from 'node:http';
import { AirlockError, providerErrorBody, type Provider } from '../errors.js';
import { closeAfterAnswer } from './linger.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/**
 * An error answer in the provider's shape. Sent before the request's body is in (a body over
 * the limit, a request refused unread), it closes the connection the way that lets a client
 * still sending its body read it (see linger.ts).
 */
export function sendError(res: ServerResponse, provider: Provider | undefined, err: AirlockError): void {
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  sendJson(res, err.status, providerErrorBody(provider, err), {
    ...errorHeaders(err),
    ...closeAfterAnswer(res),
  });
}

/** The headers of every error answer the gateway writes itself. */
export function errorHeaders(err: AirlockError): Record<string, string> {
  return err.final
    ? { 'x-airlock-error': err.code, 'x-should-retry': 'false' }
    : { 'x-airlock-error': err.code };
}

/** The SSE event each provider's SDK recognizes as an error inside a stream. */
export function streamErrorEvent(provider: Provider, err: AirlockError): Buffer {
  const body = providerErrorBody(provider, err);
  const event = provider === 'anthropic' ? 'event: error\n' : '';
  return Buffer.from(`${event}data: ${JSON.stringify(body)}\n\n`);
}
