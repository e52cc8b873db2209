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
  /** What enrichment found on the event. */
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

/** The message value of a record about the event `eventText`. */
export function encodeHitRecord(record: HitRecord, eventText: string): string {
  return `${JSON.stringify(record)}\n${eventText}`;
}

/** A record and its event's text, from a message value; undefined when the value is not one. */
export function decodeHitRecord(value: string): { record: HitRecord; eventText: string } | undefined {
  const newline = value.indexOf('\n');
  if (newline < 0) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(value.slice(0, newline));
  } catch {
    return undefined;
  }
  return isHitRecord(record) ? { record, eventText: value.slice(newline + 1) } : undefined;
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
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.entries(value).every(([key, entry]) => !isUnsafeKey(key) && typeof entry === 'string');
}
