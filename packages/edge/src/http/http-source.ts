import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { OncePerInterval, describeError, type Component, type Logger, type Metrics, type VigilError } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import { blockedSourceHook, type SourceAccessList } from '../control/source-access-list.ts';
import { edgeErrors } from '../errors.ts';
import type { EdgeMetrics } from '../metrics.ts';
import { ParserRegistry } from '../parsers/registry.ts';
import type { EventPublisher } from '../publish/publisher.ts';
import { identityOf, readIngestKey, type IngestKeyIdentity, type VerifyIngestKey } from './auth.ts';
import { decodeBody } from './decode-body.ts';
import { registerElasticsearchApi, type ElasticsearchApiOptions } from './es-api.ts';
import { answerWhenDurable, type Committed, type IngestContext } from './ingest-context.ts';
import { prepareEvents } from './prepare-events.ts';
import { KeyRateLimiter, type RateLimit } from './rate-limiter.ts';
import { registerRawRoute } from './raw-route.ts';

export type { IngestKeyCheck, IngestKeyIdentity, VerifyIngestKey } from './auth.ts';

/** What the HTTP source needs: where to listen, its limits, how to check keys and where events go. */
export interface HttpIngestSourceOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  maxEventBytes: number;
  /** Most lines or array items in one request. */
  maxLinesPerRequest: number;
  /** Per-key token bucket in events; `perKey` overrides by key name or id. */
  rateLimit: RateLimit & { perKey?: Readonly<Record<string, RateLimit>> };
  /** The Elasticsearch-compatible API (`/_bulk` and what shippers call first). */
  elasticsearch: ElasticsearchApiOptions & { enabled: boolean };
  verifyIngestKey: VerifyIngestKey;
  publisher: EventPublisher;
  /** Parsers for raw-line ingest; defaults to the ones the edge ships with. */
  parsers?: ParserRegistry;
  /** True while the edge is running (drives /healthz and refusals while stopping). */
  isRunning: () => boolean;
  /** Edge-side processing (filters, pseudonymisation) applied to accepted events before they are published. */
  process?: (events: EcsEvent[]) => EcsEvent[];
  /** The spool's fill, for the SPOOL_FULL answer. */
  spoolStatus?: () => { usedBytes: number; maxBytes: number } | undefined;
  metrics: Metrics;
  edgeMetrics: EdgeMetrics;
  logger: Logger;
  now?: () => number;
  /** Source addresses whose ingest requests are refused (403). */
  accessList?: SourceAccessList | undefined;
}

/** What fastify hands its error handler: its own FST_ERR_* errors, or ours. */
interface FastifyFailure {
  code?: string;
  statusCode?: number;
  message: string;
}

/**
 * HTTP ingest: `POST /api/v1/events` (JSON), `POST /api/v1/events/raw` (raw lines in a named
 * format), the Elasticsearch-compatible `/_bulk` API, `GET /healthz` and `GET /metrics`. Every
 * ingest route needs an ingest key, is rate limited per key in events, and is answered only
 * once its accepted events are durable on the bus; when the edge is full it gets 429, when the
 * bus is failing 503, both with Retry-After.
 */
export class HttpIngestSource implements Component {
  readonly name = 'http-ingest';
  readonly #options: HttpIngestSourceOptions;
  readonly #app: FastifyInstance;
  readonly #logOnce = new OncePerInterval();
  readonly #limiter: KeyRateLimiter;
  readonly #identities = new WeakMap<FastifyRequest, IngestKeyIdentity>();
  readonly #context: IngestContext;
  #listening = false;

