import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { OncePerInterval, describeError, type Component, type Logger } from '@vigil/runtime';
import type { SourceAccessList } from '../control/source-access-list.ts';
import type { EdgeMetrics } from '../metrics.ts';
import type { FlowControl, Peer } from './flow-control.ts';
import type { QuarantinedFrame } from './framing.ts';
import { readKernelUdpDrops } from './udp-kernel-drops.ts';

export interface SyslogUdpSourceOptions {
  host: string;
  port: number;
  /** Requested kernel receive buffer; Linux caps it at net.core.rmem_max. */
  receiveBufferBytes: number;
  /** How often the kernel's drop counter for this socket is read. */
  kernelDropsIntervalMs: number;
  /** A larger datagram is quarantined: its first maxMessageBytes are kept. */
  maxMessageBytes: number;
  flow: FlowControl;
  metrics: EdgeMetrics;
  logger: Logger;
  /** Source addresses to drop datagrams from. */
  accessList?: SourceAccessList | undefined;
  /** One syslog message (a datagram without trailing LF/CR/NUL). The buffer is valid only during the call. */
  onMessage(bytes: Buffer, peer: Peer): void;
  /** A datagram over maxMessageBytes, cut to that size. */
  onQuarantine(frame: QuarantinedFrame, peer: Peer): void;
}

/**
 * Syslog over UDP: one message per datagram. UDP has no backpressure, so every datagram the
 * edge cannot take is dropped and counted in `vigil_edge_dropped_total` by reason: `queue_full`
 * (the edge is full), `stopped` (arrived while stopping), `empty`, `internal_error`, and
 * `kernel_receive_buffer` (the kernel dropped it before we could read it).
 */
export class SyslogUdpSource implements Component {
  readonly name = 'syslog-udp';
  readonly #options: SyslogUdpSourceOptions;
  #socket: Socket | undefined;
  #dropsTimer: NodeJS.Timeout | undefined;
  #kernelDropsSeen = 0;
  #stopping = false;
  readonly #logOnce = new OncePerInterval();

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
    const { host, port, logger, receiveBufferBytes } = this.#options;
    this.#stopping = false;
    // A large receive buffer rides out event-loop pauses (store writes, GC) without loss.
    const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', recvBufferSize: receiveBufferBytes });
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
    const boundPort = socket.address().port;
    // Linux reports twice the usable size; less than asked means net.core.rmem_max capped it.
    const granted = socket.getRecvBufferSize() / 2;
    if (granted < receiveBufferBytes) {
      logger.warn(
        { requested: receiveBufferBytes, granted, code: 'VIGIL_ERR_EDGE_UDP_BUFFER_CAPPED' },
        'syslog UDP receive buffer is smaller than configured; raise net.core.rmem_max to avoid kernel drops in bursts',
      );
    }
    this.#kernelDropsSeen = readKernelUdpDrops(boundPort) ?? 0;
    this.#dropsTimer = setInterval(() => this.#countKernelDrops(boundPort), this.#options.kernelDropsIntervalMs);
    this.#dropsTimer.unref();
    logger.info({ host, port: boundPort, receiveBufferBytes: granted }, 'syslog UDP listening');
  }

  #countKernelDrops(boundPort: number): void {
    const total = readKernelUdpDrops(boundPort);
    if (total === null || total <= this.#kernelDropsSeen) return;
    this.#options.metrics.dropped.inc({ reason: 'kernel_receive_buffer' }, total - this.#kernelDropsSeen);
    this.#kernelDropsSeen = total;
  }

  async stop(): Promise<void> {
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = undefined;
    this.#stopping = true;
    clearInterval(this.#dropsTimer);
    this.#countKernelDrops(socket.address().port);
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  #receive(datagram: Buffer, remote: RemoteInfo): void {
    const { metrics, flow, onMessage, onQuarantine, maxMessageBytes } = this.#options;
    metrics.received.inc({ source: 'syslog_udp' });
    if (this.#options.accessList?.refuseDatagram(remote.address)) return;
    if (this.#stopping) {
      metrics.dropped.inc({ reason: 'stopped' });
      return;
    }
    let end = datagram.length;
    while (end > 0 && (datagram[end - 1] === 0x0a || datagram[end - 1] === 0x0d || datagram[end - 1] === 0x00)) end--;
    if (end === 0) {
      metrics.dropped.inc({ reason: 'empty' });
      return;
    }
    if (flow.isFull()) {
      metrics.dropped.inc({ reason: flow.fullReason() === 'spool' ? 'spool_full' : 'queue_full' });
      return;
    }
    const peer: Peer = { address: remote.address, port: remote.port };
    try {
      if (end > maxMessageBytes) onQuarantine({ reason: 'frame_too_large', bytes: datagram.subarray(0, maxMessageBytes), size: end }, peer);
      else onMessage(datagram.subarray(0, end), peer);
    } catch (error) {
      // Normalizing is written not to throw; should it ever, this datagram is lost but counted.
      metrics.dropped.inc({ reason: 'internal_error' });
      if (this.#logOnce.shouldLog('internal')) this.#options.logger.error({ code: 'VIGIL_ERR_EDGE_INTERNAL', reason: describeError(error) }, 'syslog UDP datagram could not be handled');
    }
  }
}
