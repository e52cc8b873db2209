import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { OncePerInterval, describeError, type Component, type Logger, type Metrics, type VigilError } from '@vigil/runtime';
import { edgeErrors } from '../errors.ts';
import type { EdgeMetrics } from '../metrics.ts';
import type { EventPublisher } from '../publish/publisher.ts';
import { decodeBody } from './decode-body.ts';
import { prepareEvents } from './prepare-events.ts';

/** Checks an ingest API key; the key store lives elsewhere (the API role). */
export type VerifyIngestKey = (key: string) => Promise<boolean>;

export interface HttpIngestSourceOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  maxEventBytes: number;
  verifyIngestKey: VerifyIngestKey;
  publisher: EventPublisher;
  /** True while the edge is running (drives /healthz and refusals while stopping). */
  isRunning: () => boolean;
  metrics: Metrics;
  edgeMetrics: EdgeMetrics;
  logger: Logger;
  now?: () => number;
}

/** What fastify hands its error handler: its own FST_ERR_* errors, or ours. */
interface FastifyFailure {
  code?: string;
  statusCode?: number;
  message: string;
}

const AUTHORIZATION = /^(?:Bearer|ApiKey)\s+(\S+)\s*$/i;

/**
 * HTTP ingest: `POST /api/v1/events` (authenticated with an ingest key), `GET /healthz` and
 * `GET /metrics`. A request is answered 202 only once its accepted events are durable on the
 * bus; when the edge is full it gets 429, when the bus is failing 503, both with Retry-After.
 */
export class HttpIngestSource implements Component {
  readonly name = 'http-ingest';
  readonly #options: HttpIngestSourceOptions;
  readonly #app: FastifyInstance;
  readonly #logOnce = new OncePerInterval();
  #listening = false;

  constructor(options: HttpIngestSourceOptions) {
    this.#options = options;
    this.#app = Fastify({ logger: false, bodyLimit: options.maxBodyBytes, forceCloseConnections: 'idle', return503OnClosing: true });
    this.#routes();
  }

  /** The fastify instance, for `inject()` in tests. */
  get app(): FastifyInstance {
    return this.#app;
  }

  /** The bound address, once started. */
  address(): { host: string; port: number } | undefined {
    const bound = this.#listening ? this.#app.server.address() : null;
    if (!bound || typeof bound === 'string') return undefined;
    return { host: bound.address, port: bound.port };
  }

  async start(): Promise<void> {
    await this.#app.listen({ host: this.#options.host, port: this.#options.port });
    this.#listening = true;
    this.#options.logger.info({ host: this.#options.host, port: this.address()?.port }, 'HTTP ingest listening');
  }

  async stop(): Promise<void> {
    await this.#app.close();
    this.#listening = false;
  }

