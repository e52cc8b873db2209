import { describeError, errorCode } from '@vigil/runtime';
import { DLQ_HEADERS, TOPICS } from '@vigil/schema';
import type { BusMessage, BusProducer } from './bus.ts';

/**
 * Publishes a message that cannot be processed to `vigil.dlq`: the original key, value and
 * headers, plus headers saying why (error message and code), where it came from (topic,
 * partition, offset) and which component gave up on it. Resolves once the DLQ copy is durable,
 * so the caller may then commit past the original.
 */
export async function sendToDlq(producer: BusProducer, failed: BusMessage, error: unknown, failedBy: string): Promise<void> {
  await producer.send(TOPICS.dlq, [
    {
      key: failed.key,
      value: failed.value,
      headers: {
        ...failed.headers,
        [DLQ_HEADERS.reason]: describeError(error),
        [DLQ_HEADERS.code]: errorCode(error),
        [DLQ_HEADERS.sourceTopic]: failed.topic,
        [DLQ_HEADERS.sourcePartition]: String(failed.partition),
        [DLQ_HEADERS.sourceOffset]: failed.offset,
        [DLQ_HEADERS.failedBy]: failedBy,
      },
    },
  ]);
}
