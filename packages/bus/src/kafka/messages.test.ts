import { Partitioners, type KafkaMessage, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../partitioner.ts';
import { chunkMessages, toBusMessage, toKafkaMessage } from './messages.ts';

const SSH_LINE = '<86>Mar 14 09:26:53 bastion-1 sshd[4121]: Accepted publickey for deploy from 198.51.100.23 port 50122 ssh2';

function fetched(offset: number, headers: KafkaMessage['headers'] = {}): KafkaMessage {
  return {
    key: Buffer.from('bastion-1'),
    value: Buffer.from(`${offset} ${SSH_LINE}`),
    timestamp: '1741944413000',
    attributes: 0,
    offset: String(offset),
    headers,
  };
}

describe('Kafka message conversion', () => {
  it("routes keys to the same partitions as the embedded bus (kafkajs's default partitioner)", () => {
    const partitioner = Partitioners.DefaultPartitioner();
    const keys = ['fw-dmz-1', 'web-02.example.net', 'db-03', 'vpn-gw', 'mail-05', 'edge-7f3a', 'ü-unicode-host', 'x'];
    for (const partitions of [1, 3, 4, 12]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 1 }) as PartitionMetadata);
      for (const key of keys) {
        const chosen = partitioner({ topic: 'vigil.events', partitionMetadata, message: { key: Buffer.from(key), value: SSH_LINE } });
        expect(chosen, `${key} over ${partitions}`).toBe(partitionForKey(Buffer.from(key), partitions));
      }
    }
  });

  it('turns outgoing messages into kafkajs messages and refuses what Kafka would refuse', () => {
    const { kafka, size } = toKafkaMessage({ key: 'edge-7f3a', value: SSH_LINE, headers: { 'vigil-edge': 'edge-7f3a' }, partition: 2 }, 'vigil.events', 1024);
    expect(kafka).toEqual({ key: Buffer.from('edge-7f3a'), value: Buffer.from(SSH_LINE), headers: { 'vigil-edge': 'edge-7f3a' }, partition: 2 });
    expect(size).toBe(9 + Buffer.byteLength(SSH_LINE) + 10 + 9);
    expect(toKafkaMessage({ value: new Uint8Array([1, 2, 3]) as Buffer }, 'vigil.events', 1024).kafka.value).toEqual(Buffer.from([1, 2, 3]));

    expect(() => toKafkaMessage({ value: 'x'.repeat(2048) }, 'vigil.events', 1024)).toThrow(expect.objectContaining({ code: 'VIGIL_ERR_BUS_MESSAGE_TOO_LARGE' }));
    expect(() => toKafkaMessage({ value: null as unknown as string }, 'vigil.events', 1024)).toThrow(expect.objectContaining({ code: 'VIGIL_ERR_BUS_BAD_MESSAGE' }));
    expect(() => toKafkaMessage({ value: 'x', headers: { count: 3 as unknown as string } }, 'vigil.events', 1024)).toThrow(/header count must be a string/);
  });

  it('keeps a header named __proto__ as a plain header, in both directions', () => {
    const outgoing = JSON.parse('{"__proto__":"sneaky","vigil-edge":"edge-1"}') as Record<string, string>;
    const { kafka } = toKafkaMessage({ value: SSH_LINE, headers: outgoing }, 'vigil.events', 4096);
    expect(Object.keys(kafka.headers!)).toEqual(['__proto__', 'vigil-edge']);
    expect(Object.getPrototypeOf(kafka.headers)).toBe(Object.prototype);

    const incoming = toBusMessage('vigil.events', 0, fetched(7, JSON.parse('{"__proto__":{"polluted":"yes"}}') as KafkaMessage['headers']));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(incoming.headers)).toBe(Object.prototype);
  });

  it('reads fetched messages with string headers, the last of a repeated header, and tombstones as empty values', () => {
    const message = toBusMessage('vigil.events', 3, fetched(42, { 'content-type': Buffer.from('text/plain'), 'vigil-hop': [Buffer.from('edge'), Buffer.from('relay')] }));
    expect(message).toEqual({
      topic: 'vigil.events',
      partition: 3,
      offset: '42',
      key: Buffer.from('bastion-1'),
      value: Buffer.from(`42 ${SSH_LINE}`),
      headers: { 'content-type': 'text/plain', 'vigil-hop': 'relay' },
      timestamp: 1741944413000,
    });
    const tombstone = toBusMessage('vigil.events', 0, { ...fetched(1), key: null, value: null });
    expect(tombstone.key).toBeNull();
    expect(tombstone.value).toEqual(Buffer.alloc(0));
  });

  it('cuts a fetched batch into handler batches, the first ending where a failed batch ended', () => {
    const messages = Array.from({ length: 12 }, (_, index) => ({ offset: String(100 + index) }));
    const sizes = (chunks: { offset: string }[][]) => chunks.map((chunk) => `${chunk[0]!.offset}-${chunk.at(-1)!.offset}`);
    expect(sizes(chunkMessages(messages, 5))).toEqual(['100-104', '105-109', '110-111']);
    expect(sizes(chunkMessages(messages, 5, '102'))).toEqual(['100-102', '103-107', '108-111']);
    expect(sizes(chunkMessages(messages, 5, '199'))).toEqual(['100-104', '105-109', '110-111']);
    expect(sizes(chunkMessages(messages, 500))).toEqual(['100-111']);
    expect(chunkMessages([], 5)).toEqual([]);
  });
});
