import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BusMessage } from '../bus.ts';
import type { EmbeddedBus } from './embedded-bus.ts';

/** A fresh temp directory for one test's log; `remove` deletes it. */
export async function tempDirectory(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'vigil-bus-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Polls `condition` until it holds or fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Reads `count` messages of `topic` with a new consumer group, then stops it. */
export async function readAll(bus: EmbeddedBus, topic: string, groupId: string, count: number): Promise<BusMessage[]> {
  const messages: BusMessage[] = [];
  const consumer = bus.createConsumer({ groupId, topics: [topic] });
  await consumer.run(async (batch) => {
    messages.push(...batch.messages);
  });
  try {
    await waitFor(() => messages.length >= count, `${count} messages of ${topic}`);
    // Long enough for a duplicate or a stray extra message to show up.
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    await consumer.stop();
  }
  return messages;
}
