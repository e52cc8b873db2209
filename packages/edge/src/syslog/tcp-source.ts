import { createServer, type Server, type Socket } from 'node:net';
import { OncePerInterval, describeError, type Component, type Logger } from '@vigil/runtime';
import type { EdgeMetrics } from '../metrics.ts';
import type { FlowControl, Peer } from './flow-control.ts';
import { SyslogFrameDecoder, type QuarantinedFrame } from './framing.ts';

export interface SyslogTcpSourceOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  /** 0 keeps idle connections open forever. */
  idleTimeoutMs: number;
  flow: FlowControl;
  metrics: EdgeMetrics;
  logger: Logger;
  /** One framed syslog message. The buffer is valid only during the call. */
  onMessage(bytes: Buffer, peer: Peer): void;
  /** Bytes that were not a usable frame (too large, malformed, cut off). */
  onQuarantine(frame: QuarantinedFrame, peer: Peer): void;
}

/**
 * Syslog over TCP. Each connection has its own frame decoder, so one sender's garbage never
 * affects another. When the edge is full, every connection is paused (the kernel's receive
 * window then pushes back on the sender) and resumed once the edge has room again.
 */
export class SyslogTcpSource implements Component {
  readonly name = 'syslog-tcp';
  readonly #options: SyslogTcpSourceOptions;
  readonly #sockets = new Set<Socket>();
  readonly #paused = new Set<Socket>();
  readonly #logOnce = new OncePerInterval();
  #server: Server | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(options: SyslogTcpSourceOptions) {
    this.#options = options;
  }

  /** The bound address, once started. */
  address(): { host: string; port: number } | undefined {
    const bound = this.#server?.address();
    if (!bound || typeof bound === 'string') return undefined;
    return { host: bound.address, port: bound.port };
  }

  /** Connections currently paused because the edge is full. */
  get pausedConnections(): number {
    return this.#paused.size;
  }

  async start(): Promise<void> {
    const { host, port, logger, flow } = this.#options;
    const server = createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => logger.error({ err: error, code: 'VIGIL_ERR_EDGE_INTERNAL' }, 'syslog TCP server error'));
    this.#server = server;
    this.#unsubscribe = flow.onRoom(() => this.#resumeAll());
    logger.info({ host, port: this.address()?.port }, 'syslog TCP listening');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#unsubscribe?.();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #accept(socket: Socket): void {
    const { maxMessageBytes, idleTimeoutMs, metrics, logger, flow, onMessage, onQuarantine } = this.#options;
    const peer: Peer = { address: socket.remoteAddress ?? 'unknown', port: socket.remotePort ?? 0 };
    const decoder = new SyslogFrameDecoder(maxMessageBytes, {
      onFrame(bytes) {
        metrics.received.inc({ source: 'syslog_tcp' });
        onMessage(bytes, peer);
      },
      onQuarantine(frame) {
        metrics.received.inc({ source: 'syslog_tcp' });
        onQuarantine(frame, peer);
      },
    });
    this.#sockets.add(socket);
    metrics.tcpConnections.inc();
    if (idleTimeoutMs > 0) socket.setTimeout(idleTimeoutMs);
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      this.#guard(socket, () => decoder.end());
    };
    socket.on('data', (chunk: Buffer) => {
      this.#guard(socket, () => decoder.push(chunk));
      if (flow.isFull()) this.#pause(socket);
    });
    socket.on('end', finish);
    socket.on('timeout', () => socket.destroy());
    socket.on('error', (error) => {
      if (this.#logOnce.shouldLog('socket-error')) logger.debug({ peer, reason: describeError(error) }, 'syslog TCP connection error');
    });
    socket.on('close', () => {
      finish();
      this.#sockets.delete(socket);
      this.#paused.delete(socket);
      metrics.tcpConnections.dec();
    });
  }

  /** Decoding never throws by design; if it ever does, only this connection is closed. */
  #guard(socket: Socket, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.#options.metrics.dropped.inc({ reason: 'internal_error' });
      if (this.#logOnce.shouldLog('decoder')) {
        this.#options.logger.error({ code: 'VIGIL_ERR_EDGE_INTERNAL', reason: describeError(error) }, 'syslog TCP decoder failed; closing the connection');
      }
      socket.destroy();
    }
  }

  #pause(socket: Socket): void {
    if (this.#paused.has(socket) || socket.destroyed) return;
    socket.pause();
    // A connection paused by us is not idle: its sender is waiting on us.
    socket.setTimeout(0);
    this.#paused.add(socket);
  }

  #resumeAll(): void {
    for (const socket of this.#paused) {
      if (this.#options.flow.isFull()) return;
      this.#paused.delete(socket);
      if (this.#options.idleTimeoutMs > 0) socket.setTimeout(this.#options.idleTimeoutMs);
      socket.resume();
    }
  }
}
