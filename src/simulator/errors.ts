/**
 * Error answers in each provider's own shape, as their SDKs parse them. The simulator plays the
 * provider here, so these follow the public APIs (not Airlock's own error table in src/errors.ts).
 */
import type { ServerResponse } from 'node:http';
import type { Provider } from '../errors.js';
import type { ErrorReply } from './types.js';
import { randomId, sendJson } from './wire.js';

const ANTHROPIC_TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const OPENAI_TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'invalid_request_error',
  404: 'invalid_request_error',
  413: 'invalid_request_error',
  429: 'requests',
  500: 'server_error',
  503: 'server_error',
};

/** google.rpc.Code names as Gemini spells them in `error.status`. */
const GEMINI_STATUS_BY_CODE: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function defaultMessage(status: number): string {
  if (status === 529) return 'Overloaded';
  if (status === 429) return 'Rate limit exceeded (simulated).';
  return `Simulated error with status ${status}.`;
}

/** The body and headers a provider sends for an error of this status. */
export function providerError(
  provider: Provider,
  spec: ErrorReply['error'],
): { body: unknown; headers: Record<string, string> } {
  const message = spec.message ?? defaultMessage(spec.status);
  const extra = spec.headers ?? {};
  switch (provider) {
    case 'openai': {
      const type =
        spec.type ??
        OPENAI_TYPE_BY_STATUS[spec.status] ??
        (spec.status >= 500 ? 'server_error' : 'invalid_request_error');
      const code = spec.status === 429 ? 'rate_limit_exceeded' : null;
      return {
        body: { error: { message, type, param: null, code } },
        headers: { 'x-request-id': randomId('req_', 32), ...extra },
      };
    }
    case 'gemini': {
      const status =
        spec.type ??
        GEMINI_STATUS_BY_CODE[spec.status] ??
        (spec.status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
      return {
        body: { error: { code: spec.status, message, status } },
        headers: { 'content-type': 'application/json; charset=UTF-8', ...extra },
      };
    }
    case 'anthropic': {
      const requestId = randomId('req_011', 21);
      const type =
        spec.type ??
        ANTHROPIC_TYPE_BY_STATUS[spec.status] ??
        (spec.status >= 500 ? 'api_error' : 'invalid_request_error');
      return {
        body: { type: 'error', error: { type, message }, request_id: requestId },
        headers: { 'request-id': requestId, ...extra },
      };
    }
  }
}

export function sendProviderError(
  res: ServerResponse,
  provider: Provider,
  spec: ErrorReply['error'],
): Promise<void> {
  const { body, headers } = providerError(provider, spec);
  return sendJson(res, spec.status, body, headers);
}
