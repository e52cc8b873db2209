import { isIP } from 'node:net';
import { isUnsafeKey, type EcsEvent } from '@vigil/schema';

/** An ECS endpoint field set (`source`, `destination`, `client`, `server`). */
export type Endpoint = NonNullable<EcsEvent['source']>;

/** At most this many `labels` per event; further ones are dropped and the event is tagged `labels_truncated`. */
export const MAX_LABELS = 64;
const MAX_LABEL_KEY = 128;

/**
 * Builds the ECS fields of one parsed message: typed access to the field sets, and the fields
 * every format fills the same way (addresses, ports, `related.*`, bounded `labels`).
 */
export class EventBuilder {
  readonly #event: EcsEvent;
  #labels: Record<string, string> | undefined;
  #labelCount = 0;
  #truncated = false;
  #relatedIp: string[] | undefined;
  #relatedUser: string[] | undefined;
  #relatedHosts: string[] | undefined;
  #relatedHash: string[] | undefined;

  constructor(module: string, dataset: string) {
    this.#event = { event: { kind: 'event', module, dataset } };
  }

  /** The event under construction, for fields without a helper. */
  get fields(): EcsEvent {
    return this.#event;
  }

  event(): NonNullable<EcsEvent['event']> {
    return this.#event.event!;
  }
  source(): Endpoint {
    return (this.#event.source ??= {});
  }
  destination(): Endpoint {
    return (this.#event.destination ??= {});
  }
  observer(): NonNullable<EcsEvent['observer']> {
    return (this.#event.observer ??= {});
  }
  url(): NonNullable<EcsEvent['url']> {
    return (this.#event.url ??= {});
  }
  http(): NonNullable<EcsEvent['http']> {
    return (this.#event.http ??= {});
  }
  network(): NonNullable<EcsEvent['network']> {
    return (this.#event.network ??= {});
  }
  user(): NonNullable<EcsEvent['user']> {
    return (this.#event.user ??= {});
  }
  file(): NonNullable<EcsEvent['file']> {
    return (this.#event.file ??= {});
  }
  rule(): NonNullable<EcsEvent['rule']> {
    return (this.#event.rule ??= {});
  }
  process(): NonNullable<EcsEvent['process']> {
    return (this.#event.process ??= {});
  }
  log(): NonNullable<EcsEvent['log']> {
    return (this.#event.log ??= {});
  }

  /** Sets `@timestamp` (already ISO-8601 UTC). */
  timestamp(iso: string): void {
    this.#event['@timestamp'] = iso;
  }

  message(text: string): void {
    this.#event.message = text;
  }

  /** An address that may be an IP or a host name: `.address`, plus `.ip` or `.domain`. */
  address(endpoint: Endpoint, value: string): void {
    endpoint.address = value;
    if (isIpAddress(value)) {
      endpoint.ip = value;
      this.relatedIp(value);
    } else {
      endpoint.domain = value;
      this.relatedHost(value);
    }
  }

  /** `.ip` (and `.address`) when `value` is an IP address; false otherwise. */
  ip(endpoint: Endpoint, value: string): boolean {
    if (!isIpAddress(value)) return false;
    endpoint.ip = value;
    endpoint.address ??= value;
    this.relatedIp(value);
    return true;
  }

  /** `.port` when `value` is a port number; false otherwise. */
  port(endpoint: Endpoint, value: string): boolean {
    const port = parseUint(value);
    if (port < 0 || port > 65535) return false;
    endpoint.port = port;
    return true;
  }

  /** A custom field. Keys that could reach a prototype are skipped; past {@link MAX_LABELS} the event is tagged. */
  label(key: string, value: string): void {
    if (key.length === 0 || key.length > MAX_LABEL_KEY || isUnsafeKey(key)) return;
    const labels = (this.#labels ??= {});
    if (!Object.hasOwn(labels, key)) {
      if (this.#labelCount >= MAX_LABELS) {
        this.#truncated = true;
        return;
      }
      this.#labelCount++;
    }
    labels[key] = value;
  }

  relatedIp(value: string): void {
    addUnique((this.#relatedIp ??= []), value);
  }
  relatedUser(value: string): void {
    addUnique((this.#relatedUser ??= []), value);
  }
  relatedHost(value: string): void {
    addUnique((this.#relatedHosts ??= []), value);
  }
  relatedHash(value: string): void {
    addUnique((this.#relatedHash ??= []), value);
  }

  /** The finished fields, with `labels`, `related.*` and the truncation tag attached. */
  build(): EcsEvent {
    const event = this.#event;
    // A setter may open a field set and then refuse the value (`src=not-an-ip`): drop what stayed empty.
    // Keys first: a keyed load inside `for…in` over events of many shapes kept deoptimizing this function.
    const keys = Object.keys(event);
    for (let i = 0; i < keys.length; i++) {
      const value = (event as Record<string, unknown>)[keys[i]!];
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && isEmpty(value)) Reflect.deleteProperty(event, keys[i]!);
    }
    if (this.#labels) event.labels = this.#labels;
    if (this.#truncated) event.tags = [...(event.tags ?? []), 'labels_truncated'];
    if (this.#relatedIp || this.#relatedUser || this.#relatedHosts || this.#relatedHash) {
      const related = (event.related ??= {});
      if (this.#relatedIp) related.ip = this.#relatedIp;
      if (this.#relatedUser) related.user = this.#relatedUser;
      if (this.#relatedHosts) related.hosts = this.#relatedHosts;
      if (this.#relatedHash) related.hash = this.#relatedHash;
    }
    return event;
  }
}

function isEmpty(object: object): boolean {
  for (const _ in object) return false;
  return true;
}

function addUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

/**
 * `isIP(value) !== 0`, with dotted IPv4 (most addresses in logs) checked by hand: node's check
 * is a regex, and addresses are tested several times per event. Same answers as `isIP`, which
 * `@vigil/schema` validates with (no leading zeros, 0-255).
 */
export function isIpAddress(value: string): boolean {
  const length = value.length;
  if (length < 7 || length > 15 || value.includes(':')) return length >= 2 && isIP(value) !== 0;
  let parts = 0;
  let pos = 0;
  while (pos < length) {
    const start = pos;
    let n = 0;
    while (pos < length) {
      const c = value.charCodeAt(pos) - 48;
      if (c < 0 || c > 9) break;
      n = n * 10 + c;
      pos++;
    }
    const width = pos - start;
    if (width === 0 || width > 3 || n > 255 || (width > 1 && value.charCodeAt(start) === 0x30)) return false;
    parts++;
    if (pos === length) break;
    if (value.charCodeAt(pos) !== 0x2e || parts === 4) return false;
    pos++;
    if (pos === length) return false;
  }
  return parts === 4;
}

/** A non-negative decimal integer of at most 15 digits, or -1. `Number()` would accept `''`, ` 1` and `0x1`. */
export function parseUint(text: string): number {
  if (text.length === 0 || text.length > 15) return -1;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

/** A decimal integer with an optional sign (`-1` in HAProxy timers), or null. */
export function parseInt64(text: string): number | null {
  if (text.charCodeAt(0) === 0x2d /* - */) {
    const value = parseUint(text.slice(1));
    return value < 0 ? null : -value;
  }
  const value = parseUint(text);
  return value < 0 ? null : value;
}

const LABEL_KEY_CHAR = /[^A-Za-z0-9_.-]+/g;

/** A label key from free text (a CEF `cs1Label` like `Virus Name`): `Virus_Name`; null when nothing is left. */
export function labelKey(text: string): string | null {
  const key = text.trim().replace(LABEL_KEY_CHAR, '_').slice(0, MAX_LABEL_KEY);
  return key.length === 0 || key === '_' || isUnsafeKey(key) ? null : key;
}
