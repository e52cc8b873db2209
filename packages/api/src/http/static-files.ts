import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Serves the web app's built files from memory. The directory is read once at start-up, so a
 * request can never name a file outside it (no path handling per request at all).
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

/**
 * What `/` shows when the web app has not been built (a checkout run without `bin/vigil`, which
 * builds it): the API itself works, and the page says how to get the app.
 */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vigil</title></head>
<body><h1>Vigil</h1><p>The web app is not built. Run <code>pnpm --filter @vigil/web build</code> (or start Vigil with <code>bin/vigil</code>, which builds it), then restart the API.</p>
<p>The REST API is up: see <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></body></html>
`;

/**
 * Registers a GET route per file under `dir` (and `/` for `index.html`); returns the URLs served.
 * Files under `assets/` have content hashes in their names (Vite's build), so browsers may keep
 * them for good; everything else is revalidated. Without `index.html` in `dir`, `/` answers with
 * a page saying the app is not built, and `onMissing` is told.
 */
export function registerStaticFiles(app: FastifyInstance, dir: string, onMissing: (dir: string) => void = () => undefined): string[] {
  if (!existsSync(join(dir, 'index.html'))) {
    onMissing(dir);
    app.get('/', async (_request, reply) => reply.type(CONTENT_TYPES['.html']!).header('Cache-Control', 'no-cache').send(NOT_BUILT_PAGE));
    return ['/'];
  }
  const served: string[] = [];
  for (const file of listFiles(dir)) {
    const urlPath = '/' + relative(dir, file).split(sep).join('/');
    const type = CONTENT_TYPES[extname(file).toLowerCase()];
    if (!type) continue;
    const body = readFileSync(file);
    const caching = urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    const send = async (_request: unknown, reply: FastifyReply) => reply.type(type).header('Cache-Control', caching).send(body);
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
