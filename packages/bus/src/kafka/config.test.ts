import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@vigil/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { clientSettings } from './client.ts';
import { kafkaBusConfigSchema } from './config.ts';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUVigilTestCA\n-----END CERTIFICATE-----\n';

describe('Kafka bus configuration', () => {
  const directories: string[] = [];
  afterEach(async () => {
    for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
  });

  it('works with no settings at all, with the documented defaults', () => {
    const config = parseConfig(kafkaBusConfigSchema, {});
    expect(config).toMatchObject({
      brokers: ['localhost:9092'],
      clientId: 'vigil',
      ssl: false,
      lingerMs: 0,
      maxBatchMessages: 10_000,
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 3_000,
      logLevel: 'warn',
    });
    expect(config.sasl).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('accepts its own parsed output again (the CLI parses once, the bus factory again)', () => {
    const once = parseConfig(kafkaBusConfigSchema, { brokers: ['kafka-1.example.net:9093', 'kafka-2.example.net:9093'], lingerMs: 2 });
    expect(parseConfig(kafkaBusConfigSchema, once)).toEqual(once);
  });

  it('names the key to change for unknown keys, bad brokers and impossible timings', () => {
    expect(() => parseConfig(kafkaBusConfigSchema, { linger: 5 })).toThrow(/linger/);
    expect(() => parseConfig(kafkaBusConfigSchema, { brokers: ['kafka-1.example.net'] })).toThrow(/brokers\.0: a broker is host:port/);
    expect(() => parseConfig(kafkaBusConfigSchema, { brokers: [] })).toThrow(/brokers/);
    expect(() => parseConfig(kafkaBusConfigSchema, { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 6_000 })).toThrow(/heartbeatIntervalMs: heartbeatIntervalMs must be lower/);
    expect(() => parseConfig(kafkaBusConfigSchema, { sasl: { mechanism: 'gssapi', username: 'vigil', password: 'secret' } })).toThrow(/sasl\.mechanism/);
    expect(() => parseConfig(kafkaBusConfigSchema, { ssl: { cert: '/etc/vigil/kafka-client.pem' } })).toThrow(/cert and key must be given together/);
  });

  it('reads TLS files once at start-up and passes SASL through', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'vigil-kafka-config-'));
    directories.push(directory);
    const ca = join(directory, 'kafka-ca.pem');
    await writeFile(ca, CA_PEM);
    const settings = clientSettings(
      parseConfig(kafkaBusConfigSchema, {
        brokers: ['kafka-1.example.net:9093'],
        ssl: { ca },
        sasl: { mechanism: 'scram-sha-512', username: 'vigil-engine', password: 'correct horse battery staple' },
        requestRetries: 3,
      }),
    );
    expect(settings.ssl).toEqual({ rejectUnauthorized: true, ca: Buffer.from(CA_PEM) });
    expect(settings.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'vigil-engine', password: 'correct horse battery staple' });
    expect(settings.retry).toMatchObject({ retries: 3, initialRetryTime: 300, maxRetryTime: 30_000 });
  });

  it('stops start-up naming the TLS key whose file cannot be read', async () => {
    const config = parseConfig(kafkaBusConfigSchema, { ssl: { ca: '/nonexistent/vigil/kafka-ca.pem' } });
    expect(() => clientSettings(config)).toThrow(expect.objectContaining({ code: 'VIGIL_ERR_BUS_BAD_CONFIG', message: expect.stringMatching(/ssl\.ca.*kafka-ca\.pem/) }));
  });
});
