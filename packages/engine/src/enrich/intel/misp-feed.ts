import { describeError } from '@vigil/runtime';
import type { AlertSeverity } from '@vigil/schema';
import { intelErrors } from './errors.ts';
import { LoadTally, toIsoDate, type EntryLocation, type Indicator, type LoadResult } from './indicator.ts';
import { parseIndicatorValue, type RequestedType } from './normalize.ts';

/** How to read a MISP feed. */
export interface MispFeedOptions {
  /** The feed's name, the indicators' `source`. */
  source: string;
  /** Confidence of events whose threat level is 4 (undefined) or missing. */
  defaultConfidence: number;
  /** Where the feed lives, for error messages. */
  location?: string;
  /** Event files read at the same time. */
  concurrency?: number;
  nowMs?: number;
}

/**
 * MISP attribute types Vigil matches on, and which part of a composite `a|b` value to take.
 * `domain|ip` gives both parts.
 */
const ATTRIBUTE_TYPES: Readonly<Record<string, readonly (readonly [RequestedType, 0 | 1])[]>> = {
  'ip-src': [['ip', 0]],
  'ip-dst': [['ip', 0]],
  'ip-src|port': [['ip', 0]],
  'ip-dst|port': [['ip', 0]],
  domain: [['domain', 0]],
  hostname: [['domain', 0]],
  'hostname|port': [['domain', 0]],
  'domain|ip': [['domain', 0], ['ip', 1]],
  url: [['url', 0]],
  md5: [['md5', 0]],
  sha1: [['sha1', 0]],
  sha256: [['sha256', 0]],
  'filename|md5': [['md5', 1]],
  'filename|sha1': [['sha1', 1]],
  'filename|sha256': [['sha256', 1]],
};

/** Threat level 1 (high), 2 (medium), 3 (low) as confidence and severity; 4 (undefined) uses the feed's default. */
const THREAT_LEVELS: Readonly<Record<string, { confidence: number; severity: AlertSeverity }>> = {
  '1': { confidence: 90, severity: 'high' },
  '2': { confidence: 60, severity: 'medium' },
  '3': { confidence: 20, severity: 'low' },
};

// Event uuids become file names, so only real uuids are read (no `../` from a hostile manifest).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/**
 * Reads a MISP feed: `manifest.json` (event uuid → summary), then `<uuid>.json` for each
 * event, through `read(name)` (a file in a directory or a URL under a base URL). Only
 * attributes flagged `to_ids` become indicators, including those inside objects. An event
 * that cannot be read is counted and listed; only an unreadable manifest is thrown.
 */
export async function loadMispFeed(read: (name: string) => Promise<string>, options: MispFeedOptions): Promise<LoadResult> {
  const location = options.location ?? options.source;
  let manifestText: string;
  try {
    manifestText = await read('manifest.json');
  } catch (error) {
    if (intelErrors.is(error)) throw error;
    throw intelErrors.create('VIGIL_ERR_INTEL_FEED_UNREADABLE', { location, reason: `manifest.json: ${describeError(error)}` }, { cause: error });
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText);
  } catch (error) {
    throw intelErrors.create('VIGIL_ERR_INTEL_FEED_UNREADABLE', { location, reason: `manifest.json is not JSON (${describeError(error)})` });
  }
  if (!isObject(manifest)) throw intelErrors.create('VIGIL_ERR_INTEL_FEED_UNREADABLE', { location, reason: 'manifest.json is not an object of events' });

  const tally = new LoadTally(options.nowMs ?? Date.now());
  const uuids = Object.keys(manifest);
  const events: (unknown | Error)[] = new Array(uuids.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < uuids.length; i = next++) {
      const uuid = uuids[i]!;
      try {
        if (!UUID.test(uuid)) throw new Error('the manifest key is not an event uuid');
        events[i] = JSON.parse(await read(`${uuid}.json`));
      } catch (error) {
        events[i] = error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, uuids.length) }, worker));

  uuids.forEach((uuid, i) => {
    const event = events[i];
    const where = { entry: `event ${uuid}` };
    if (event instanceof Error) tally.reject(where, `event file unreadable: ${event.message}`);
    else if (!isObject(event) || !isObject(event.Event)) tally.reject(where, 'event file has no "Event" object');
    else readEvent(uuid, event.Event, options, tally);
  });
  return tally.result;
}

