import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger, VigilError } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import type { EdgeMetrics } from '../metrics.ts';
import type { ParserRegistry } from '../parsers/registry.ts';
import type { IngestKeyIdentity } from './auth.ts';

/** Size limits every ingest route applies. */
export interface IngestLimits {
  maxBodyBytes: number;
  maxEventBytes: number;
  maxLinesPerRequest: number;
}

/**
 * What the HTTP source hands its routes: authentication, the way to the bus (admission, rate
 * limit, publish) and the Vigil error shape. Routes never reach the publisher themselves.
 */
export interface IngestContext {
  readonly limits: IngestLimits;
  readonly parsers: ParserRegistry;
  readonly edgeMetrics: EdgeMetrics;
  readonly logger: Logger;
  /** The edge's clock, for receipt times and `took`. */
  now(): number;
  /** Checks the request's ingest key; remembers who it is for `identity()`. */
  authenticate(request: FastifyRequest): Promise<VigilError | undefined>;
  /** Who sent an authenticated request. */
  identity(request: FastifyRequest): IngestKeyIdentity;
  /** Whether the edge can take events now (running, bus healthy, room in memory). */
  admission(): VigilError | undefined;
  /** Admission, the key's rate limit, then publish: resolves once the events are durable, or with why not. */
  commit(events: EcsEvent[], identity: IngestKeyIdentity): Promise<VigilError | undefined>;
  /** What to answer for an error fastify raised (body too large, bad request…). */
  fromFailure(error: unknown): VigilError;
  /** Seconds a client should wait before retrying after `error`. */
  retryAfterSeconds(error: VigilError): number;
  /** Answers with `{ "error": { "code", "message" }, ...extra }`, counted and with Retry-After when retryable. */
  sendError(reply: FastifyReply, error: VigilError, extra?: Record<string, unknown>): FastifyReply;
}
