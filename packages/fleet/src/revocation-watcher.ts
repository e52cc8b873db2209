import type { Metrics } from '@vigil/runtime';
import { REVOCATIONS_KEY, revocationListSchema, type RevocationList } from './messages.ts';
import { SignedListFollower, type ListReaderOptions } from './signed-list-follower.ts';

export type RevocationWatcherOptions = ListReaderOptions;

/**
 * Keeps the newest CA-signed revocation list from `vigil.commands` and answers "is this edge
 * certificate revoked?" for the batch and heartbeat verifiers. The list is read from the bus
 * as it is published (the API publishes on every revocation and republishes it periodically)
 * and saved to disk, so a restarted engine rejects a revoked edge before it has read the bus.
 */
export class RevocationWatcher extends SignedListFollower<RevocationList> {
  readonly name = 'revocation-watcher';
  readonly #revokedGauge: ReturnType<Metrics['gauge']>;
  #wholeEdges = new Set<string>();
  #serials = new Set<string>();

  constructor(options: RevocationWatcherOptions) {
    const rejected = options.metrics.counter('vigil_fleet_revocation_lists_rejected_total', 'Revocation lists that failed signature or schema checks, by code.', ['code']);
    super({ ...options, key: REVOCATIONS_KEY, schema: revocationListSchema, what: 'revocation list', badListCode: 'VIGIL_ERR_FLEET_BAD_REVOCATION_LIST', rejected: (code) => rejected.inc({ code }) });
    this.#revokedGauge = options.metrics.gauge('vigil_fleet_revoked_certificates', 'Edge certificates (or whole edges) on the newest revocation list.');
  }

  /** True when the edge, or this certificate of it, is on the newest list. */
  isRevoked(edgeId: string, serialNumber: string): boolean {
    return this.#wholeEdges.has(edgeId) || this.#serials.has(serialKey(edgeId, serialNumber));
  }

  protected take(list: RevocationList): void {
    const wholeEdges = new Set<string>();
    const serials = new Set<string>();
    for (const entry of list.revoked) {
      if (entry.serial === undefined) wholeEdges.add(entry.edgeId);
      else serials.add(serialKey(entry.edgeId, entry.serial));
    }
    this.#wholeEdges = wholeEdges;
    this.#serials = serials;
    this.#revokedGauge.set(list.revoked.length);
  }
}

/** Serials compare as upper-case hex without leading zeros (node:crypto and node-forge differ there). */
function serialKey(edgeId: string, serial: string): string {
  return `${edgeId}/${serial.toUpperCase().replace(/^0+(?=.)/, '')}`;
}
