import { createHmac } from 'node:crypto';
import { SocketAddress, isIP } from 'node:net';
import { getField, isUnsafeKey, setField, type EcsEvent } from '@vigil/schema';
import { ecsFieldKind, leafKind, type FieldKind } from './field-kind.ts';
import { MIN_PSEUDONYM_KEY_BYTES } from './key-file.ts';

/** The tag added to every event in which a value was replaced. */
export const PSEUDONYMISED_TAG = 'pseudonymised';
/** The prefix of keyword pseudonyms. */
export const PSEUDONYM_PREFIX = 'pseud:';

const HASH_BYTES = 15;
const MAX_CACHED_VALUES = 10_000;

/** One value's pseudonyms: as it reads in its own kind of field, and as an IP address. */
interface Pseudonym {
  /** `pseud:<base64url>` for a keyword value, the IPv6 address for an IP value. */
  text: string;
  ip: string;
}

interface ConfiguredField extends FieldKind {
  path: string;
}

/**
 * Replaces chosen fields with a keyed hash (HMAC-SHA256), so the same value always gets the
 * same pseudonym under one key and analysts can still correlate, while the value itself never
 * leaves the edge. Keyword values become `pseud:` + base64url of the first 15 bytes of the HMAC;
 * IP addresses (in any field) become `fd` + those 15 bytes, an IPv6 address in the ULA range
 * fd00::/8, so an IP field stays an IP; a non-address value placed in an IP field gets that
 * form too. A value found in a chosen field is also replaced wherever else it is a
 * whole field value (`source.address`, `related.*`, `log.syslog.hostname`; not under `vigil.*`)
 * and wherever it occurs as a word in `message` and `event.original`.
 */
export class Pseudonymiser {
  readonly #key: Buffer;
  readonly #fields: ConfiguredField[];
  readonly #cache = new Map<string, Pseudonym>();

