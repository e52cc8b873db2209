import { partitionForKey, type OutgoingMessage } from '@vigil/bus';
import { isUnsafeKey } from '@vigil/schema';
import type { EnrichmentFindings } from '../enrich/event-enricher.ts';

/**
 * Rule hits of one event (or one correlation firing) on their way to the engine instance that
 * owns their state, as a message of the internal hits topic: each hit to its alert and to
 * correlation groups, all keyed by the same group-by values (so they share a partition). The
 * message is the header as one JSON line, then the shown part of the event (`ShownEvent`).
 *
 * The header is written as format 2, a positional JSON array (a third fewer bytes than the
 * object, and quicker to write and read):
 * `[2, t, f, ev, ids, n, x or 0, [[rule, g, m or null, [destination, ...]], ...]]`, where a
 * destination is `0` for the hit's alert or `[correlation, position, values, groupKey, key]`.
 * Format 1, the same fields as a JSON object with `"v": 1`, is still read (records an older
 * engine left in the topic).
 */
export interface HitRecord {
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
  const hits = record.hits.map(({ rule, g, m, to }) => [rule, g, m ?? null, to.map(destinationTuple)]);
  return `${JSON.stringify([2, record.t, record.f, record.ev, record.ids, record.n, record.x ?? 0, hits])}\n${eventText}`;
}

function destinationTuple(to: HitDestination): 0 | [string, number, Readonly<Record<string, string>>, string, string | number | null] {
  return to.kind === 'alert' ? 0 : [to.correlation, to.position, to.values, to.groupKey, to.key];
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    return undefined;
  }
  const record = Array.isArray(parsed) ? recordOfTuple(parsed) : isHitRecordV1(parsed) ? parsed : undefined;
  return record === undefined ? undefined : { record, eventText: shown };
}

/** A format-2 header (see `HitRecord`) as a record; undefined when it is not one. */
function recordOfTuple(tuple: readonly unknown[]): HitRecord | undefined {
  const [version, t, f, ev, ids, n, x, hits] = tuple;
  if (version !== 2 || tuple.length !== 8 || !Number.isFinite(t) || !Number.isFinite(f) || typeof ev !== 'string' || !isStringList(ids) || !Number.isInteger(n) || !Array.isArray(hits)) return undefined;
  if (x !== 0 && !isFindings(x)) return undefined;
  const recorded: RecordedHit[] = [];
  for (const hit of hits as unknown[]) {
    const entry = recordedHitOfTuple(hit);
    if (entry === undefined) return undefined;
    recorded.push(entry);
  }
  return { t: t as number, f: f as number, ev, ids, n: n as number, x: x === 0 ? undefined : (x as EnrichmentFindings), hits: recorded };
}

function recordedHitOfTuple(value: unknown): RecordedHit | undefined {
  if (!Array.isArray(value) || value.length !== 4) return undefined;
  const [rule, g, m, to] = value as unknown[];
  if (typeof rule !== 'string' || !isStringRecord(g) || (m !== null && !Number.isFinite(m)) || !Array.isArray(to)) return undefined;
  const destinations: HitDestination[] = [];
  for (const item of to as unknown[]) {
    const destination = destinationOfTuple(item);
    if (destination === undefined) return undefined;
    destinations.push(destination);
  }
  return { rule, g, m: m === null ? undefined : (m as number), to: destinations };
}

function destinationOfTuple(value: unknown): HitDestination | undefined {
  if (value === 0) return ALERT_DESTINATION;
  if (!Array.isArray(value) || value.length !== 5) return undefined;
  const [correlation, position, values, groupKey, key] = value as unknown[];
  if (typeof correlation !== 'string' || !Number.isInteger(position) || !isStringRecord(values) || typeof groupKey !== 'string') return undefined;
  if (key !== null && typeof key !== 'string' && !Number.isInteger(key)) return undefined;
  return { kind: 'correlation', correlation, position: position as number, values, groupKey, key: key as string | number | null };
}

/** The destination of a hit bound for its own alert (one shared object: it carries nothing else). */
export const ALERT_DESTINATION: HitDestination = Object.freeze({ kind: 'alert' });

function isStringList(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

/** What enrichment found, as a record carries it: an object (its parts are read defensively where used). */
function isFindings(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isHitRecordV1(value: unknown): value is HitRecord {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Partial<Record<keyof HitRecord | 'v', unknown>>;
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
