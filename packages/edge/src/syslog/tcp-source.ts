import { createServer, type Server } from 'node:net';
import type { Component, Logger } from '@vigil/runtime';
import type { SourceAccessList } from '../control/source-access-list.ts';
import type { EdgeMetrics } from '../metrics.ts';
import type { FlowControl, Peer } from './flow-control.ts';
import type { QuarantinedFrame } from './framing.ts';
import { StreamConnections, listen } from './stream-connections.ts';

export interface SyslogTcpSourceOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  /** 0 keeps idle connections open forever. */
  idleTimeoutMs: number;
  flow: FlowControl;
  metrics: EdgeMetrics;
  logger: Logger;
  /** Source addresses whose connections are closed at accept. */
  accessList?: SourceAccessList | undefined;
  /** The framed syslog messages of one read, in order. The buffers are valid only during the call. */
  onMessages(frames: readonly Buffer[], peer: Peer): void;
  /** Bytes that were not a usable frame (too large, malformed, cut off). */
  onQuarantine(frame: QuarantinedFrame, peer: Peer): void;
}

/**
 * Syslog over TCP (RFC 6587: octet counting, LF or NUL framing, detected per connection).
 * Connections are handled by {@link StreamConnections}, as for TLS.
 */
export class SyslogTcpSource implements Component {
  readonly name = 'syslog-tcp';
  readonly #options: SyslogTcpSourceOptions;
  readonly #connections: StreamConnections;
  #server: Server | undefined;

  constructor(options: SyslogTcpSourceOptions) {
    this.#options = options;
    this.#connections = new StreamConnections({ ...options, input: 'syslog_tcp', connections: options.metrics.tcpConnections });
  }

  /** The bound address, once started. */
  address(): { host: string; port: number } | undefined {
    const bound = this.#server?.address();
    if (!bound || typeof bound === 'string') return undefined;
    return { host: bound.address, port: bound.port };
  }

  /** Connections currently paused because the edge is full. */
  get pausedConnections(): number {
    return this.#connections.pausedConnections;
  }

  async start(): Promise<void> {
    const { host, port, logger } = this.#options;
    const server = createServer((socket) => {
      this.#connections.accept(socket, { address: socket.remoteAddress ?? 'unknown', port: socket.remotePort ?? 0 });
    });
    await listen(server, port, host);
    server.on('error', (error) => logger.error({ err: error, code: 'VIGIL_ERR_EDGE_INTERNAL' }, 'syslog TCP server error'));
    this.#server = server;
    this.#connections.open();
    logger.info({ host, port: this.address()?.port }, 'syslog TCP listening');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.#connections.closeAll();
    await closed;
  }
}
