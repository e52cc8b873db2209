import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Component } from './component.ts';
import type { Metrics } from './metrics.ts';

export interface OpsServerOptions {
  host: string;
  port: number;
  metrics: Metrics;
  /** True once the process is ready to do its work (and still able to). */
  ready: () => boolean;
}

/**
 * `GET /healthz` and `GET /metrics` for roles that have no HTTP port of their own (engine,
 * indexer), so every Vigil process can be probed and scraped the same way.
 */
export class OpsServer implements Component {
  readonly name = 'ops-http';
  readonly #options: OpsServerOptions;
  #server: Server | undefined;

  constructor(options: OpsServerOptions) {
    this.#options = options;
  }

  address(): AddressInfo | undefined {
    const address = this.#server?.address();
    return address && typeof address === 'object' ? address : undefined;
  }

  async start(): Promise<void> {
    const { host, port, metrics, ready } = this.#options;
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'GET') {
        response.writeHead(405, { allow: 'GET' }).end();
      } else if (path === '/healthz') {
        const ok = ready();
        response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'starting' }));
      } else if (path === '/metrics') {
        metrics.render().then(
          ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
          () => response.writeHead(500).end(),
        );
      } else {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'VIGIL_ERR_OPS_NOT_FOUND', message: 'not found' } }));
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
