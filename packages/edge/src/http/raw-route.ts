import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { describeError, type VigilError } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import { edgeErrors } from '../errors.ts';
import { normalizeLine, type NormalizedSyslog } from '../normalize.ts';
import type { ParserRegistry } from '../parsers/registry.ts';
import { inflateBody, mediaTypeOf, splitLines } from './decode-body.ts';
import { answerWhenDurable, type Committed, type IngestContext } from './ingest-context.ts';
import type { ItemError } from './prepare-events.ts';

/** What the query string of a raw-line request says about its lines. */
export interface RawLineOptions {
  /** `syslog`, a parser name, or undefined for auto. */
  format?: string;
  /** Sets `host.hostname` on every line's event. */
  host?: string;
  /** Sets `event.dataset` on every line's event. */
  dataset?: string;
}

const TEXT_TYPES = new Set(['text/plain', 'application/octet-stream']);
const FORMAT = /^[\w.-]{1,64}$/;
const HOST = /^[\w.:-]{1,255}$/;
const DATASET = /^[\w.-]{1,100}$/;

/**
 * `POST /api/v1/events/raw?format=<name>&host=&dataset=`: a `text/plain` body (gzip allowed),
 * one event per line. Every line keeps `event.original`; a line the parser does not know is
 * still accepted (`partial` or `unparsed`); empty lines are skipped; a line over maxEventBytes
 * is rejected on its own. Answers like `POST /api/v1/events`.
 */
export function registerRawRoute(app: FastifyInstance, context: IngestContext, guard: onRequestAsyncHookHandler): void {
  app.post('/api/v1/events/raw', { onRequest: guard }, (request, reply) =>
    answerWhenDurable(reply, submitRaw(request, reply, context), (answered, failure) => context.sendError(answered, failure)),
  );
}

async function submitRaw(request: FastifyRequest, reply: FastifyReply, context: IngestContext): Promise<Committed | FastifyReply> {
  const { limits, edgeMetrics } = context;
  const options = readRawLineOptions(request.query as Record<string, unknown>, context.parsers);
  if (!('ok' in options)) return context.sendError(reply, options);
  const media = mediaTypeOf(request.headers['content-type']);
  if (media !== undefined && !TEXT_TYPES.has(media)) {
    return context.sendError(reply, edgeErrors.create('VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_MEDIA_TYPE', { type: media, expected: 'text/plain' }));
  }
  const text = await inflateBody(request.body as Buffer | undefined, request.headers['content-encoding'], limits.maxBodyBytes);
  if (typeof text !== 'string') return context.sendError(reply, text);
  const lines = splitLines(text, limits.maxLinesPerRequest);
  if (!lines) return context.sendError(reply, edgeErrors.create('VIGIL_ERR_EDGE_HTTP_TOO_MANY_LINES', { max: limits.maxLinesPerRequest }));
  const nowMs = context.now();
  const receivedAt = new Date(nowMs).toISOString();
  const events: EcsEvent[] = [];
  const errors: ItemError[] = [];
  let received = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === '') continue;
    received++;
    const size = Buffer.byteLength(line);
    if (size > limits.maxEventBytes) {
      const error = edgeErrors.create('VIGIL_ERR_EDGE_EVENT_TOO_LARGE', { size, max: limits.maxEventBytes });
      errors.push({ index, code: 'VIGIL_ERR_EDGE_EVENT_TOO_LARGE', message: error.message });
      edgeMetrics.httpRejected.inc({ code: error.code });
      continue;
    }
    events.push(lineToEvent(line, options.value, receivedAt, nowMs, context));
  }
  edgeMetrics.received.inc({ source: 'http_raw' }, received);
  if (received === 0) return context.sendError(reply, edgeErrors.create('VIGIL_ERR_EDGE_HTTP_EMPTY_BODY', { what: 'non-empty lines' }));
  if (events.length === 0) {
    return context.sendError(reply, edgeErrors.create('VIGIL_ERR_EDGE_HTTP_NO_VALID_EVENTS', { rejected: errors.length }), { accepted: 0, rejected: errors.length, errors });
  }
  const answer = { accepted: events.length, rejected: errors.length, errors };
  return { durable: context.commit(events, context.identity(request)), status: 202, answer: () => answer };
}

/** Reads `format`, `host` and `dataset` from a query string; an unknown format lists the known ones. */
export function readRawLineOptions(query: Record<string, unknown>, parsers: ParserRegistry): { ok: true; value: RawLineOptions } | VigilError {
  const value: RawLineOptions = {};
  for (const [name, pattern] of [
    ['format', FORMAT],
    ['host', HOST],
    ['dataset', DATASET],
  ] as const) {
    const given = query[name];
    if (given === undefined || given === '') continue;
    if (typeof given !== 'string') return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BAD_PARAMETER', { name, reason: 'must be given once' });
    if (!pattern.test(given)) return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BAD_PARAMETER', { name, reason: `must match ${pattern.source}` });
    value[name] = given;
  }
  if (value.format !== undefined && value.format !== 'syslog' && !parsers.byName(value.format)) {
    return edgeErrors.create('VIGIL_ERR_EDGE_HTTP_UNKNOWN_FORMAT', { format: value.format, known: ['syslog', ...parsers.names()].join(', ') });
  }
  return { ok: true, value };
}

function lineToEvent(line: string, options: RawLineOptions, receivedAt: string, nowMs: number, context: IngestContext): EcsEvent {
  const { edgeMetrics } = context;
  let normalized: NormalizedSyslog;
  try {
    normalized = normalizeLine(line, options.format, receivedAt, 'http_raw', context.parsers, nowMs);
  } catch (error) {
    // Parsers are written not to throw; should one ever, the line is still kept, unparsed.
    normalized = {
      event: {
        '@timestamp': receivedAt,
        message: line,
        event: { kind: 'event', created: receivedAt, original: line },
        error: { code: 'VIGIL_ERR_EDGE_INTERNAL', message: describeError(error) },
        vigil: { parse: { status: 'unparsed' }, input: { type: 'http_raw' } },
      },
      status: 'unparsed',
      detail: 'internal_error',
    };
  }
  if (normalized.status === 'unparsed') edgeMetrics.parseFailures.inc({ reason: normalized.detail ?? 'unknown' });
  else if (normalized.status === 'partial') edgeMetrics.parsePartial.inc({ parser: normalized.detail ?? 'unknown' });
  const { event } = normalized;
  if (options.host !== undefined) event.host = { ...event.host, hostname: options.host };
  if (options.dataset !== undefined) event.event = { ...event.event, dataset: options.dataset };
  return event;
}
