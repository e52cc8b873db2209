import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VigilError } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import { edgeErrors } from '../errors.ts';
import { parseBulkBody, type BulkOperation } from './bulk-request.ts';
import { inflateBody, mediaTypeOf } from './decode-body.ts';
import { esCause, sendEsError } from './es-shape.ts';
import { answerWhenDurable, type Committed, type IngestContext } from './ingest-context.ts';
import { toLenientEvent, type LenientLimits } from './lenient-event.ts';

const BULK_TYPES = new Set(['application/x-ndjson', 'application/json', 'application/ndjson', 'text/plain']);

/** Where one bulk operation ended up: an event to publish, or why not. */
type Outcome = { operation: BulkOperation; event: EcsEvent } | { operation: BulkOperation; error: VigilError };

/**
 * `POST|PUT /_bulk` and `POST|PUT /<index>/_bulk`, answered in Elasticsearch's bulk response
 * shape once every accepted document is durable. `index`/`create` documents are converted with
 * the lenient ECS conversion (nothing lost, no rejection for unknown fields); `delete`, `update`,
 * unreadable or oversized documents fail on their own with status 400 (shippers drop those and
 * go on). When the edge is full, the bus is failing or the key is over its rate limit, the whole
 * request gets 429/503 with Retry-After, which every shipper retries.
 */
export function registerBulkRoutes(app: FastifyInstance, context: IngestContext, limits: LenientLimits): void {
  const handler = (request: FastifyRequest, reply: FastifyReply) =>
    answerWhenDurable(reply, bulk(request, reply, context, limits), (answered, failure) => sendEsError(answered, context, failure));
  const admit = async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const refusal = context.admission();
    return refusal && sendEsError(reply, context, refusal);
  };
  app.route({ method: ['POST', 'PUT'], url: '/_bulk', onRequest: admit, handler });
  app.route({ method: ['POST', 'PUT'], url: '/:index/_bulk', onRequest: admit, handler });
}

async function bulk(request: FastifyRequest, reply: FastifyReply, context: IngestContext, limits: LenientLimits): Promise<Committed | FastifyReply> {
  const started = context.now();
  const media = mediaTypeOf(request.headers['content-type']);
  if (media !== undefined && !BULK_TYPES.has(media)) {
    return sendEsError(reply, context, edgeErrors.create('VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_MEDIA_TYPE', { type: media, expected: 'application/x-ndjson or application/json' }));
  }
  const text = await inflateBody(request.body as Buffer | undefined, request.headers['content-encoding'], context.limits.maxBodyBytes);
  if (typeof text !== 'string') return sendEsError(reply, context, text);
  const { index } = request.params as { index?: string };
  const { pipeline } = request.query as { pipeline?: unknown };
  const parsed = parseBulkBody(text, context.limits.maxLinesPerRequest, {
    ...(index !== undefined && { index }),
    ...(typeof pipeline === 'string' && pipeline !== '' && { pipeline }),
  });
  if (!parsed.ok) return sendEsError(reply, context, parsed.error);
  if (parsed.operations.length === 0) return sendEsError(reply, context, edgeErrors.create('VIGIL_ERR_EDGE_HTTP_EMPTY_BODY', { what: 'bulk actions' }));
  const receivedAt = new Date(started).toISOString();
  const outcomes = parsed.operations.map((operation) => convert(operation, receivedAt, context, limits));
  context.edgeMetrics.received.inc({ source: 'http_bulk' }, parsed.operations.filter((op) => op.action === 'index' || op.action === 'create').length);
  const events: EcsEvent[] = [];
  for (const outcome of outcomes) {
    if ('event' in outcome) events.push(outcome.event);
    else context.edgeMetrics.httpRejected.inc({ code: outcome.error.code });
  }
  const durable = context.commit(events, context.identity(request));
  const errors = events.length < outcomes.length;
  const items = outcomes.map((outcome, position) => item(outcome, position));
  return { durable, status: 200, answer: () => ({ took: Math.max(0, context.now() - started), errors, items: items.map((entry) => entry()) }) };
}

function convert(operation: BulkOperation, receivedAt: string, context: IngestContext, limits: LenientLimits): Outcome {
  const { action, line, source } = operation;
  if (action === 'delete' || action === 'update') return { operation, error: edgeErrors.create('VIGIL_ERR_EDGE_BULK_UNSUPPORTED_ACTION', { action }) };
  if (source === undefined) return { operation, error: edgeErrors.create('VIGIL_ERR_EDGE_BULK_MISSING_SOURCE', { action, line }) };
  const size = Buffer.byteLength(source);
  if (size > context.limits.maxEventBytes) return { operation, error: edgeErrors.create('VIGIL_ERR_EDGE_EVENT_TOO_LARGE', { size, max: context.limits.maxEventBytes }) };
  let document: unknown;
  try {
    document = JSON.parse(source);
  } catch (error) {
    return { operation, error: edgeErrors.create('VIGIL_ERR_EDGE_BULK_BAD_SOURCE', { line: operation.sourceLine, reason: (error as Error).message }) };
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    const kind = document === null ? 'null' : Array.isArray(document) ? 'an array' : typeof document;
    return { operation, error: edgeErrors.create('VIGIL_ERR_EDGE_BULK_BAD_SOURCE', { line: operation.sourceLine, reason: `it is ${kind}` }) };
  }
  const converted = toLenientEvent(document as Record<string, unknown>, source.trim(), limits);
  if (!converted.ok) return { operation, error: converted.error };
  return { operation, event: stamp(converted.event, operation, receivedAt) };
}

/** Receipt time, input, and where the shipper meant the document to go (`labels._index`, `_id`, `_pipeline`). */
function stamp(event: EcsEvent, operation: BulkOperation, receivedAt: string): EcsEvent {
  event['@timestamp'] ??= receivedAt;
  event.event = { ...event.event, created: receivedAt };
  event.vigil = { ...event.vigil, input: { type: 'http_bulk' } };
  const labels = { ...event.labels };
  const add = (key: string, value: string | undefined): void => {
    if (value === undefined) return;
    let name = key;
    for (let n = 2; Object.hasOwn(labels, name); n++) name = `${key}~${n}`;
    labels[name] = value;
  };
  add('_index', operation.index);
  add('_id', operation.id);
  add('_pipeline', operation.pipeline);
  if (Object.keys(labels).length > 0) event.labels = labels;
  return event;
}

/**
 * One entry of `items`, keyed by the action as Elasticsearch does. A committed event's `_id` is
 * the one the publisher gave it, known once the events are committed, or, while sealing fails
 * and the events wait, once they are durable (only then is the event kept to read it).
 */
function item(outcome: Outcome, position: number): () => Record<string, unknown> {
  const { action, index, id } = outcome.operation;
  const _index = index ?? 'vigil';
  if ('error' in outcome) return constant({ [action]: { _index, _id: id ?? null, status: 400, error: esCause(outcome.error) } });
  const created = (_id: string | null): Record<string, unknown> => ({
    [action]: { _index, _id, _version: 1, result: 'created', _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: position, _primary_term: 1, status: 201 },
  });
  const known = id ?? outcome.event.event?.id;
  return known === undefined ? idOnceDurable(outcome.event, created) : constant(created(known));
}

function constant<T>(value: T): () => T {
  return () => value;
}

function idOnceDurable(event: EcsEvent, created: (id: string | null) => Record<string, unknown>): () => Record<string, unknown> {
  return () => created(event.event?.id ?? null);
}
