import { isUnsafeKey, type EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { ECS_LEAVES, setLeafValue, type EcsLeaf } from './ecs-leaves.ts';
import { EventBuilder, isIpAddress } from './event-builder.ts';
import { formatIso, parseIsoTime } from './time.ts';

const MAX_DEPTH = 8;
const MAX_NODES = 1000;
const MAX_STRINGIFIED = 4096;
// Set by the edge itself (raw line, identity, receipt), by the syslog header, or Vigil provenance: never from input.
const BLOCKED: ReadonlySet<string> = new Set(['event.original', 'event.id', 'event.created', 'event.ingested', 'vigil', 'log.syslog']);
// Top-level keys structured loggers use for the message, level and time.
const LOGGER_KEYS: ReadonlySet<string> = new Set(['msg', 'level', 'time', 'timestamp', 'ts']);

function isBlocked(path: string): boolean {
  return BLOCKED.has(path) || (path.includes('.') && (path.startsWith('vigil.') || path.startsWith('log.syslog.')));
}
const FORGED_KINDS: ReadonlySet<string> = new Set(['alert', 'signal']);
// pino/bunyan numeric levels.
const LEVEL_NAMES: ReadonlyMap<number, string> = new Map([
  [10, 'trace'],
  [20, 'debug'],
  [30, 'info'],
  [40, 'warn'],
  [50, 'error'],
  [60, 'fatal'],
]);

/**
 * A message that is one JSON object, optionally after CEE's `@cee:` cookie (rsyslog
 * mmjsonparse, syslog-ng). Keys that are valid ECS (nested or dotted, `"source.ip"`) with
 * values of the right type are kept; everything else goes to `labels` as `dotted.path` →
 * string (bounded depth and count). `message`/`msg` become `message`; `level` and
 * `time`/`timestamp`/`ts` (as structured loggers write them) become `log.level` and
 * `@timestamp`. Fields the edge owns (`event.original`, `event.id`, `vigil.*`, ...) are never
 * taken from input. Null for anything that is not a JSON object.
 */
export const jsonParser: MessageParser = {
  name: 'json',
  programs: [],
  probe: (message) => jsonStart(message) >= 0,
  parse(message) {
    const start = jsonStart(message);
    if (start < 0) return null;
    let value: unknown;
    try {
      value = JSON.parse(start === 0 ? message : message.slice(start));
    } catch {
      return null;
    }
    return isPlainObject(value) ? toEcs(value) : null;
  },
};

/** Where the JSON object starts (after `@cee:` and spaces), or -1 when the message is not one. */
function jsonStart(message: string): number {
  let start = message.startsWith('@cee:') ? 5 : 0;
  while (message.charCodeAt(start) === 0x20) start++;
  if (message.charCodeAt(start) !== 0x7b /* { */) return -1;
  let end = message.length - 1;
  while (end > start && (message.charCodeAt(end) === 0x20 || message.charCodeAt(end) === 0x0a || message.charCodeAt(end) === 0x0d)) end--;
  return message.charCodeAt(end) === 0x7d /* } */ ? start : -1;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

class JsonWalk {
  readonly b = new EventBuilder('json', 'json.log');
  nodes = 0;

  walk(object: Record<string, unknown>, prefix: string, depth: number): void {
    for (const key of Object.keys(object)) {
      if (++this.nodes > MAX_NODES) {
        this.truncated();
        return;
      }
      if (isUnsafeKey(key) || (key.includes('.') && key.split('.').some(isUnsafeKey))) continue;
      if (depth === 0 && LOGGER_KEYS.has(key)) continue;
      this.route(prefix ? `${prefix}.${key}` : key, object[key], depth);
    }
  }

  route(path: string, value: unknown, depth: number): void {
    if (value === null || value === undefined) return;
    if (isBlocked(path)) {
      this.label(path, value);
      return;
    }
    if (path.startsWith('labels.')) {
      this.label(path.slice(7), value);
      return;
    }
    const leaf = ECS_LEAVES.get(path);
    if (leaf) {
      if (!this.setLeaf(path, leaf, value)) this.label(path, value);
      return;
    }
    if (isPlainObject(value)) {
      if (depth >= MAX_DEPTH) this.label(path, value);
      else this.walk(value, path, depth + 1);
      return;
    }
    this.label(path, value);
  }

  setLeaf(path: string, leaf: EcsLeaf, value: unknown): boolean {
    const event = this.b.fields as Record<string, unknown>;
    if (path.startsWith('related.')) return this.related(path, value);
    switch (leaf.kind) {
      case 'keyword': {
        const text = scalarText(value);
        if (text === undefined) return false;
        setLeafValue(event, leaf, text);
        return true;
      }
      case 'long':
      case 'float': {
        const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
        if (!Number.isFinite(number) || (leaf.kind === 'long' && !Number.isSafeInteger(number))) return false;
        setLeafValue(event, leaf, number);
        return true;
      }
      case 'ip':
        if (typeof value !== 'string' || !isIpAddress(value)) return false;
        setLeafValue(event, leaf, value);
        return true;
      case 'date': {
        const iso = toIso(value);
        if (iso === null) return false;
        setLeafValue(event, leaf, iso);
        return true;
      }
      case 'keywords':
      case 'ips': {
        const list = Array.isArray(value) ? value : [value];
        const texts = list.map(scalarText);
        if (texts.some((text) => text === undefined || (leaf.kind === 'ips' && !isIpAddress(text)))) return false;
        setLeafValue(event, leaf, texts);
        return true;
      }
      case 'enum':
        if (typeof value !== 'string' || !leaf.values?.has(value) || (path === 'event.kind' && FORGED_KINDS.has(value))) return false;
        setLeafValue(event, leaf, value);
        return true;
      case 'record':
        if (!isPlainObject(value)) return false;
        for (const key of Object.keys(value)) this.label(key, value[key]);
        return true;
      case 'geo_point':
        if (!isPlainObject(value) || typeof value.lat !== 'number' || typeof value.lon !== 'number') return false;
        setLeafValue(event, leaf, { lat: value.lat, lon: value.lon });
        return true;
    }
  }

  related(path: string, value: unknown): boolean {
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) {
      const text = scalarText(item);
      if (text === undefined) continue;
      if (path === 'related.ip') {
        if (isIpAddress(text)) this.b.relatedIp(text);
      } else if (path === 'related.user') this.b.relatedUser(text);
      else if (path === 'related.hosts') this.b.relatedHost(text);
      else if (path === 'related.hash') this.b.relatedHash(text);
    }
    return true;
  }

  label(key: string, value: unknown): void {
    if (value === null || value === undefined) return;
    const text = scalarText(value) ?? JSON.stringify(value).slice(0, MAX_STRINGIFIED);
    this.b.label(key, text);
  }

  truncated(): void {
    const fields = this.b.fields;
    if (!fields.tags?.includes('json_truncated')) fields.tags = [...(fields.tags ?? []), 'json_truncated'];
  }
}

function toEcs(object: Record<string, unknown>): EcsEvent {
  const walk = new JsonWalk();
  const { b } = walk;
  const { msg, level, time, timestamp, ts } = object;
  walk.walk(object, '', 0);
  const event = b.fields;
  if (msg !== undefined) {
    if (typeof msg === 'string' && event.message === undefined) b.message(msg);
    else walk.label('msg', msg);
  }
  if (level !== undefined) {
    const name = typeof level === 'number' ? LEVEL_NAMES.get(level) : typeof level === 'string' ? level.toLowerCase() : undefined;
    if (name !== undefined && event.log?.level === undefined) b.log().level = name;
    else walk.label('level', level);
  }
  for (const [key, value] of [['time', time], ['timestamp', timestamp], ['ts', ts]] as const) {
    if (value === undefined) continue;
    const iso = event['@timestamp'] === undefined ? toIso(value) : null;
    if (iso !== null) b.timestamp(iso);
    else walk.label(key, value);
  }
  addRelated(b, event);
  return b.build();
}

/** `related.*` from the ECS fields the payload carried, as the other parsers fill it. */
function addRelated(b: EventBuilder, event: EcsEvent): void {
  for (const endpoint of [event.source, event.destination, event.client, event.server]) {
    if (endpoint?.ip) b.relatedIp(endpoint.ip);
    if (endpoint?.user?.name) b.relatedUser(endpoint.user.name);
  }
  if (event.user?.name) b.relatedUser(event.user.name);
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** ISO-8601 text, or epoch seconds/milliseconds as a number, to UTC ISO. */
function toIso(value: unknown): string | null {
  if (typeof value === 'string') return parseIsoTime(value);
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return null;
  const ms = value >= 1e11 ? value : value * 1000;
  return formatIso(Math.trunc(ms));
}
