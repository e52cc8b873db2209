import type { Server, Socket } from 'node:net';
import { OncePerInterval, describeError, type Logger } from '@vigil/runtime';
import type { SourceAccessList } from '../control/source-access-list.ts';
import type { EdgeInput, EdgeMetrics } from '../metrics.ts';
import type { FlowControl, Peer } from './flow-control.ts';
import { SyslogFrameDecoder, type QuarantinedFrame } from './framing.ts';

type Gauge = EdgeMetrics['tcpConnections'];

export interface StreamConnectionsOptions {
  /** The `source` label of `vigil_edge_received_total`. */
  input: Extract<EdgeInput, 'syslog_tcp' | 'syslog_tls'>;
  maxMessageBytes: number;
  /** 0 keeps idle connections open forever. */
  idleTimeoutMs: number;
  flow: FlowControl;
  metrics: EdgeMetrics;
  /** Open connections of this listener. */
  connections: Gauge;
  logger: Logger;
  /** Source addresses whose connections are closed at accept. */
  accessList?: SourceAccessList | undefined;
  /** The framed syslog messages of one read, in order. The buffers are valid only during the call. */
  onMessages(frames: readonly Buffer[], peer: Peer): void;
  /** Bytes that were not a usable frame (too large, malformed, cut off). */
  onQuarantine(frame: QuarantinedFrame, peer: Peer): void;
}

/**
 * The connections of one stream listener (syslog over TCP or TLS). Each connection has its own
 * frame decoder, so one sender's garbage never affects another, and its own idle timeout. When
 * the edge is full, every connection is paused (the kernel's receive window then pushes back
 * on the sender) and resumed once the edge has room again.
 */
export class StreamConnections {
  readonly #options: StreamConnectionsOptions;
  readonly #sockets = new Set<Socket>();
  readonly #paused = new Set<Socket>();
  readonly #logOnce = new OncePerInterval();
  #unsubscribe: (() => void) | undefined;

  constructor(options: StreamConnectionsOptions) {
    this.#options = options;
  }

  /** Connections currently open. */
  get size(): number {
    return this.#sockets.size;
  }

  /** Connections currently paused because the edge is full. */
  get pausedConnections(): number {
    return this.#paused.size;
  }

  /** Starts resuming paused connections when the edge has room. */
  open(): void {
    this.#unsubscribe ??= this.#options.flow.onRoom(() => this.#resumeAll());
  }

  /** Closes every connection; what a connection had buffered is decoded first. */
  closeAll(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Takes over a connected socket (for TLS: after the handshake and the client check). */
  accept(socket: Socket, peer: Peer): void {
    if (this.#options.accessList?.refuseConnection(socket, this.#options.input)) return;
    const { input, maxMessageBytes, idleTimeoutMs, metrics, connections, logger, flow, onMessages, onQuarantine } = this.#options;
    // The frames of one read are handed over together (see `normalizeSyslogLines`); a
    // quarantined frame hands over those before it first, so order is kept.
    let frames: Buffer[] = [];
    const handOver = (): void => {
      if (frames.length === 0) return;
      const read = frames;
      frames = [];
      metrics.received.inc({ source: input }, read.length);
      onMessages(read, peer);
    };
    const decoder = new SyslogFrameDecoder(maxMessageBytes, {
      onFrame(bytes) {
        frames.push(bytes);
      },
      onQuarantine(frame) {
        handOver();
        metrics.received.inc({ source: input });
        onQuarantine(frame, peer);
      },
    });
    this.#sockets.add(socket);
    connections.inc();
    if (idleTimeoutMs > 0) socket.setTimeout(idleTimeoutMs);
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      this.#guard(socket, () => {
        decoder.end();
        handOver();
      });
    };
    socket.on('data', (chunk: Buffer) => {
      this.#guard(socket, () => {
        decoder.push(chunk);
        handOver();
      });
      if (flow.isFull()) this.#pause(socket);
    });
    socket.on('end', finish);
    socket.on('timeout', () => socket.destroy());
    socket.on('error', (error) => {
      if (this.#logOnce.shouldLog('socket-error')) logger.debug({ peer: peer.address, input, reason: describeError(error) }, 'syslog connection error');
    });
    socket.on('close', () => {
      finish();
      this.#sockets.delete(socket);
      if (this.#paused.delete(socket)) this.#options.metrics.pausedConnections.dec({ source: this.#options.input });
      connections.dec();
    });
  }

  /** Decoding never throws by design; if it ever does, only this connection is closed. */
  #guard(socket: Socket, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.#options.metrics.dropped.inc({ reason: 'internal_error' });
      if (this.#logOnce.shouldLog('decoder')) {
        this.#options.logger.error({ code: 'VIGIL_ERR_EDGE_INTERNAL', input: this.#options.input, reason: describeError(error) }, 'syslog decoder failed; closing the connection');
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
    this.#options.metrics.backpressurePauses.inc({ source: this.#options.input });
    this.#options.metrics.pausedConnections.inc({ source: this.#options.input });
  }

  #resumeAll(): void {
    for (const socket of this.#paused) {
      if (this.#options.flow.isFull()) return;
      this.#paused.delete(socket);
      this.#options.metrics.pausedConnections.dec({ source: this.#options.input });
      if (this.#options.idleTimeoutMs > 0) socket.setTimeout(this.#options.idleTimeoutMs);
      socket.resume();
    }
  }
}

/** Binds `server`, rejecting with the bind error (EADDRINUSE, EACCES) instead of emitting it. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
