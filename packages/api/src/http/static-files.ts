import { readFileSync, readdirSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Serves the dashboard's static files from memory. The directory is read once at start-up, so
 * a request can never name a file outside it (no path handling per request at all).
 */

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The directory holding the dashboard shipped with this package. */
export const DASHBOARD_DIR = new URL('../../public/', import.meta.url);

/** Registers a GET route per file under `dir` (and `/` for `index.html`); returns the URLs served. */
export function registerStaticFiles(app: FastifyInstance, dir: string): string[] {
  const served: string[] = [];
  for (const file of listFiles(dir)) {
    const urlPath = '/' + relative(dir, file).split(sep).join('/');
    const type = CONTENT_TYPES[extname(file).toLowerCase()];
    if (!type) continue;
    const body = readFileSync(file);
    const send = async (_request: unknown, reply: FastifyReply) => reply.type(type).header('Cache-Control', 'no-cache').send(body);
    app.get(urlPath, send);
    served.push(urlPath);
    if (urlPath === '/index.html') {
      app.get('/', send);
      served.push('/');
    }
  }
  return served;
}

function listFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(path));
    else if (entry.isFile()) files.push(path);
  }
  return files.sort();
}
