/**
 * Serves the built front end (`web/dist`, made by `vite build web`). Vite names assets by
 * content hash, so `assets/*` are cached for a year as immutable; `index.html` is revalidated
 * every time so a rebuilt dashboard shows up on reload. Assets are read once and kept in memory
 * with a gzip copy: the whole build is about a hundred kilobytes.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { escapeHtml, sendHtml, sendText } from './http.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt']);

interface CachedFile {
  type: string;
  body: Buffer;
  gzip?: Buffer;
  etag: string;
}

/** `web/dist` next to the package root, from src/dashboard (tsx) or dist/src/dashboard (built). */
export function defaultWebRoot(): string {
  const candidates = ['../../web/dist', '../../../web/dist'].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  return candidates.find((c) => existsSync(join(c, 'index.html'))) ?? candidates[0] ?? 'web/dist';
}

export class StaticFiles {
  private readonly cache = new Map<string, CachedFile | null>();

  constructor(readonly root: string) {}

  built(): boolean {
    return existsSync(join(this.root, 'index.html'));
  }

  private load(rel: string): CachedFile | null {
    const hit = this.cache.get(rel);
    if (hit !== undefined) return hit;
    const full = normalize(join(this.root, rel));
    let file: CachedFile | null = null;
    if (full.startsWith(this.root + sep) && existsSync(full) && statSync(full).isFile()) {
      const ext = extname(full).toLowerCase();
      const body = readFileSync(full);
      file = {
        type: TYPES[ext] ?? 'application/octet-stream',
        body,
        gzip: COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body) : undefined,
        etag: `"${body.length.toString(16)}-${statSync(full).mtimeMs.toString(16)}"`,
      };
    }
    // Hashed assets never change; index.html is re-read (it is tiny) so a rebuild made while
    // the gateway runs shows up on reload. What does not exist is not remembered either.
    if (file && rel.startsWith('assets/')) this.cache.set(rel, file);
    return file;
  }

  /** Serves `rel` (a path inside the build) and returns true, or returns false when absent. */
  serve(req: IncomingMessage, res: ServerResponse, rel: string): boolean {
    if (rel.includes('\0') || rel.split('/').includes('..')) return false;
    const file = this.load(rel);
    if (!file) return false;
    const immutable = rel.startsWith('assets/');
    res.setHeader('content-type', file.type);
    res.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.setHeader('etag', file.etag);
    res.setHeader('vary', 'accept-encoding');
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304).end();
      return true;
    }
    const gzip =
      file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) ? file.gzip : undefined;
    const body = gzip ?? file.body;
    if (gzip) res.setHeader('content-encoding', 'gzip');
    res.setHeader('content-length', body.length);
    res.writeHead(200);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }

  /** The page shown instead of the app when `web/dist` was never built. */
  missing(res: ServerResponse): void {
    const html =
      '<!doctype html><meta charset="utf-8"><title>Airlock dashboard not built</title>' +
      '<h1>The Airlock dashboard is not built</h1>' +
      `<p>No front-end build at <code>${escapeHtml(this.root)}</code>.</p>` +
      '<p>Build it from the Airlock checkout with <code>npm run build:web</code> ' +
      '(or <code>npx vite build web</code>), then reload. The JSON API under ' +
      '<code>/_airlock/api/</code> works without it.</p>';
    sendHtml(res, 503, html);
  }

  notFound(res: ServerResponse): void {
    sendText(res, 404, 'not found\n');
  }
}
