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
  /**
   * Admission, the key's rate limit, then publish: the events are taken (numbered and encoded)
   * before it returns; the promise resolves once they are durable, or with why not. It holds no
   * reference to the events while it waits.
   */
  commit(events: EcsEvent[], identity: IngestKeyIdentity): Promise<VigilError | undefined>;
  /** What to answer for an error fastify raised (body too large, bad request…). */
  fromFailure(error: unknown): VigilError;
  /** Seconds a client should wait before retrying after `error`. */
  retryAfterSeconds(error: VigilError): number;
  /** Answers with `{ "error": { "code", "message" }, ...extra }`, counted and with Retry-After when retryable. */
  sendError(reply: FastifyReply, error: VigilError, extra?: Record<string, unknown>): FastifyReply;
}

/** A request read and its events committed: the wait for durability, and what to answer after it. */
export interface Committed {
  durable: Promise<VigilError | undefined>;
  status: number;
  /** The answer once durable (built before the wait: it holds nothing of the request). */
  answer(): unknown;
}

/**
 * Reads a request and commits its events (`submit`, which answers a refusal itself), then
 * waits for durability and answers. `submit` returns before the wait, so what it read (body,
 * parsed items, events) is unreachable while the request waits: an async function keeps every
 * local of its frame alive across an `await`, used again or not, and 64 requests of 100 events
 * each, held for a batch's flush and fsync, outgrew the young generation and were promoted.
 */
export async function answerWhenDurable(
  reply: FastifyReply,
  submit: Promise<Committed | FastifyReply>,
  refuse: (reply: FastifyReply, failure: VigilError) => FastifyReply,
): Promise<FastifyReply> {
  const committed = await submit;
  if (!('durable' in committed)) return committed;
  const failure = await committed.durable;
  return failure ? refuse(reply, failure) : reply.code(committed.status).send(committed.answer());
}
