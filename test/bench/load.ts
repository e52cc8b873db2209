import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { normalizeSyslog, ParserRegistry } from '@vigil/edge';
import { validateEvent, type EcsEvent } from '@vigil/schema';
import type { EdgeAddress } from './edge-harness.ts';
import type { MixLine } from './lines.ts';

/**
 * Load generators for the edge benchmarks, run in the benchmark's own process (never in the
 * edge's): TCP syslog with RFC 6587 octet counting on several connections, at full speed or at a
 * steady rate, and HTTP NDJSON batches with an ingest key.
 */

const WRITE_SLICE = 256 * 1024;

/** Splits lines over `connections` streams, each one octet-counted buffer (encode before timing). */
export function tcpStreams(lines: readonly string[], connections: number): Buffer[] {
  const per = Math.ceil(lines.length / connections);
  const streams: Buffer[] = [];
  for (let i = 0; i < connections; i++) {
    const chunk = lines.slice(i * per, (i + 1) * per);
    if (chunk.length > 0) streams.push(Buffer.concat(chunk.map((line) => Buffer.from(`${Buffer.byteLength(line)} ${line}`))));
  }
  return streams;
}

/** Sends each stream on its own connection as fast as the edge reads (TCP backpressure), then closes. */
export async function sendTcpStreams(address: EdgeAddress, streams: readonly Buffer[]): Promise<void> {
  await Promise.all(
    streams.map(async (stream) => {
      const socket = await open(address);
      for (let offset = 0; offset < stream.length; offset += WRITE_SLICE) {
        if (!socket.write(stream.subarray(offset, offset + WRITE_SLICE))) await once(socket, 'drain');
      }
      await new Promise<void>((resolve) => socket.end(resolve));
      socket.destroy();
    }),
  );
}

async function open(address: EdgeAddress): Promise<Socket> {
  const socket = connect(address.port, address.host);
  socket.setNoDelay(true);
  await once(socket, 'connect');
  return socket;
}

/**
 * Sends lines at a steady rate over several connections, in 100 ms ticks, cycling through
 * `lines`. A connection the edge is holding back (TCP backpressure) skips its share of a tick,
 * so `sent` is what went out and the achieved rate shows when the edge could not keep up.
 */
export class PacedTcpSender {
  sent = 0;
  readonly #frames: Buffer[];
  readonly #ratePerSecond: number;
  readonly #sockets: Socket[] = [];
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  #startedMs = 0;

  constructor(lines: readonly string[], ratePerSecond: number) {
    this.#frames = lines.map((line) => Buffer.from(`${Buffer.byteLength(line)} ${line}`));
    this.#ratePerSecond = ratePerSecond;
  }

  async start(address: EdgeAddress, connections: number): Promise<void> {
    for (let i = 0; i < connections; i++) this.#sockets.push(await open(address));
    this.#startedMs = performance.now();
    this.#timer = setInterval(() => this.#tick(), 100);
  }

  /** Stops sending and closes the connections once their data is written. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.#sockets.map((socket) => new Promise<void>((resolve) => socket.end(resolve))));
    for (const socket of this.#sockets) socket.destroy();
  }

  #tick(): void {
    const due = Math.floor(((performance.now() - this.#startedMs) / 1000) * this.#ratePerSecond) - this.sent;
    if (due <= 0) return;
    const share = Math.ceil(due / this.#sockets.length);
    let left = due;
    for (const socket of this.#sockets) {
      if (socket.writableNeedDrain || left <= 0) continue;
      const count = Math.min(share, left);
      const frames: Buffer[] = [];
      for (let i = 0; i < count; i++) {
        frames.push(this.#frames[this.#next]!);
        this.#next = (this.#next + 1) % this.#frames.length;
      }
      socket.write(Buffer.concat(frames));
      left -= count;
      this.sent += count;
    }
  }
}

/**
 * The mix as an integrator sends it over HTTP: each line normalized the way the edge would
 * (fields ECS already has), minus what only Vigil sets (`vigil.*`, `event.created`) and minus
 * `event.original`, which the edge fills with the event's JSON text. NDJSON bodies of `batch` events.
 */
export function httpBodies(lines: readonly MixLine[], batch: number): string[] {
  const parsers = new ParserRegistry();
  const receivedAt = '2026-11-24T10:00:00.000Z';
  const nowMs = Date.parse(receivedAt);
  const events: string[] = [];
  for (const { line } of lines) {
    const event: EcsEvent = normalizeSyslog(line, receivedAt, 'syslog_tcp', parsers, nowMs).event;
    delete event.vigil;
    if (event.event) {
      delete event.event.created;
      delete event.event.original;
    }
    if (!validateEvent(event).ok) throw new Error(`the HTTP event for ${JSON.stringify(line)} is not valid ECS`);
    events.push(JSON.stringify(event));
  }
  const bodies: string[] = [];
  for (let i = 0; i < events.length; i += batch) bodies.push(events.slice(i, i + batch).join('\n'));
  return bodies;
}

/** What an HTTP run achieved. */
export interface HttpResult {
  accepted: number;
  /** Requests answered 429/503 and sent again after Retry-After. */
  retries: number;
}

/** POSTs the bodies to `/api/v1/events` with `concurrency` requests in flight; retries 429/503 after Retry-After. */
export async function sendHttpBodies(address: EdgeAddress, key: string, bodies: readonly Uint8Array[], concurrency: number): Promise<HttpResult> {
  const url = `http://${address.host}:${address.port}/api/v1/events`;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' };
  const result: HttpResult = { accepted: 0, retries: 0 };
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      for (;;) {
        const response = await fetch(url, { method: 'POST', headers, body });
        const answer = (await response.json()) as { accepted?: number; rejected?: number; error?: { code: string; message: string } };
        if (response.status === 202) {
          if (answer.rejected) throw new Error(`the edge rejected ${answer.rejected} events of a batch: ${JSON.stringify(answer).slice(0, 500)}`);
          result.accepted += answer.accepted ?? 0;
          break;
        }
        if (response.status !== 429 && response.status !== 503) throw new Error(`HTTP ingest answered ${response.status}: ${JSON.stringify(answer)}`);
        result.retries++;
        await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? '1') * 1000));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
}
