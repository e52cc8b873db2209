/** What a source asks the edge before taking more input. */
export interface FlowControl {
  /** True while the edge holds as many unacknowledged events as it may. */
  isFull(): boolean;
  /** Calls `listener` each time the edge goes from full to below its limit; returns an unsubscribe. */
  onRoom(listener: () => void): () => void;
}

/** Where a message came from. */
export interface Peer {
  address: string;
  port: number;
}
