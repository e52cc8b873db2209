import type { Logger, OncePerInterval } from '@vigil/runtime';
import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { KafkaBusConfig } from './config.ts';

const LEVELS: Record<KafkaBusConfig['logLevel'], logLevel> = {
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/** What the bus needs to turn the Kafka client's log into Vigil's. */
export interface KafkaLogOptions {
  logger: Logger;
  level: KafkaBusConfig['logLevel'];
  /** Warnings and errors repeat (a broker down logs every retry): each distinct one is logged once per interval. */
  limiter: OncePerInterval;
  /** Sees every entry at error level and up, whatever `level` says (the consumer watches for offset resets). */
  watch?: (entry: LogEntry) => void;
}

/**
 * The log level to give kafkajs: the configured one, but never quieter than errors, because
 * some of them (offset out of range) are how the consumer learns what kafkajs did silently.
 */
export function kafkaClientLogLevel(level: KafkaBusConfig['logLevel']): logLevel {
  return LEVELS[level];
}

/** A kafkajs `logCreator` writing to the injected pino logger. */
export function kafkaLogCreator(options: KafkaLogOptions): logCreator {
  const wanted = LEVELS[options.level];
  return () => (entry) => {
    if (entry.level <= logLevel.ERROR) options.watch?.(entry);
    const level = levelOf(entry);
    if (level > wanted) return;
    const { timestamp: _timestamp, logger: _logger, message, stack, ...fields } = entry.log as Record<string, unknown>;
    if (level <= logLevel.WARN) {
      const key = `${entry.namespace}\u0000${String(message)}\u0000${String(fields.error ?? '')}`;
      if (!options.limiter.shouldLog(key)) return;
    }
    const record: Record<string, unknown> = { kafka: { namespace: entry.namespace, ...fields } };
    if (level >= logLevel.DEBUG && stack !== undefined) record.stack = stack;
    const text = `kafka client: ${String(message)}`;
    if (level <= logLevel.ERROR) options.logger.error(record, text);
    else if (level <= logLevel.WARN) options.logger.warn(record, text);
    else if (level <= logLevel.INFO) options.logger.info(record, text);
    else options.logger.debug(record, text);
  };
}

// kafkajs logs every error answer of a broker as an error, including the ones that are part of
// normal operation (REBALANCE_IN_PROGRESS during each rebalance, a coordinator still loading)
// and that it retries or hands to the caller, who reports them with a Vigil code.
function levelOf(entry: LogEntry): logLevel {
  if (entry.level === logLevel.ERROR && entry.namespace === 'Connection' && String(entry.log.message).startsWith('Response ')) return logLevel.WARN;
  return entry.level;
}