  #routes(): void {
    const app = this.#app;
    const { metrics, isRunning } = this.#options;
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.setErrorHandler((error, _request, reply) => this.#sendError(reply, this.#fromFastify(error as FastifyFailure)));
    app.setNotFoundHandler((request, reply) =>
      this.#sendError(reply, edgeErrors.create('VIGIL_ERR_EDGE_HTTP_NOT_FOUND', { method: request.method, url: request.url.split('?')[0] })),
    );
    app.get('/healthz', async (_request, reply) => {
      if (isRunning()) return reply.send({ status: 'ok' });
      const stopping = edgeErrors.create('VIGIL_ERR_EDGE_STOPPING');
      return reply.code(stopping.status).send({ error: { code: stopping.code, message: stopping.message } });
    });
    app.get('/metrics', async (_request, reply) => {
      const rendered = await metrics.render();
      return reply.type(rendered.contentType).send(rendered.body);
    });
    app.post('/api/v1/events', { onRequest: (request, reply) => this.#authenticate(request, reply) }, (request, reply) => this.#ingest(request, reply));
  }

  async #authenticate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const header = request.headers.authorization;
    const key = header ? AUTHORIZATION.exec(header)?.[1] : undefined;
    if (!key) {
      const reason = header ? 'the Authorization header is not "Bearer <key>" or "ApiKey <key>"' : 'no Authorization header';
      return this.#sendError(reply.header('www-authenticate', 'Bearer'), edgeErrors.create('VIGIL_ERR_EDGE_HTTP_UNAUTHORIZED', { reason }));
    }
    let valid: boolean;
    try {
      valid = await this.#options.verifyIngestKey(key);
    } catch (error) {
      if (this.#logOnce.shouldLog('verify-key')) {
        this.#options.logger.warn({ code: 'VIGIL_ERR_EDGE_HTTP_AUTH_UNAVAILABLE', reason: describeError(error) }, 'ingest key check failed');
      }
      return this.#sendError(reply, edgeErrors.create('VIGIL_ERR_EDGE_HTTP_AUTH_UNAVAILABLE'));
    }
    if (!valid) {
      return this.#sendError(reply.header('www-authenticate', 'Bearer'), edgeErrors.create('VIGIL_ERR_EDGE_HTTP_UNAUTHORIZED', { reason: 'the key is not a valid ingest key' }));
    }
    const refusal = this.#admission();
    if (refusal) return this.#sendError(reply, refusal);
    return undefined;
  }

  async #ingest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { maxBodyBytes, maxEventBytes, publisher, edgeMetrics } = this.#options;
    const receivedAt = new Date((this.#options.now ?? Date.now)()).toISOString();
    const decoded = await decodeBody(request.body as Buffer | undefined, request.headers['content-type'], request.headers['content-encoding'], maxBodyBytes);
    if (!decoded.ok) return this.#sendError(reply, decoded.error, decoded.errors && { errors: decoded.errors });
    edgeMetrics.received.inc({ source: 'http' }, decoded.items.length);
    const { events, errors, rejected } = prepareEvents(decoded.items, receivedAt, maxEventBytes);
    for (const error of errors) edgeMetrics.httpRejected.inc({ code: error.code });
    if (events.length === 0 && rejected > 0) {
      return this.#sendError(reply, edgeErrors.create('VIGIL_ERR_EDGE_HTTP_NO_VALID_EVENTS', { rejected }), { accepted: 0, rejected, errors });
    }
    if (events.length > 0) {
      const refusal = this.#admission();
      if (refusal) return this.#sendError(reply, refusal);
      try {
        await publisher.publish(events);
      } catch (error) {
        return this.#sendError(reply, edgeErrors.is(error) ? error : edgeErrors.create('VIGIL_ERR_EDGE_INTERNAL', { reason: describeError(error) }));
      }
    }
    return reply.code(202).send({ accepted: events.length, rejected, errors });
  }

  /** Whether the edge can take a request now: running, bus healthy, room in memory. */
  #admission(): VigilError | undefined {
    const { publisher, isRunning } = this.#options;
    if (!isRunning()) return edgeErrors.create('VIGIL_ERR_EDGE_STOPPING');
    if (publisher.failing) return edgeErrors.create('VIGIL_ERR_EDGE_BUS_UNAVAILABLE', { reason: 'the last batch was not accepted; retrying' });
    if (publisher.isFull()) return edgeErrors.create('VIGIL_ERR_EDGE_QUEUE_FULL', { inFlight: publisher.inFlight, max: publisher.maxInFlightEvents });
    return undefined;
  }

  #fromFastify(error: FastifyFailure): VigilError {
    if (edgeErrors.is(error)) return error;
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BODY_TOO_LARGE', { max: this.#options.maxBodyBytes });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_MEDIA_TYPE', { type: 'that was sent' });
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BAD_REQUEST', { reason: error.message });
    }
    if (this.#logOnce.shouldLog('internal')) this.#options.logger.error({ code: 'VIGIL_ERR_EDGE_INTERNAL', reason: error.message }, 'HTTP ingest failed');
    return edgeErrors.create('VIGIL_ERR_EDGE_INTERNAL', { reason: 'see the edge log' });
  }

  #sendError(reply: FastifyReply, error: VigilError, extra: Record<string, unknown> = {}): FastifyReply {
    this.#options.edgeMetrics.httpRejected.inc({ code: error.code });
    if (error.status === 429 || error.status === 503) {
      const seconds = error.code === 'VIGIL_ERR_EDGE_BUS_UNAVAILABLE' ? this.#options.publisher.retryAfterSeconds() : 1;
      reply.header('retry-after', String(seconds));
    }
    return reply.code(error.status).send({ error: { code: error.code, message: error.message }, ...extra });
  }
}