function readEvent(uuid: string, event: Json, options: MispFeedOptions, tally: LoadTally): void {
  const level = THREAT_LEVELS[String(event.threat_level_id)];
  const context: EventContext = {
    uuid,
    info: text(event.info),
    confidence: level?.confidence ?? options.defaultConfidence,
    severity: level?.severity,
    tags: tagNames(event.Tag),
    source: options.source,
  };
  const attributes = Array.isArray(event.Attribute) ? event.Attribute : [];
  attributes.forEach((attribute, i) => readAttribute(attribute, { entry: `event ${uuid} Attribute[${i}]` }, context, tally));
  const objects = Array.isArray(event.Object) ? event.Object : [];
  objects.forEach((object, o) => {
    const inner = isObject(object) && Array.isArray(object.Attribute) ? object.Attribute : [];
    inner.forEach((attribute, i) => readAttribute(attribute, { entry: `event ${uuid} Object[${o}] Attribute[${i}]` }, context, tally));
  });
}

interface EventContext {
  uuid: string;
  info: string | undefined;
  confidence: number;
  severity: AlertSeverity | undefined;
  tags: string[];
  source: string;
}

function readAttribute(attribute: unknown, where: EntryLocation, event: EventContext, tally: LoadTally): void {
  if (!isObject(attribute) || attribute.deleted === true) return;
  // Feeds write to_ids as a boolean; older exports as "1"/"0".
  if (attribute.to_ids !== true && attribute.to_ids !== '1' && attribute.to_ids !== 1) return;
  tally.result.entries++;
  const type = text(attribute.type) ?? '';
  const value = text(attribute.value);
  const parts = Object.hasOwn(ATTRIBUTE_TYPES, type) ? ATTRIBUTE_TYPES[type]! : undefined;
  if (parts === undefined) return tally.unsupported(where, `attribute type '${type}' is not one Vigil matches on`);
  if (value === undefined) return tally.reject(where, 'no value');
  const pieces = type.includes('|') ? value.split('|') : [value];
  if (type.includes('|') && pieces.length !== 2) return tally.reject(where, `'${value}' is not a '${type}' value`);
  const description = text(attribute.comment) ?? event.info;
  const lastSeen = toIsoDate(attribute.last_seen) ?? toIsoDate(attribute.timestamp);
  const firstSeen = toIsoDate(attribute.first_seen);
  const tags = [...event.tags, ...tagNames(attribute.Tag)];
  const id = text(attribute.uuid);
  for (const [requested, part] of parts) {
    const parsed = parseIndicatorValue(requested, pieces[part]!);
    if (!parsed.ok) {
      tally.reject(where, parsed.reason);
      continue;
    }
    const indicator: Indicator = {
      type: parsed.type,
      value: parsed.value,
      source: event.source,
      confidence: event.confidence,
      ...(event.severity !== undefined && { severity: event.severity }),
      ...(description !== undefined && { description }),
      ...(firstSeen !== undefined && { first_seen: firstSeen }),
      ...(lastSeen !== undefined && { last_seen: lastSeen }),
      ...(tags.length > 0 && { tags }),
      ...(id !== undefined && { id }),
    };
    tally.add(indicator);
  }
}

function tagNames(tags: unknown): string[] {
  if (!Array.isArray(tags)) return [];
  return tags.map((tag) => (isObject(tag) ? text(tag.name) : undefined)).filter((name): name is string => name !== undefined);
}
