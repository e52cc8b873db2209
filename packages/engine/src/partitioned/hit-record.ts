import { partitionForKey, type OutgoingMessage } from '@vigil/bus';
import { isUnsafeKey } from '@vigil/schema';
import type { EnrichmentFindings } from '../enrich/event-enricher.ts';

/**
 * Rule hits of one event (or one correlation firing) on their way to the engine instance that
 * owns their state, as a message of the internal hits topic: each hit to its alert and to
 * correlation groups, all keyed by the same group-by values (so they share a partition). The
 * message is the header as one JSON line, then the shown part of the event (`ShownEvent`).
 */
export interface HitRecord {
  /** Format version. */
  readonly v: 1;
  /** Event time of the newest and the oldest new event (ms). */
  readonly t: number;
  readonly f: number;
  /** The matched event, unique per engine process: records of one event share it. */
  readonly ev: string;
  readonly ids: readonly string[];
  readonly n: number;
  /**
   * What enrichment found on the event; absent when it was not enriched where it was matched
   * (its hits only feed correlations: the engine owning one enriches the shown event when it fires).
   */
  readonly x?: EnrichmentFindings;
  readonly hits: readonly RecordedHit[];
}

/** One rule's hit in a record, and where it goes. */
export interface RecordedHit {
  /** The rule that hit (a detection, or a correlation that fired). */
  readonly rule: string;
  /** The hit's group-by values. */
  readonly g: Readonly<Record<string, string>>;
  /** A correlation's measure (events, distinct values, rules seen). */
  readonly m?: number;
  /** Its alert, and correlations' groups (values, group key, entry key). */
  readonly to: readonly HitDestination[];
}

export type HitDestination = AlertDestination | CorrelationDestination;

export interface AlertDestination {
  readonly kind: 'alert';
}

export interface CorrelationDestination {
  readonly kind: 'correlation';
  readonly correlation: string;
  readonly position: number;
  readonly values: Readonly<Record<string, string>>;
  readonly groupKey: string;
  readonly key: string | number | null;
}

/** The most characters of records in one hits-topic message, well under the bus's message size limit (1 MB by default). */
export const MAX_BUNDLE_CHARS = 256 * 1024;

/**
 * Hits-topic messages from keyed records: per partition the keys fall in (Kafka's partitioner),
 * messages holding those records in order, one per two lines, each at most MAX_BUNDLE_CHARS
 * (a record larger than that travels alone). A batch's thousand hits travel as a few messages,
 * and every key still reaches the same partition.
 */
export function bundleByPartition(records: readonly OutgoingMessage[], partitions: number, maxChars = MAX_BUNDLE_CHARS): OutgoingMessage[] {
  const open = new Map<number, { texts: string[]; chars: number }>();
  const out: OutgoingMessage[] = [];
  const close = (partition: number, bundle: { texts: string[] }) => out.push({ partition, value: bundle.texts.join('\n') });
  for (const { key, value } of records) {
    const partition = partitionForKey(typeof key === 'string' ? Buffer.from(key) : (key ?? Buffer.alloc(0)), partitions);
    const text = typeof value === 'string' ? value : value.toString('utf8');
    let bundle = open.get(partition);
    if (bundle && bundle.chars + text.length > maxChars) {
      close(partition, bundle);
      bundle = undefined;
    }
    if (bundle) {
      bundle.texts.push(text);
      bundle.chars += text.length + 1;
    } else {
      open.set(partition, { texts: [text], chars: text.length });
    }
  }
  for (const [partition, bundle] of open) close(partition, bundle);
  return out;
}

/** The message value of a record about an event shown as `eventText` (one line of JSON). */
export function encodeHitRecord(record: HitRecord, eventText: string): string {
  return `${JSON.stringify(record)}\n${eventText}`;
}

/** A record as it stands in a bundle: its header line and its shown-event line (absent when the bundle is cut off). */
export interface HitLines {
  readonly header: string;
  readonly shown: string | undefined;
}

/** The records of a bundle (a single record is a bundle of one). */
export function splitHitBundle(value: string): HitLines[] {
  const lines = value.split('\n');
  const records: HitLines[] = [];
  for (let i = 0; i < lines.length; i += 2) records.push({ header: lines[i]!, shown: lines[i + 1] });
  return records;
}

/** A record and its event's shown text; undefined when the lines are not one. */
export function decodeHitRecord({ header, shown }: HitLines): { record: HitRecord; eventText: string } | undefined {
  if (shown === undefined) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(header);
  } catch {
    return undefined;
  }
  return isHitRecord(record) ? { record, eventText: shown } : undefined;
}

function isHitRecord(value: unknown): value is HitRecord {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Partial<Record<keyof HitRecord, unknown>>;
  return (
    record.v === 1 &&
    Number.isFinite(record.t) &&
    Number.isFinite(record.f) &&
    typeof record.ev === 'string' &&
    Array.isArray(record.ids) &&
    record.ids.every((id) => typeof id === 'string') &&
    Number.isInteger(record.n) &&
    Array.isArray(record.hits) &&
    record.hits.every(isRecordedHit)
  );
}

function isRecordedHit(value: unknown): value is RecordedHit {
  if (value === null || typeof value !== 'object') return false;
  const hit = value as Partial<Record<keyof RecordedHit, unknown>>;
  return typeof hit.rule === 'string' && isStringRecord(hit.g) && (hit.m === undefined || Number.isFinite(hit.m)) && Array.isArray(hit.to) && hit.to.every(isDestination);
}

function isDestination(value: unknown): value is HitDestination {
  if (value === null || typeof value !== 'object') return false;
  const to = value as Partial<Record<keyof CorrelationDestination, unknown>>;
  return to.kind === 'alert' || (to.kind === 'correlation' && typeof to.correlation === 'string' && Number.isInteger(to.position) && isStringRecord(to.values) && typeof to.groupKey === 'string');
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  // A parsed JSON object has own properties only.
  for (const key in value) if (isUnsafeKey(key) || typeof (value as Record<string, unknown>)[key] !== 'string') return false;
  return true;
}
