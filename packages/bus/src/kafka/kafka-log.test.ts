import { OncePerInterval, type Logger } from '@vigil/runtime';
import { logLevel, type LogEntry } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { sendError } from './kafka-errors.ts';
import { kafkaLogCreator } from './kafka-log.ts';

interface Line {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

/** Records what reaches the pino logger (its level methods), as the log file would show it. */
function capture(): { logger: Logger; lines: () => Line[] } {
  const lines: Line[] = [];
  const method = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, fields, msg });
  const logger = { error: method('error'), warn: method('warn'), info: method('info'), debug: method('debug') } as unknown as Logger;
  return { logger, lines: () => lines };
}

function entry(level: logLevel, namespace: string, message: string, extra: Record<string, unknown> = {}): LogEntry {
  return { namespace, level, label: '', log: { timestamp: '2025-03-14T09:26:53.000Z', logger: 'kafkajs', message, ...extra } };
}

describe('Kafka client log', () => {
  it('writes warnings and errors to the Vigil log once per interval, and drops what is below the level', () => {
    const { logger, lines } = capture();
    const log = kafkaLogCreator({ logger, level: 'warn', limiter: new OncePerInterval(60_000) })(logLevel.WARN);
    const brokerDown = entry(logLevel.ERROR, 'Connection', 'Connection error: connect ECONNREFUSED 127.0.0.1:19092', {
      broker: '127.0.0.1:19092',
      clientId: 'vigil',
      stack: 'Error: connect ECONNREFUSED\n    at TCPConnectWrap.afterConnect',
    });
    log(brokerDown);
    log(brokerDown);
    log(entry(logLevel.INFO, 'Consumer', 'Starting', { groupId: 'indexer' }));
    log(entry(logLevel.WARN, 'Producer', 'Limiting retries for the idempotent producer may invalidate EoS guarantees'));

    const written = lines();
    expect(written).toHaveLength(2);
    expect(written[0]).toEqual({
      level: 'error',
      msg: 'kafka client: Connection error: connect ECONNREFUSED 127.0.0.1:19092',
      fields: { kafka: { namespace: 'Connection', broker: '127.0.0.1:19092', clientId: 'vigil' } },
    });
    expect(written[1]).toMatchObject({ level: 'warn', fields: { kafka: { namespace: 'Producer' } } });
  });

  it('logs broker error answers that kafkajs retries or hands to the caller as warnings', () => {
    const { logger, lines } = capture();
    const log = kafkaLogCreator({ logger, level: 'error', limiter: new OncePerInterval(60_000) })(logLevel.ERROR);
    log(entry(logLevel.ERROR, 'Connection', 'Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed' }));
    expect(lines()).toEqual([]);
    const warnings = kafkaLogCreator({ logger, level: 'warn', limiter: new OncePerInterval(60_000) })(logLevel.WARN);
    warnings(entry(logLevel.ERROR, 'Connection', 'Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed' }));
    expect(lines()).toMatchObject([{ level: 'warn', msg: 'kafka client: Response Heartbeat(key: 12, version: 3)' }]);
  });

  it('shows errors to the watcher whatever the level, even when they are not logged again', () => {
    const { logger, lines } = capture();
    const watched: string[] = [];
    const log = kafkaLogCreator({ logger, level: 'error', limiter: new OncePerInterval(60_000), watch: (seen) => watched.push(seen.log.message) })(logLevel.ERROR);
    const reset = entry(logLevel.ERROR, 'ConsumerGroup', 'Offset out of range, resetting to default offset', { topic: 'vigil.events', partition: 0, groupId: 'indexer' });
    log(reset);
    log(reset);
    log(entry(logLevel.WARN, 'Runner', 'The group is rebalancing, re-joining'));
    expect(watched).toEqual(['Offset out of range, resetting to default offset', 'Offset out of range, resetting to default offset']);
    expect(lines()).toHaveLength(1);
  });
});

describe('Kafka send errors', () => {
  it('turns an unknown topic deep inside kafkajs retry errors into the bus code, and anything else into a retryable send failure', () => {
    const protocol = Object.assign(new Error('This server does not host this topic-partition'), { name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    const retries = Object.assign(new Error(protocol.message), { name: 'KafkaJSNumberOfRetriesExceeded', cause: protocol });
    expect(sendError(retries, 'vigil.events', 3)).toMatchObject({ code: 'VIGIL_ERR_BUS_UNKNOWN_TOPIC' });

    const replicas = Object.assign(new Error('Messages are rejected since there are fewer in-sync replicas than required'), { type: 'NOT_ENOUGH_REPLICAS' });
    expect(sendError(replicas, 'vigil.events', 3)).toMatchObject({
      code: 'VIGIL_ERR_BUS_SEND_FAILED',
      retryable: true,
      message: 'sending 3 messages to vigil.events failed: Messages are rejected since there are fewer in-sync replicas than required',
    });
  });
});
