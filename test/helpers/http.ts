/**
 * One exchange over plain node:http, for what fetch() will not send (hop-by-hop headers,
 * `Expect`, an `Upgrade` handshake, an absolute-URI request line to a proxy).
 */
import { request, type ClientRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Sends a request and collects the whole answer. `send` writes the body (default: none); an
 * upgraded connection is an error, since no gateway or proxy here should ever upgrade one.
 */
export function httpAnswer(
  target: string | RequestOptions,
  options: RequestOptions = {},
  send: (req: ClientRequest) => void = (req) => req.end(),
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = typeof target === 'string' ? request(target, options) : request({ ...target, ...options });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('upgrade', () => reject(new Error('the connection was upgraded')));
    req.on('error', reject);
    send(req);
  });
}
