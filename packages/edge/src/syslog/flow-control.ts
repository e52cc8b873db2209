/** What a source asks the edge before taking more input. */
export interface FlowControl {
  /** True while the edge holds as many unacknowledged events as it may. */
  isFull(): boolean;
  /** Why it is full: `spool` (the on-disk spool is full) or `memory` (too many events not yet durable). */
  fullReason(): 'memory' | 'spool' | null;
  /** Calls `listener` each time the edge goes from full to below its limit; returns an unsubscribe. */
  onRoom(listener: () => void): () => void;
}

/** Who is on the other end of a syslog TLS connection (ECS `tls.*`). */
export interface TlsClientIdentity {
  /** The negotiated protocol version, e.g. `1.3` (ECS `tls.version`). */
  version: string;
  /** The verified client certificate's subject DN, most specific part first (`CN=fw01, O=Example`). */
  subject?: string;
  /** The common names in that subject. */
  commonNames?: readonly string[];
}

/** Where a message came from. */
export interface Peer {
  address: string;
  port: number;
  /** Set for syslog over TLS. */
  tls?: TlsClientIdentity;
}
