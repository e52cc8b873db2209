import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUnsafeKey } from '@vigil/schema';
import { edgeErrors } from '../errors.ts';
import { registerBulkRoutes } from './bulk-route.ts';
import { PRODUCT_HEADER, clusterInfo, clusterUuid, licenseInfo, sendEsError } from './es-shape.ts';
import type { IngestContext } from './ingest-context.ts';

/** How the Elasticsearch-compatible API presents itself and bounds `_bulk` documents. */
export interface ElasticsearchApiOptions {
  /** Version reported by `GET /`. */
  version: string;
  maxFieldsPerDocument: number;
  maxDepth: number;
  clusterName?: string;
  nodeName?: string;
}

const ACKNOWLEDGED = { acknowledged: true } as const;
const HOST_PORT = /^[\w.:[\]-]{1,300}$/;

/**
 * The Elasticsearch API that log shippers need, in its own fastify scope (its own auth hook,
 * product header and error shape): `/_bulk`, and minimal answers to what Filebeat, Logstash,
 * Vector and Fluent Bit call before sending — `GET|HEAD /` (version), `/_license`, `/_xpack`,
 * `/_cluster/health`, `/_nodes`, index templates, ILM policies, ingest pipelines, data streams
 * and `HEAD|PUT /<index>`. Setup calls are acknowledged and ignored: Vigil keeps its own schema
 * and retention, and runs its own parsers instead of ingest pipelines.
 */
export async function registerElasticsearchApi(
  scope: FastifyInstance,
  context: IngestContext,
  options: ElasticsearchApiOptions & { isRunning: () => boolean; isFailing: () => boolean },
): Promise<void> {
  const clusterName = options.clusterName ?? 'vigil';
  const nodeName = options.nodeName ?? 'vigil-edge';
  scope.addHook('onRequest', async (request, reply) => {
    reply.header(PRODUCT_HEADER.name, PRODUCT_HEADER.value);
    const refusal = await context.authenticate(request);
    return refusal && sendEsError(reply, context, refusal);
  });
  scope.setErrorHandler((error, _request, reply) => sendEsError(reply, context, context.fromFailure(error)));

  scope.get('/', async () => clusterInfo({ nodeName, clusterName, version: options.version }));
  scope.get('/_license', async () => licenseInfo(clusterName));
  scope.get('/_xpack', async () => ({
    build: { hash: 'vigil', date: '2024-12-11T12:08:05.663Z' },
    license: { uid: clusterUuid(`${clusterName}:license`), type: 'basic', mode: 'basic', status: 'active' },
    features: Object.fromEntries(['ilm', 'security', 'monitoring', 'data_streams'].map((feature) => [feature, { available: true, enabled: true }])),
    tagline: 'You know, for X',
  }));
  const health = async () => ({
    cluster_name: clusterName,
    status: !options.isRunning() ? 'red' : options.isFailing() ? 'yellow' : 'green',
    timed_out: false,
    number_of_nodes: 1,
    number_of_data_nodes: 1,
    active_primary_shards: 1,
    active_shards: 1,
    relocating_shards: 0,
    initializing_shards: 0,
    unassigned_shards: 0,
    delayed_unassigned_shards: 0,
    number_of_pending_tasks: 0,
    number_of_in_flight_fetch: 0,
    task_max_waiting_in_queue_millis: 0,
    active_shards_percent_as_number: 100,
  });
  scope.get('/_cluster/health', health);
  scope.get('/_cluster/health/:index', health);
  const nodes = async (request: FastifyRequest) => {
    // Sniffing clients connect to publish_address: the address this client already reached us at.
    const address = HOST_PORT.test(request.host) ? request.host : `${request.socket.localAddress ?? '127.0.0.1'}:${request.socket.localPort ?? 0}`;
    const nodeId = clusterUuid(`${clusterName}:${nodeName}`);
    return {
      _nodes: { total: 1, successful: 1, failed: 0 },
      cluster_name: clusterName,
      nodes: {
        [nodeId]: {
          name: nodeName,
          version: options.version,
          roles: ['data', 'ingest', 'master'],
          http: { bound_address: [address], publish_address: address, max_content_length_in_bytes: context.limits.maxBodyBytes },
        },
      },
    };
  };
  scope.get('/_nodes', nodes);
  scope.get('/_nodes/*', nodes);

  const named = (answer: (name: string) => Record<string, unknown>, param = 'name') => async (request: FastifyRequest, reply: FastifyReply) => {
    const name = (request.params as Record<string, string>)[param] ?? '';
    if (isUnsafeKey(name)) return sendEsError(reply, context, edgeErrors.create('VIGIL_ERR_EDGE_HTTP_BAD_PARAMETER', { name: 'name', reason: `${name} is not allowed` }));
    return answer(name);
  };
  const acknowledge = async () => ACKNOWLEDGED;
  for (const prefix of ['/_index_template', '/_template', '/_component_template']) {
    scope.get(
      `${prefix}/:name`,
      named((name) => ({ index_templates: [{ name, index_template: { index_patterns: [`${name}*`], composed_of: [], template: {} } }] })),
    );
    scope.put(`${prefix}/:name`, acknowledge);
  }
  const policy = { version: 1, modified_date: '2024-01-01T00:00:00.000Z', policy: { phases: { hot: { min_age: '0ms', actions: {} } } } };
  scope.get('/_ilm/policy/:name', named((name) => ({ [name]: policy })));
  scope.put('/_ilm/policy/:name', acknowledge);
  scope.get('/_ingest/pipeline/:name', named((name) => ({ [name]: { description: 'acknowledged by Vigil; Vigil parses events itself', processors: [] } })));
  scope.put('/_ingest/pipeline/:name', acknowledge);
  scope.get('/_data_stream/:name', named((name) => ({ data_streams: [{ name, status: 'GREEN', template: name }] })));
  scope.put('/_data_stream/:name', acknowledge);
  scope.head('/:index', async (_request, reply) => reply.code(200).send());
  scope.put('/:index', named((name) => ({ acknowledged: true, shards_acknowledged: true, index: name }), 'index'));

  registerBulkRoutes(scope, context, { maxFields: options.maxFieldsPerDocument, maxDepth: options.maxDepth });
}
