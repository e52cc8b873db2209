import { setField } from '@vigil/schema';

/**
 * Environment variables and the config keys they set. Precedence: built-in defaults, then the
 * config file (`VIGIL_CONFIG`), then these variables. One variable may set several keys
 * (`VIGIL_SYSLOG_PORT` is the port of both the UDP and the TCP listener, as the brief says).
 */
export interface EnvBinding {
  name: string;
  paths: string[];
  kind: 'string' | 'number' | 'list' | 'boolean';
}

export const ENV_BINDINGS: readonly EnvBinding[] = [
  { name: 'VIGIL_DATA_DIR', paths: ['dataDir'], kind: 'string' },
  { name: 'VIGIL_LOG_LEVEL', paths: ['logLevel'], kind: 'string' },
  { name: 'VIGIL_ADMIN_PASSWORD', paths: ['adminPassword'], kind: 'string' },
  { name: 'VIGIL_EDGE_ID', paths: ['edgeId'], kind: 'string' },
  { name: 'VIGIL_API_HOST', paths: ['api.host'], kind: 'string' },
  { name: 'VIGIL_API_PORT', paths: ['api.port'], kind: 'number' },
  { name: 'VIGIL_API_TLS', paths: ['api.tls.enabled'], kind: 'boolean' },
  { name: 'VIGIL_API_TLS_CERT', paths: ['api.tls.certFile'], kind: 'string' },
  { name: 'VIGIL_API_TLS_KEY', paths: ['api.tls.keyFile'], kind: 'string' },
  { name: 'VIGIL_API_TLS_HOSTNAMES', paths: ['api.tls.hostnames'], kind: 'list' },
  { name: 'VIGIL_INGEST_HOST', paths: ['edge.http.host'], kind: 'string' },
  { name: 'VIGIL_INGEST_PORT', paths: ['edge.http.port'], kind: 'number' },
  { name: 'VIGIL_SYSLOG_HOST', paths: ['edge.syslog.udp.host', 'edge.syslog.tcp.host'], kind: 'string' },
  { name: 'VIGIL_SYSLOG_PORT', paths: ['edge.syslog.udp.port', 'edge.syslog.tcp.port'], kind: 'number' },
  { name: 'VIGIL_RULES_DIRS', paths: ['engine.rulesDirs'], kind: 'list' },
  { name: 'VIGIL_BUS', paths: ['bus.kind'], kind: 'string' },
  { name: 'VIGIL_KAFKA_BROKERS', paths: ['bus.kafka.brokers'], kind: 'list' },
  { name: 'VIGIL_STORE', paths: ['store.kind'], kind: 'string' },
  { name: 'VIGIL_OPENSEARCH_URL', paths: ['store.opensearch.url'], kind: 'string' },
  { name: 'VIGIL_CA_CERT', paths: ['caCertificatePath'], kind: 'string' },
  { name: 'VIGIL_CA_KEY', paths: ['caKeyPath'], kind: 'string' },
  { name: 'VIGIL_EDGE_IDENTITY_DIR', paths: ['edgeIdentityDir'], kind: 'string' },
  { name: 'VIGIL_API_URL', paths: ['apiUrl'], kind: 'string' },
  { name: 'VIGIL_OPS_HOST', paths: ['engine.ops.host', 'indexer.ops.host'], kind: 'string' },
  { name: 'VIGIL_OPS_PORT', paths: ['engine.ops.port', 'indexer.ops.port'], kind: 'number' },
];

/** Applies the bound environment variables onto a raw (unparsed) config object. */
export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  for (const binding of ENV_BINDINGS) {
    const text = env[binding.name];
    if (text === undefined || text === '') continue;
    const value = convert(binding, text);
    for (const path of binding.paths) setField(raw, path, value);
  }
  return raw;
}

function convert(binding: EnvBinding, text: string): unknown {
  switch (binding.kind) {
    case 'number': {
      const number = Number(text);
      if (!Number.isFinite(number)) throw new Error(`${binding.name} must be a number, got ${JSON.stringify(text)}`);
      return number;
    }
    case 'list':
      return text.split(',').map((item) => item.trim()).filter(Boolean);
    case 'boolean':
      return text === '1' || text.toLowerCase() === 'true';
    default:
      return text;
  }
}
