// Publishes numbered syslog lines to the embedded bus in `directory` (argv[2]) on topic argv[3]
// from several concurrent lanes, and prints `ack <id>` for each message once its send resolved.
// The crash test kills this process with SIGKILL mid-stream and checks every ack survived.
import { createEmbeddedBus } from '../embedded-bus.ts';

const [directory, topicArg] = process.argv.slice(2);
if (!directory || !topicArg) throw new Error('usage: acked-producer.ts <directory> <topic>');
const topic: string = topicArg;

const bus = await createEmbeddedBus({ directory });
await bus.ensureTopics([{ name: topic, partitions: 3, replicationFactor: 1 }]);
const producer = bus.createProducer();
process.stdout.write('ready\n');

let next = 0;
async function lane(edge: string): Promise<never> {
  for (;;) {
    const size = 1 + (next % 3);
    const ids = Array.from({ length: size }, () => `m${next++}`);
    await producer.send(
      topic,
      ids.map((id) => ({
        key: edge,
        value: `${id} <86>Mar 14 09:26:53 ${edge} sshd[4121]: Accepted publickey for deploy from 198.51.100.23 port 50122 ssh2`,
      })),
    );
    process.stdout.write(ids.map((id) => `ack ${id}\n`).join(''));
  }
}

await Promise.all(['edge-a', 'edge-b', 'edge-c', 'edge-d'].map((edge) => lane(edge)));
