import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { describeError } from '@vigil/runtime';
import { Kafka, type KafkaConfig, type RetryOptions, type SASLOptions } from 'kafkajs';
import { busErrors } from '../errors.ts';
import type { KafkaBusConfig } from './config.ts';
import { kafkaClientLogLevel, kafkaLogCreator, type KafkaLogOptions } from './kafka-log.ts';

/** The parts of the kafkajs client configuration that every client of one bus shares. */
export interface ClientSettings {
  brokers: string[];
  clientId: string;
  ssl: ConnectionOptions | boolean;
  sasl: SASLOptions | undefined;
  connectionTimeout: number;
  requestTimeout: number;
  retry: RetryOptions;
}

/**
 * Turns the bus configuration into kafkajs settings once, at start-up: TLS files are read here
 * so a wrong path stops Vigil with a message naming the key instead of failing on first use.
 */
export function clientSettings(config: KafkaBusConfig): ClientSettings {
  return {
    brokers: [...config.brokers],
    clientId: config.clientId,
    ssl: typeof config.ssl === 'boolean' ? config.ssl : tlsOptions(config.ssl),
    sasl: config.sasl ? { mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } : undefined,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    retry: requestRetry(config),
  };
}

/** The retry policy of broker requests. */
export function requestRetry(config: KafkaBusConfig): RetryOptions {
  return {
    retries: config.requestRetries,
    initialRetryTime: config.requestRetryInitialDelayMs,
    maxRetryTime: config.requestRetryMaxDelayMs,
  };
}

/** A kafkajs client logging through `log`. Each consumer gets its own so it can watch its own log. */
export function createClient(settings: ClientSettings, log: KafkaLogOptions): Kafka {
  const config: KafkaConfig = {
    brokers: settings.brokers,
    clientId: settings.clientId,
    ssl: settings.ssl,
    connectionTimeout: settings.connectionTimeout,
    requestTimeout: settings.requestTimeout,
    retry: settings.retry,
    logLevel: kafkaClientLogLevel(log.level),
    logCreator: kafkaLogCreator(log),
  };
  if (settings.sasl) config.sasl = settings.sasl;
  return new Kafka(config);
}

function tlsOptions(files: Exclude<KafkaBusConfig['ssl'], boolean>): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: files.rejectUnauthorized };
  if (files.ca) options.ca = readPem('ssl.ca', files.ca);
  if (files.cert) options.cert = readPem('ssl.cert', files.cert);
  if (files.key) options.key = readPem('ssl.key', files.key);
  return options;
}

function readPem(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw busErrors.create('VIGIL_ERR_BUS_BAD_CONFIG', { key, reason: `cannot read ${path}: ${describeError(error)}` }, { cause: error });
  }
}
