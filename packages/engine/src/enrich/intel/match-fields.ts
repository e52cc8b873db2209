import type { LookupKind } from './indicator-store.ts';

/** An event field looked up in the indicators, and how its value is looked up. */
export interface MatchField {
  /** Dotted ECS path, e.g. `destination.ip`. */
  readonly field: string;
  readonly kind: LookupKind;
}

/** The event fields looked up unless the configuration says otherwise. */
export const DEFAULT_MATCH_FIELDS: readonly MatchField[] = [
  { field: 'source.ip', kind: 'ip' },
  { field: 'destination.ip', kind: 'ip' },
  { field: 'client.ip', kind: 'ip' },
  { field: 'server.ip', kind: 'ip' },
  { field: 'url.domain', kind: 'domain' },
  { field: 'url.full', kind: 'url' },
  { field: 'url.original', kind: 'url' },
  { field: 'dns.question.name', kind: 'domain' },
  { field: 'destination.domain', kind: 'domain' },
  { field: 'file.hash.md5', kind: 'hash' },
  { field: 'file.hash.sha1', kind: 'hash' },
  { field: 'file.hash.sha256', kind: 'hash' },
  { field: 'process.hash.md5', kind: 'hash' },
  { field: 'process.hash.sha1', kind: 'hash' },
  { field: 'process.hash.sha256', kind: 'hash' },
];
