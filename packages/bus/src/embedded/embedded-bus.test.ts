import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Metrics } from '@vigil/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { runBusContract } from '../contract/bus-contract.ts';
import { createEmbeddedBus, type EmbeddedBus } from './embedded-bus.ts';
import { readAll, tempDirectory } from './test-helpers.ts';

runBusContract('embedded', async () => {
  const directory = await tempDirectory();
  const bus = await createEmbeddedBus({ directory: directory.path, retryBaseDelayMs: 20, pollIntervalMs: 200 });
  return {
    bus,
    cleanup: async () => {
      await bus.close();
      await directory.remove();
    },
  };
});

const SSH_LINE = '<86>Mar 14 09:26:53 bastion-1 sshd[4121]: Accepted publickey for deploy from 198.51.100.23 port 50122 ssh2';

describe('embedded bus', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function openDirectory() {
    const directory = await tempDirectory();
    cleanups.push(directory.remove);
    return directory.path;
  }

  async function open(directory: string, metrics?: Metrics): Promise<EmbeddedBus> {
    const bus = await createEmbeddedBus({ directory, pollIntervalMs: 100 }, { metrics });
    cleanups.push(() => bus.close());
    return bus;
  }

  it('keeps messages, offsets and topics when the same directory is opened again', async () => {
    const directory = await openDirectory();
    const first = await open(directory);
    await first.ensureTopics([{ name: 'vigil.events', partitions: 1, replicationFactor: 1 }]);
    const producer = first.createProducer();
    await producer.send('vigil.events', Array.from({ length: 10 }, (_, index) => ({ key: 'bastion-1', value: `${index} ${SSH_LINE}` })));
    await readAll(first, 'vigil.events', 'indexer', 10);
    await first.close();

    const second = await open(directory);
    expect(await second.committedOffset('indexer', 'vigil.events', 0)).toBe('10');
    const everything = await readAll(second, 'vigil.events', 'engine', 10);
    expect(everything.map((message) => message.value.toString())).toEqual(Array.from({ length: 10 }, (_, index) => `${index} ${SSH_LINE}`));

    await second.createProducer().send('vigil.events', [{ value: `10 ${SSH_LINE}` }]);
    const resumed = await readAll(second, 'vigil.events', 'indexer', 1);
    expect(resumed.map((message) => message.offset)).toEqual(['10']);
  });

  it('keeps every acknowledged message exactly once when the producing process is killed with SIGKILL', async () => {
    const directory = await openDirectory();
    const script = fileURLToPath(new URL('./testdata/acked-producer.ts', import.meta.url));
    const child = spawn(process.execPath, [script, directory, 'vigil.events'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const acked = await collectAcksUntilKilled(child, 400);
    expect(acked.length).toBeGreaterThanOrEqual(400);

    const bus = await open(directory);
    // The child may have committed more than it managed to acknowledge before dying.
    const stored = await readAll(bus, 'vigil.events', 'verifier', acked.length);
    const ids = stored.map((message) => message.value.toString().split(' ')[0]!);
    expect(new Set(ids).size).toBe(ids.length);
    const storedIds = new Set(ids);
    expect(acked.filter((id) => !storedIds.has(id))).toEqual([]);
    for (let partition = 0; partition < 3; partition++) {
      const offsets = stored.filter((message) => message.partition === partition).map((message) => Number(message.offset));
      expect(offsets).toEqual(offsets.map((_, index) => index));
    }
  });

  it('rejects a bad configuration at start-up naming the key to change', async () => {
    const directory = await openDirectory();
    await expect(createEmbeddedBus({ directory, pollIntervalMs: 0 })).rejects.toThrow(/pollIntervalMs/);
    await expect(createEmbeddedBus({ directory, pollIntervalMsec: 100 } as never)).rejects.toThrow(/pollIntervalMsec/);
  });

  it('rejects messages that Kafka would refuse, leaving the rest of the send unwritten', async () => {
    const directory = await openDirectory();
    const bus = await createEmbeddedBus({ directory, maxMessageBytes: 1024 });
    cleanups.push(() => bus.close());
    await bus.ensureTopics([{ name: 'vigil.events', partitions: 2, replicationFactor: 1 }]);
    await expect(bus.ensureTopics([{ name: 'vigil events!', partitions: 1, replicationFactor: 1 }])).rejects.toMatchObject({
      code: 'VIGIL_ERR_BUS_BAD_TOPIC_SPEC',
    });
    const producer = bus.createProducer();
    await expect(producer.send('vigil.events', [{ value: SSH_LINE }, { value: 'x'.repeat(2048) }])).rejects.toMatchObject({
      code: 'VIGIL_ERR_BUS_MESSAGE_TOO_LARGE',
    });
    await expect(producer.send('vigil.events', [{ value: SSH_LINE, partition: 2 }])).rejects.toMatchObject({ code: 'VIGIL_ERR_BUS_BAD_PARTITION' });
    await producer.send('vigil.events', [{ value: SSH_LINE, partition: 0 }]);
    const stored = await readAll(bus, 'vigil.events', 'reader', 1);
    expect(stored.map((message) => message.offset)).toEqual(['0']);
  });

  it('joins concurrent sends into dense offsets, counts them, and refuses sends after close', async () => {
    const directory = await openDirectory();
    const metrics = new Metrics({ defaultMetrics: false });
    const bus = await open(directory, metrics);
    await bus.ensureTopics([{ name: 'vigil.heartbeats', partitions: 1, replicationFactor: 1 }]);
    const producer = bus.createProducer();
    await Promise.all(Array.from({ length: 50 }, (_, index) => producer.send('vigil.heartbeats', [{ value: `{"edge":"edge-${index}"}` }])));
    const stored = await readAll(bus, 'vigil.heartbeats', 'api', 50);
    expect(stored.map((message) => Number(message.offset))).toEqual(Array.from({ length: 50 }, (_, index) => index));
    const body = (await metrics.render()).body;
    expect(body).toContain('vigil_bus_messages_appended_total{topic="vigil.heartbeats"} 50');
    expect(body).toMatch(/vigil_bus_batches_handled_total\{topic="vigil.heartbeats",group="api"\} [1-9]/);

    await bus.close();
    await expect(producer.send('vigil.heartbeats', [{ value: '{}' }])).rejects.toMatchObject({ code: 'VIGIL_ERR_BUS_CLOSED' });
  });
});

/** Reads `ack <id>` lines until `count` arrived, then SIGKILLs the child mid-stream. */
function collectAcksUntilKilled(child: ChildProcess, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const acked: string[] = [];
    let killed = false;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('ack ')) acked.push(line.slice(4));
      if (acked.length >= count && !killed) killed = child.kill('SIGKILL');
    });
    // 'close' comes after stdout is drained, so every ack the child wrote before dying is counted.
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`producer exited with ${code}: ${stderr}`));
    });
  });
}