  constructor(options: HttpIngestSourceOptions) {
    this.#options = options;
    this.#limiter = new KeyRateLimiter({ ...options.rateLimit, ...(options.now && { now: options.now }) });
    this.#app = Fastify({ logger: false, bodyLimit: options.maxBodyBytes, forceCloseConnections: 'idle', return503OnClosing: true });
    this.#context = this.#createContext();
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

  #createContext(): IngestContext {
    const { maxBodyBytes, maxEventBytes, maxLinesPerRequest, edgeMetrics, logger } = this.#options;
    return {
      limits: { maxBodyBytes, maxEventBytes, maxLinesPerRequest },
      parsers: this.#options.parsers ?? new ParserRegistry(),
      edgeMetrics,
      logger,
      now: () => (this.#options.now ?? Date.now)(),
      authenticate: (request) => this.#authenticate(request),
      identity: (request) => this.#identities.get(request) ?? { id: 'unknown', name: 'unknown' },
      admission: () => this.#admission(),
      commit: (events, identity) => this.#commit(events, identity),
      fromFailure: (error) => this.#fromFastify(error as FastifyFailure),
      retryAfterSeconds: (error) => this.#retryAfterSeconds(error),
      sendError: (reply, error, extra) => this.#sendError(reply, error, extra),
    };
  }

  #routes(): void {
    const app = this.#app;
    const { metrics, isRunning } = this.#options;
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.setErrorHandler((error, _request, reply) => this.#sendError(reply, this.#fromFastify(error as FastifyFailure)));
    if (this.#options.accessList) app.addHook('onRequest', blockedSourceHook(this.#options.accessList, (reply, error) => this.#sendError(reply, error)));
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
    const guard = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      const refusal = (await this.#authenticate(request)) ?? this.#admission();
      return refusal && this.#sendError(refusal.status === 401 ? reply.header('www-authenticate', 'Bearer') : reply, refusal);
    };
    app.post('/api/v1/events', { onRequest: guard }, (request, reply) => this.#ingest(request, reply));
    registerRawRoute(app, this.#context, guard);
    const { enabled, ...elasticsearch } = this.#options.elasticsearch;
    if (enabled) {
      void app.register(async (scope) => registerElasticsearchApi(scope, this.#context, { ...elasticsearch, isRunning, isFailing: () => this.#options.publisher.failing }));
    }
  }

  async #authenticate(request: FastifyRequest): Promise<VigilError | undefined> {
    const credentials = readIngestKey(request.headers.authorization);
    if (!credentials.ok) return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_UNAUTHORIZED', { reason: credentials.reason });
    let identity: IngestKeyIdentity | null;
    try {
      identity = identityOf(credentials.key, await this.#options.verifyIngestKey(credentials.key));
    } catch (error) {
      if (this.#logOnce.shouldLog('verify-key')) {
        this.#options.logger.warn({ code: 'VIGIL_ERR_EDGE_HTTP_AUTH_UNAVAILABLE', reason: describeError(error) }, 'ingest key check failed');
      }
      return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_AUTH_UNAVAILABLE');
    }
    if (!identity) return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_UNAUTHORIZED', { reason: 'the key is not a valid ingest key' });
    this.#identities.set(request, identity);
    return undefined;
  }

  #ingest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    return answerWhenDurable(reply, this.#submit(request, reply), (answered, failure) => this.#sendError(answered, failure));
  }

  async #submit(request: FastifyRequest, reply: FastifyReply): Promise<Committed | FastifyReply> {
    const { maxBodyBytes, maxEventBytes, maxLinesPerRequest, edgeMetrics } = this.#options;
    const receivedAt = new Date(this.#context.now()).toISOString();
    const decoded = await decodeBody(request.body as Buffer | undefined, request.headers['content-type'], request.headers['content-encoding'], {
      maxBodyBytes,
      maxLines: maxLinesPerRequest,
    });
    if (!decoded.ok) return this.#sendError(reply, decoded.error, decoded.errors && { errors: decoded.errors });
    edgeMetrics.received.inc({ source: 'http' }, decoded.items.length);
    const { events, errors, rejected } = prepareEvents(decoded.items, receivedAt, maxEventBytes);
    for (const error of errors) edgeMetrics.httpRejected.inc({ code: error.code });
    if (events.length === 0 && rejected > 0) {
      return this.#sendError(reply, edgeErrors.create('VIGIL_ERR_EDGE_HTTP_NO_VALID_EVENTS', { rejected }), { accepted: 0, rejected, errors });
    }
    const answer = { accepted: events.length, rejected, errors };
    return { durable: this.#commit(events, this.#context.identity(request)), status: 202, answer: () => answer };
  }

  #commit(events: EcsEvent[], identity: IngestKeyIdentity): Promise<VigilError | undefined> {
    if (events.length === 0) return Promise.resolve(undefined);
    const refusal = this.#admission() ?? this.#rateLimit(identity, events.length);
    if (refusal) return Promise.resolve(refusal);
    const failed = (error: unknown): VigilError => (edgeErrors.is(error) ? error : edgeErrors.create('VIGIL_ERR_EDGE_INTERNAL', { reason: describeError(error) }));
    try {
      return this.#options.publisher.publish(this.#options.process ? this.#options.process(events) : events).then(() => undefined, failed);
    } catch (error) {
      return Promise.resolve(failed(error));
    }
  }

  #rateLimit(identity: IngestKeyIdentity, count: number): VigilError | undefined {
    const decision = this.#limiter.take(identity, count);
    if (decision.ok) return undefined;
    this.#options.edgeMetrics.httpRateLimited.inc({ key: identity.name }, count);
    const { eventsPerSecond, burstEvents } = decision.limit;
    return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_RATE_LIMITED', { key: identity.name, rate: eventsPerSecond, burst: burstEvents, seconds: decision.retryAfterSeconds });
  }

  /** Whether the edge can take a request now: running, bus healthy, room in memory. */
  #admission(): VigilError | undefined {
    const { publisher, isRunning } = this.#options;
    if (!isRunning()) return edgeErrors.create('VIGIL_ERR_EDGE_STOPPING');
    // A full spool first: it is also why the last delivery failed, and the more useful answer.
    const full = publisher.fullReason();
    if (full === 'spool') {
      const spool = this.#options.spoolStatus?.();
      return edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_FULL', { usedBytes: spool?.usedBytes ?? 'all', maxBytes: spool?.maxBytes ?? 'its' });
    }
    if (publisher.failing) return edgeErrors.create('VIGIL_ERR_EDGE_BUS_UNAVAILABLE', { reason: 'the last batch was not accepted; retrying' });
    if (full === 'memory') return edgeErrors.create('VIGIL_ERR_EDGE_QUEUE_FULL', { inFlight: publisher.inFlight, max: publisher.maxInFlightEvents });
    return undefined;
  }

  #retryAfterSeconds(error: VigilError): number {
    if (error.code === 'VIGIL_ERR_EDGE_HTTP_RATE_LIMITED') return Number(error.params.seconds) || 1;
    if (error.code === 'VIGIL_ERR_EDGE_BUS_UNAVAILABLE') return this.#options.publisher.retryAfterSeconds();
    // The spool drains at the bus's pace; asking for a few seconds keeps retries from hammering it.
    if (error.code === 'VIGIL_ERR_EDGE_SPOOL_FULL') return 5;
    return 1;
  }

  #fromFastify(error: FastifyFailure): VigilError {
    if (edgeErrors.is(error)) return error;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BODY_TOO_LARGE', { max: this.#options.maxBodyBytes });
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BAD_REQUEST', { reason: error.message });
    }
    if (this.#logOnce.shouldLog('internal')) this.#options.logger.error({ code: 'VIGIL_ERR_EDGE_INTERNAL', reason: error.message }, 'HTTP ingest failed');
    return edgeErrors.create('VIGIL_ERR_EDGE_INTERNAL', { reason: 'see the edge log' });
  }

  #sendError(reply: FastifyReply, error: VigilError, extra: Record<string, unknown> = {}): FastifyReply {
    this.#options.edgeMetrics.httpRejected.inc({ code: error.code });
    if (error.status === 429 || error.status === 503) reply.header('retry-after', String(this.#retryAfterSeconds(error)));
    return reply.code(error.status).send({ error: { code: error.code, message: error.message }, ...extra });
  }
}
