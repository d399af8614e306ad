/**
 * The baseline: a minimal byte pass-through reverse proxy (node:http in, keep-alive
 * node:http agent out, bodies piped both ways, nothing parsed). What Airlock adds is measured
 * against this, in the same run.
 */
import { Agent, createServer, request, type Server } from 'node:http';

export function startPassthroughProxy(upstream: string, port = 0): Promise<Server> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const server = createServer((req, res) => {
    const prefix = /^\/(anthropic|openai|gemini)/.exec(req.url ?? '')?.[0] ?? '';
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    const out = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: (req.url ?? '/').slice(prefix.length),
        headers,
        agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
