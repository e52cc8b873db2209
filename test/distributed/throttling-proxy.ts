import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';

/**
 * An HTTP proxy in front of OpenSearch that answers `429 Too Many Requests` to bulk requests
 * while throttling is on, the way an overloaded cluster rejects writes, and forwards
 * everything else unchanged.
 */
export class ThrottlingProxy {
  readonly #target: URL;
  #server: Server | undefined;
  #throttleUntil = 0;
  rejected = 0;
  forwarded = 0;

  constructor(target: string) {
    this.#target = new URL(target);
  }

  async start(): Promise<string> {
    const server = createServer((incoming, outgoing) => {
      if (Date.now() < this.#throttleUntil && incoming.url?.includes('_bulk')) {
        this.rejected++;
        incoming.resume();
        outgoing.writeHead(429, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify({ error: { type: 'es_rejected_execution_exception', reason: 'rejected by the test proxy' }, status: 429 }));
        return;
      }
      this.forwarded++;
      const upstream = httpRequest(
        { host: this.#target.hostname, port: this.#target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      upstream.on('error', () => outgoing.writeHead(502).end());
      incoming.pipe(upstream);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.#server = server;
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  /** Rejects bulk writes with 429 for the next `ms` milliseconds. */
  throttleFor(ms: number): void {
    this.#throttleUntil = Date.now() + ms;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
