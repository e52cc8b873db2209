import type { Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { OncePerInterval, describeError, type Component, type Logger } from '@vigil/runtime';
import type { SourceAccessList } from '../control/source-access-list.ts';
import { edgeErrors } from '../errors.ts';
import type { EdgeMetrics } from '../metrics.ts';
import type { FlowControl, Peer, TlsClientIdentity } from './flow-control.ts';
import type { QuarantinedFrame } from './framing.ts';
import { StreamConnections, listen } from './stream-connections.ts';
import { resolveTlsCredentials, type TlsClientAuth, type TlsIdentity } from './tls-credentials.ts';

export interface SyslogTlsSourceOptions {
  host: string;
  port: number;
  /** PEM files; without certFile/keyFile the edge identity is used, without caFile the Vigil CA. */
  certFile?: string | undefined;
  keyFile?: string | undefined;
  caFile?: string | undefined;
  identity?: TlsIdentity | undefined;
  clientAuth: TlsClientAuth;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  maxMessageBytes: number;
  /** 0 keeps idle connections open forever. */
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
  flow: FlowControl;
  metrics: EdgeMetrics;
  logger: Logger;
  /** Source addresses whose connections are closed at accept. */
  accessList?: SourceAccessList | undefined;
  /** The framed syslog messages of one read, in order; `peer.tls` says who sent them. The buffers are valid only during the call. */
  onMessages(frames: readonly Buffer[], peer: Peer): void;
  /** Bytes that were not a usable frame (too large, malformed, cut off). */
  onQuarantine(frame: QuarantinedFrame, peer: Peer): void;
}

/** Why a handshake failed or a client was refused: the `reason` label of `vigil_edge_tls_handshake_failures_total`. */
export type TlsFailureReason =
  | 'no_certificate'
  | 'certificate_expired'
  | 'certificate_not_yet_valid'
  | 'untrusted_certificate'
  | 'handshake_timeout'
  | 'protocol_version'
  | 'not_tls'
  | 'server_certificate_rejected'
  | 'connection_reset'
  | 'handshake_error';

/**
 * Syslog over TLS (RFC 5425, default port 6514). After the handshake the connection is handled
 * like a TCP one (framing detection, limits, quarantine, backpressure: {@link StreamConnections}).
 * With `clientAuth` `optional` or `required` the client's certificate must chain to the CA and
 * be valid now (`required`: it must also be sent); a refused client is counted by reason and
 * logged once per minute per reason. The accepted client's subject goes on its events (`tls.*`).
 */
export class SyslogTlsSource implements Component {
  readonly name = 'syslog-tls';
  #options: SyslogTlsSourceOptions;
  readonly #connections: StreamConnections;
  readonly #handshaking = new Set<Socket>();
  readonly #logOnce = new OncePerInterval();
  #server: Server | undefined;

  constructor(options: SyslogTlsSourceOptions) {
    this.#options = options;
    this.#connections = new StreamConnections({ ...options, input: 'syslog_tls', connections: options.metrics.tlsConnections });
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
    const { host, port, logger, clientAuth, minVersion, handshakeTimeoutMs } = this.#options;
    const credentials = resolveTlsCredentials(this.#options);
    let server: Server;
    try {
      server = createServer({
        ...credentials,
        minVersion,
        handshakeTimeout: handshakeTimeoutMs,
        requestCert: clientAuth !== 'none',
        // Verified after the handshake instead, so a refusal can be counted with its reason.
        rejectUnauthorized: false,
      });
    } catch (error) {
      throw edgeErrors.create('VIGIL_ERR_EDGE_TLS_BAD_CREDENTIALS', { reason: describeError(error) }, { cause: error });
    }
    server.on('connection', (socket: Socket) => {
      this.#handshaking.add(socket);
      socket.once('close', () => this.#handshaking.delete(socket));
    });
    server.on('secureConnection', (socket: TLSSocket) => this.#secured(socket));
    server.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => {
      this.#fail(handshakeFailureReason(error.code), peerOf(socket), 'VIGIL_ERR_EDGE_TLS_HANDSHAKE_FAILED', describeError(error));
      // node:tls reports a handshake timeout but leaves the socket open.
      socket.destroy();
    });
    await listen(server, port, host);
    server.on('error', (error) => logger.error({ err: error, code: 'VIGIL_ERR_EDGE_INTERNAL' }, 'syslog TLS server error'));
    this.#server = server;
    this.#connections.open();
    logger.info({ host, port: this.address()?.port, clientAuth, minVersion }, 'syslog TLS listening');
  }

  /**
   * Serves a renewed edge identity to new connections (open ones keep theirs). Does nothing when
   * the listener uses configured certificate files rather than the identity.
   */
  replaceIdentity(identity: TlsIdentity): void {
    this.#options = { ...this.#options, identity };
    if (this.#options.certFile !== undefined) return;
    this.#server?.setSecureContext({ ...resolveTlsCredentials(this.#options), minVersion: this.#options.minVersion });
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#handshaking) socket.destroy();
    this.#connections.closeAll();
    await closed;
  }

  #secured(socket: TLSSocket): void {
    const { clientAuth } = this.#options;
    const peer = peerOf(socket);
    const identity: TlsClientIdentity = { version: tlsVersion(socket.getProtocol()) };
    if (clientAuth !== 'none') {
      const certificate = socket.getPeerX509Certificate();
      if (!certificate) {
        if (clientAuth === 'required') return this.#refuse(socket, 'no_certificate', peer);
      } else if (!socket.authorized) {
        return this.#refuse(socket, verifyFailureReason(socket.authorizationError), peer, String(socket.authorizationError));
      } else {
        identity.subject = distinguishedName(certificate.subject);
        identity.commonNames = commonNames(certificate.subject);
      }
    }
    this.#connections.accept(socket, { ...peer, tls: identity });
  }

  #refuse(socket: TLSSocket, reason: TlsFailureReason, peer: Peer, detail?: string): void {
    this.#fail(reason, peer, 'VIGIL_ERR_EDGE_TLS_CLIENT_REFUSED', detail ?? reason);
    socket.destroy();
  }

  #fail(reason: TlsFailureReason, peer: Peer, code: 'VIGIL_ERR_EDGE_TLS_CLIENT_REFUSED' | 'VIGIL_ERR_EDGE_TLS_HANDSHAKE_FAILED', detail: string): void {
    this.#options.metrics.tlsHandshakeFailures.inc({ reason });
    if (!this.#logOnce.shouldLog(reason)) return;
    const error = edgeErrors.create(code, { peer: `${peer.address}:${peer.port}`, reason, detail });
    this.#options.logger.warn({ code, reason, peer: peer.address, detail }, `${error.message} (logged once per minute per reason)`);
  }
}

function peerOf(socket: Socket): Peer {
  return { address: socket.remoteAddress ?? 'unknown', port: socket.remotePort ?? 0 };
}

/** `TLSv1.3` → `1.3` (ECS `tls.version`). */
function tlsVersion(protocol: string | null): string {
  return protocol?.startsWith('TLSv') ? protocol.slice(4) : (protocol ?? 'unknown');
}

/** node:crypto prints a subject one attribute per line, least specific first; ECS wants `CN=…, O=…`. */
function distinguishedName(subject: string): string {
  return subject.split('\n').filter(Boolean).reverse().join(', ');
}

function commonNames(subject: string): string[] {
  return subject
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3));
}

/** Reasons from `tlsSocket.authorizationError` (OpenSSL verify codes). */
function verifyFailureReason(error: Error | undefined): TlsFailureReason {
  const code = (error as (Error & { code?: string }) | undefined)?.code ?? String(error ?? '');
  if (code === 'CERT_HAS_EXPIRED') return 'certificate_expired';
  if (code === 'CERT_NOT_YET_VALID') return 'certificate_not_yet_valid';
  return 'untrusted_certificate';
}

/** Reasons from a failed handshake (`tlsClientError`). */
function handshakeFailureReason(code: string | undefined): TlsFailureReason {
  if (!code) return 'handshake_error';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'handshake_timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection_reset';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_HTTP_REQUEST' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') return 'not_tls';
  if (code.includes('VERSION') || code.includes('PROTOCOL')) return 'protocol_version';
  if (code.includes('ALERT') && (code.includes('CERTIFICATE') || code.includes('UNKNOWN_CA'))) return 'server_certificate_rejected';
  return 'handshake_error';
}