  constructor(fields: readonly string[], key: Buffer) {
    if (key.length < MIN_PSEUDONYM_KEY_BYTES) throw new Error(`the pseudonymisation key has ${key.length} bytes; it needs at least ${MIN_PSEUDONYM_KEY_BYTES}`);
    this.#key = key;
    this.#fields = [...new Set(fields)].map((path) => {
      const kind = ecsFieldKind(path);
      if (!kind) throw new Error(`${path} is not a keyword or IP field of Vigil's ECS schema`);
      return { path, ...kind };
    });
  }

  /** The pseudonym of a value as a keyword field shows it: `pseud:…`, or the IPv6 pseudonym when the value is an IP address. */
  keyword(value: string): string {
    return this.#pseudonym(value).text;
  }

  /** The pseudonym of a value as an IP field shows it: an address in fd00::/8. */
  ip(value: string): string {
    return this.#pseudonym(value).ip;
  }

  /** Replaces the configured fields' values in place; true when anything was replaced. */
  apply(event: EcsEvent): boolean {
    let replaced: Map<string, Pseudonym> | undefined;
    for (const field of this.#fields) {
      const value = getField(event, field.path);
      if (value === undefined || value === null) continue;
      replaced ??= new Map();
      if (Array.isArray(value)) {
        setField(event, field.path, value.map((element) => this.#replace(element, field.type, replaced!)));
      } else {
        setField(event, field.path, this.#replace(value, field.type, replaced));
      }
    }
    if (!replaced) return false;
    replaceCopies(event as Record<string, unknown>, '', replaced);
    const originals = [...replaced.keys()].filter((value) => value.length > 0).sort((a, b) => b.length - a.length);
    if (typeof event.message === 'string') event.message = replaceWords(event.message, originals, replaced);
    if (typeof event.event?.original === 'string') event.event.original = replaceWords(event.event.original, originals, replaced);
    if (!event.tags?.includes(PSEUDONYMISED_TAG)) event.tags = [...(event.tags ?? []), PSEUDONYMISED_TAG];
    return true;
  }

  #replace(value: unknown, type: FieldKind['type'], replaced: Map<string, Pseudonym>): string {
    // Valid events hold strings here; anything else is hashed as its text so it cannot leak.
    const original = typeof value === 'string' ? value : String(value);
    const pseudonym = this.#pseudonym(original);
    replaced.set(original, pseudonym);
    return type === 'ip' ? pseudonym.ip : pseudonym.text;
  }

  /** An IP address is hashed in its canonical form and shown as an IP wherever it is, so `source.address` correlates with `source.ip`. */
  #pseudonym(value: string): Pseudonym {
    let pseudonym = this.#cache.get(value);
    if (pseudonym) return pseudonym;
    const isAddress = isIP(value) !== 0;
    const digest = createHmac('sha256', this.#key)
      .update(isAddress ? canonicalIp(value) : value, 'utf8')
      .digest()
      .subarray(0, HASH_BYTES);
    const ip = ulaAddress(digest);
    pseudonym = { text: isAddress ? ip : PSEUDONYM_PREFIX + digest.toString('base64url'), ip };
    // A bounded cache: repeated users and addresses skip the HMAC; when full, the oldest goes.
    if (this.#cache.size >= MAX_CACHED_VALUES) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(value, pseudonym);
    return pseudonym;
  }
}

/** One textual form per address, so `2001:DB8::1` and `2001:db8:0::1`, or `::ffff:10.0.0.1` and `10.0.0.1`, correlate. */
function canonicalIp(value: string): string {
  const version = isIP(value);
  if (version === 4) return value;
  try {
    const address = new SocketAddress({ address: value, family: 'ipv6' }).address;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    return mapped ? mapped[1]! : address;
  } catch {
    return value.toLowerCase();
  }
}

/** `fd` followed by the 15 hash bytes: an address in fd00::/8 (RFC 4193 unique local), in canonical text. */
function ulaAddress(hash: Buffer): string {
  const bytes = Buffer.concat([Buffer.from([0xfd]), hash]);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

/**
 * Replaces, in place, every string field value (or array element) that equals a replaced
 * original, with the pseudonym that suits the field: an IP field gets the IP form, a keyword
 * field the original's own form, and a field that takes neither (a date, an enum) is left as
 * it is. `vigil.*` is Vigil's provenance and is not touched.
 */
function replaceCopies(node: Record<string, unknown>, prefix: string, replaced: Map<string, Pseudonym>): void {
  for (const key of Object.keys(node)) {
    if (isUnsafeKey(key) || (prefix === '' && key === 'vigil')) continue;
    const value = node[key];
    if (typeof value === 'string') {
      const pseudonym = replaced.get(value);
      if (pseudonym) node[key] = copyPseudonym(prefix + key, pseudonym, value);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const element: unknown = value[i];
        const pseudonym = typeof element === 'string' ? replaced.get(element) : undefined;
        if (pseudonym) value[i] = copyPseudonym(prefix + key, pseudonym, element as string);
      }
    } else if (value !== null && typeof value === 'object') {
      replaceCopies(value as Record<string, unknown>, `${prefix}${key}.`, replaced);
    }
  }
}

function copyPseudonym(path: string, pseudonym: Pseudonym, original: string): string {
  const kind = leafKind(path);
  if (kind === 'ip') return pseudonym.ip;
  if (kind === 'keyword') return pseudonym.text;
  return original;
}

/**
 * Replaces each occurrence of the originals in `text` that stands as a word of its own (not
 * `root` inside `chroot`, not `10.0.0.1` inside `10.0.0.12`), longest original first, in one
 * pass over the original text so a pseudonym is never rewritten.
 */
export function replaceWords(text: string, originals: readonly string[], replaced: ReadonlyMap<string, Pseudonym>): string {
  let hits: Array<{ start: number; end: number; with: string }> | undefined;
  for (const original of originals) {
    let from = 0;
    for (;;) {
      const start = text.indexOf(original, from);
      if (start === -1) break;
      const end = start + original.length;
      from = start + 1;
      if (!standsAlone(text, start, end)) continue;
      if (hits?.some((hit) => start < hit.end && end > hit.start)) continue;
      (hits ??= []).push({ start, end, with: replaced.get(original)!.text });
    }
  }
  if (!hits) return text;
  hits.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const hit of hits) {
    out += text.slice(at, hit.start) + hit.with;
    at = hit.end;
  }
  return out + text.slice(at);
}

/** A value's edge that is a word character must not continue into a word character around it. */
function standsAlone(text: string, start: number, end: number): boolean {
  if (start > 0 && isWordChar(text.charCodeAt(start)) && isWordChar(text.charCodeAt(start - 1))) return false;
  if (end < text.length && isWordChar(text.charCodeAt(end - 1)) && isWordChar(text.charCodeAt(end))) return false;
  return true;
}

function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code > 127;
}
