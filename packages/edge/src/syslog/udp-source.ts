import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Component, Logger } from '@vigil/runtime';
import type { EdgeMetrics } from '../metrics.ts';
import type { FlowControl, Peer } from './flow-control.ts';

export interface SyslogUdpSourceOptions {
  host: string;
  port: number;
  flow: FlowControl;
  metrics: EdgeMetrics;
  logger: Logger;
  /** One syslog message (a datagram without trailing LF/CR/NUL). The buffer is valid only during the call. */
  onMessage(bytes: Buffer, peer: Peer): void;
}

/** Syslog over UDP: one message per datagram. UDP has no backpressure, so when the edge is full datagrams are dropped and counted. */
export class SyslogUdpSource implements Component {
  readonly name = 'syslog-udp';
  readonly #options: SyslogUdpSourceOptions;
  #socket: Socket | undefined;

  constructor(options: SyslogUdpSourceOptions) {
    this.#options = options;
  }

  /** The bound address, once started. */
  address(): { host: string; port: number } | undefined {
    if (!this.#socket) return undefined;
    const bound = this.#socket.address();
    return { host: bound.address, port: bound.port };
  }

  async start(): Promise<void> {
    const { host, port, logger } = this.#options;
    const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (error) => logger.error({ err: error, code: 'VIGIL_ERR_EDGE_INTERNAL' }, 'syslog UDP socket error'));
    socket.on('message', (datagram, remote) => this.#receive(datagram, remote));
    this.#socket = socket;
    logger.info({ host, port: socket.address().port }, 'syslog UDP listening');
  }

  async stop(): Promise<void> {
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = undefined;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  #receive(datagram: Buffer, remote: RemoteInfo): void {
    const { metrics, flow, onMessage } = this.#options;
    metrics.received.inc({ source: 'syslog_udp' });
    if (flow.isFull()) {
      metrics.dropped.inc({ reason: 'queue_full' });
      return;
    }
    let end = datagram.length;
    while (end > 0 && (datagram[end - 1] === 0x0a || datagram[end - 1] === 0x0d || datagram[end - 1] === 0x00)) end--;
    if (end === 0) {
      metrics.dropped.inc({ reason: 'empty' });
      return;
    }
    onMessage(datagram.subarray(0, end), { address: remote.address, port: remote.port });
  }
}
