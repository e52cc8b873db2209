import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { call, edgeStarter, KEYS } from './test-harness.ts';

const startEdge = edgeStarter();

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const EVENTS = 120;
/** Each event's message: the request's events come to about 3.6 MB of text, and more again as objects. */
const MESSAGE_BYTES = 30_000;
/** What the heap may grow by while the request waits: its answer, the bus's compressed batch, noise. */
const ALLOWED_GROWTH = 1_000_000;

function heapAfterCollection(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

// Not ASCII: Node keeps a large ASCII body's text outside the heap, where heapUsed would not see it held.
const message = (i: number) => `${i}:é${'x'.repeat(MESSAGE_BYTES)}`;

/** The gzipped body; made here so that its text is not held by the test's own frame. */
function gzippedBody(line: (i: number) => string, events = EVENTS): Buffer {
  return gzipSync(`${Array.from({ length: events }, (_, i) => line(i)).join('\n')}\n`);
}

/**
 * A request's events are encoded into a batch as soon as the edge takes them; while the request
 * waits for that batch to be durable, nothing of it (body, parsed items, events) may stay
 * reachable, or 64 waiting requests of a busy shipper outgrow the young generation.
 */
describe('a request waiting for its events to be durable', () => {
  it.each([
    { route: '/api/v1/events', type: 'application/x-ndjson', status: 202, line: (i: number) => JSON.stringify({ message: message(i) }) },
    { route: '/api/v1/events/raw', type: 'text/plain', status: 202, line: message },
    { route: '/_bulk', type: 'application/x-ndjson', status: 200, line: (i: number) => `{"index":{}}\n${JSON.stringify({ message: message(i) })}` },
  ])('$route holds none of its events', async ({ route, type, status, line }) => {
    const { url, producer } = await startEdge();
    const send = (body: Buffer) => call(url, route, { method: 'POST', body, headers: { authorization: `Bearer ${KEYS.logstash}`, 'content-type': type, 'content-encoding': 'gzip' } });
    // A first request compiles the route's code, so that the heap measured below holds only what the waiting request holds.
    expect((await send(gzippedBody(line, 2))).status).toBe(status);
    const published = producer.attempts;
    const release = producer.hold();
    const body = gzippedBody(line);
    const before = heapAfterCollection();
    const answer = send(body);
    while (producer.attempts === published) await new Promise((resolve) => setTimeout(resolve, 5));
    const grown = heapAfterCollection() - before;
    release();
    const answered = await answer;
    expect(answered.status).toBe(status);
    expect(producer.batches().flatMap((batch) => batch.events)).toHaveLength(2 + EVENTS);
    expect(grown).toBeLessThan(ALLOWED_GROWTH);
  });
});
