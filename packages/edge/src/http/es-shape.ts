import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { VigilError } from '@vigil/runtime';
import type { EdgeErrorCode } from '../errors.ts';
import type { IngestContext } from './ingest-context.ts';

/** Elasticsearch clients (Logstash, the official ones) refuse a server without this header on 2xx answers. */
export const PRODUCT_HEADER = { name: 'x-elastic-product', value: 'Elasticsearch' } as const;

/** What Elasticsearch sends with a 401, so clients know which schemes are accepted. */
export const AUTHENTICATE_CHALLENGES = ['Basic realm="vigil" charset="UTF-8"', 'ApiKey', 'Bearer realm="vigil"'];

/** An Elasticsearch error object: `type` and `reason`, plus the Vigil code for people reading logs. */
export interface EsErrorCause {
  type: string;
  reason: string;
  vigil_code: string;
}

const TYPES: Partial<Record<EdgeErrorCode, string>> = {
  VIGIL_ERR_EDGE_HTTP_UNAUTHORIZED: 'security_exception',
  VIGIL_ERR_EDGE_HTTP_AUTH_UNAVAILABLE: 'security_exception',
  VIGIL_ERR_EDGE_HTTP_RATE_LIMITED: 'es_rejected_execution_exception',
  VIGIL_ERR_EDGE_QUEUE_FULL: 'es_rejected_execution_exception',
  VIGIL_ERR_EDGE_SPOOL_FULL: 'es_rejected_execution_exception',
  VIGIL_ERR_EDGE_BUS_UNAVAILABLE: 'unavailable_shards_exception',
  VIGIL_ERR_EDGE_SEAL_FAILED: 'unavailable_shards_exception',
  VIGIL_ERR_EDGE_STOPPING: 'node_closed_exception',
  VIGIL_ERR_EDGE_HTTP_BAD_GZIP: 'parse_exception',
  VIGIL_ERR_EDGE_HTTP_EMPTY_BODY: 'action_request_validation_exception',
  VIGIL_ERR_EDGE_BULK_MISSING_SOURCE: 'action_request_validation_exception',
  VIGIL_ERR_EDGE_BULK_BAD_SOURCE: 'document_parsing_exception',
  VIGIL_ERR_EDGE_EVENT_TOO_LARGE: 'document_parsing_exception',
  VIGIL_ERR_EDGE_EVENT_TOO_DEEP: 'document_parsing_exception',
  VIGIL_ERR_EDGE_EVENT_UNSAFE_KEY: 'document_parsing_exception',
  VIGIL_ERR_EDGE_EVENT_INVALID_FIELD: 'document_parsing_exception',
  VIGIL_ERR_EDGE_HTTP_NOT_FOUND: 'resource_not_found_exception',
};

/** The Elasticsearch `error` object for a Vigil error. */
export function esCause(error: VigilError): EsErrorCause {
  return { type: TYPES[error.code as EdgeErrorCode] ?? 'illegal_argument_exception', reason: error.message, vigil_code: error.code };
}

/**
 * Answers a whole request in Elasticsearch's error shape (`{"error":{"root_cause":[…],"type",
 * "reason"},"status"}`), counted like every HTTP rejection, with Retry-After on 429/503 (the
 * statuses shippers retry) and the authentication challenges on 401.
 */
export function sendEsError(reply: FastifyReply, context: IngestContext, error: VigilError): FastifyReply {
  context.edgeMetrics.httpRejected.inc({ code: error.code });
  if (error.status === 429 || error.status === 503) reply.header('retry-after', String(context.retryAfterSeconds(error)));
  if (error.status === 401) reply.header('www-authenticate', AUTHENTICATE_CHALLENGES);
  const cause = esCause(error);
  return reply.code(error.status).send({ error: { root_cause: [cause], ...cause }, status: error.status });
}

/** A stable cluster UUID in Elasticsearch's format (22 URL-safe base64 characters). */
export function clusterUuid(clusterName: string): string {
  return createHash('sha256').update(`vigil-edge:${clusterName}`).digest('base64url').slice(0, 22);
}

/** The `GET /` answer shippers read the version from. */
export function clusterInfo(options: { nodeName: string; clusterName: string; version: string }): Record<string, unknown> {
  return {
    name: options.nodeName,
    cluster_name: options.clusterName,
    cluster_uuid: clusterUuid(options.clusterName),
    version: {
      number: options.version,
      build_flavor: 'default',
      build_type: 'tar',
      build_hash: 'vigil',
      build_date: '2024-12-11T12:08:05.663Z',
      build_snapshot: false,
      lucene_version: '9.12.0',
      minimum_wire_compatibility_version: '7.17.0',
      minimum_index_compatibility_version: '7.0.0',
    },
    tagline: 'You Know, for Search',
  };
}

/** The `GET /_license` answer: an active basic license (Beats refuse a missing one, Logstash warns). */
export function licenseInfo(clusterName: string): Record<string, unknown> {
  return {
    license: {
      status: 'active',
      uid: clusterUuid(`${clusterName}:license`),
      type: 'basic',
      mode: 'basic',
      issue_date: '2024-01-01T00:00:00.000Z',
      issue_date_in_millis: 1_704_067_200_000,
      max_nodes: 1000,
      max_resource_units: null,
      issued_to: clusterName,
      issuer: 'elasticsearch',
      start_date_in_millis: -1,
    },
  };
}
