/**
 * The field index: each event's field values as tokens in the `terms` column of `events_fts`,
 * so that `field:value` is an index lookup instead of reading every event's JSON in the range.
 *
 * A token stands for one field and one value, exactly as the JSON match compares them
 * (`sql-where.ts`): the value of a dotted path of object keys, or each element when it is an
 * array; text lower-cased as SQLite's lower() does (ASCII letters only), numbers as SQLite
 * writes them, `true`/`false` for booleans; nulls, objects and arrays inside arrays have none.
 * A token is only used when it answers a term exactly (see `termToken`); everything else still
 * reads the JSON.
 */

/** Longer text values are not indexed (a term that long reads the JSON instead). */
export const MAX_TERM_CHARS = 256;
/** Every event has this token: FTS5's NOT only subtracts, so `NOT x` is `all NOT x`. Never a field token (those hold `zz`). */
export const ALL_TOKEN = 'all';
/** Keys a token is made for; a field with other characters in a key reads the JSON. */
const FIELD_KEY = /^[A-Za-z0-9_@-]+$/;
/** Fields whose terms never reach the JSON match: the full-text fields and `@timestamp` (its column). */
const NOT_INDEXED: ReadonlySet<string> = new Set(['message', 'event.original', '@timestamp']);
/** Values the JSON match lower-cases with SQLite's lower(): ASCII (see `fold` in `sql-where.ts`). */
const ASCII_VALUE = /^[ -~\t\n\r]*$/;
const UPPER = /[A-Z]/;
const UPPER_RUN = /[A-Z]+/g;
const MAX_CACHED_KEYS = 10_000;
/** Each ASCII character as it is written in a token. */
const ASCII_ESCAPES = Array.from({ length: 128 }, (_, code) => (isPlain(code) ? String.fromCharCode(code) : `z${code.toString(16).padStart(2, '0')}`));

function isPlain(code: number): boolean {
  return (code >= 0x61 && code <= 0x79) || (code >= 0x30 && code <= 0x39);
}

/**
 * Tokens are `<field>zz<value>`, each written with the letters a-y and digits as they are and
 * every other character as `z` and the hex of its UTF-8 bytes (`.` is `z2e`, `z` is `z7a`): the
 * FTS5 tokenizer keeps such a string whole and unchanged, and no two field-value pairs share one.
 */
function escape(text: string): string {
  let escaped = '';
  let plainFrom = 0;
  // A loop over char codes: this runs for every value of every stored event.
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (isPlain(code)) continue;
    escaped += text.slice(plainFrom, index);
    if (code < 128) {
      escaped += ASCII_ESCAPES[code];
    } else {
      const character = String.fromCodePoint(text.codePointAt(index)!);
      for (const byte of Buffer.from(character, 'utf8')) escaped += `z${byte.toString(16).padStart(2, '0')}`;
      index += character.length - 1;
    }
    plainFrom = index + 1;
  }
  return plainFrom === 0 ? text : escaped + text.slice(plainFrom);
}

function asciiLower(text: string): string {
  return UPPER.test(text) ? text.replace(UPPER_RUN, (run) => run.toLowerCase()) : text;
}

/**
 * The token that finds `field:value` (a term query) exactly, or null when the index cannot
 * answer it: the field is not indexed or has a key with other characters, the value is not
 * ASCII (the JSON match folds it in JavaScript), or it is longer than `MAX_TERM_CHARS`.
 */
export function termToken(field: string, value: string): string | null {
  if (NOT_INDEXED.has(field) || !field.split('.').every((key) => FIELD_KEY.test(key))) return null;
  if (!ASCII_VALUE.test(value) || value.length > MAX_TERM_CHARS) return null;
  return `${escape(field)}zz${escape(asciiLower(value))}`;
}

/** The fields of `NOT_INDEXED` as tokens write them. */
const SKIPPED: ReadonlySet<string> = new Set([...NOT_INDEXED].map(escape));

/**
 * Writes the `terms` column of events. Numbers other than safe integers (fractions, huge or
 * tiny values) are written as SQLite writes them, which is not always as JavaScript does
 * (`1.0e-07`), so `numberText` asks SQLite.
 */
export class TermIndexer {
  readonly #numberText: (json: string) => string | null;
  /** Object keys as tokens write them; null for a key no token is made for. */
  readonly #keys = new Map<string, string | null>();
  #tokens = '';

  constructor(numberText: (json: string) => string | null) {
    this.#numberText = numberText;
  }

  /** The event's tokens, space-separated, starting with `ALL_TOKEN`. */
  terms(event: object): string {
    this.#tokens = ALL_TOKEN;
    this.#object(event as Record<string, unknown>, '');
    const tokens = this.#tokens;
    this.#tokens = '';
    return tokens;
  }

  // Follows JSON.stringify, which made the stored document: own keys only, toJSON() applied.
  // `path` is the field so far as tokens write it, so a field is escaped key by key, once per key.
  #object(object: Record<string, unknown>, path: string): void {
    for (const key of Object.keys(object)) {
      const written = this.#key(key);
      if (written === null) continue;
      const field = path === '' ? written : `${path}z2e${written}`;
      const value = jsonValue(object[key], key);
      if (Array.isArray(value)) {
        if (!SKIPPED.has(field)) for (let index = 0; index < value.length; index++) this.#value(field, jsonValue(value[index], index));
      } else if (value !== null && typeof value === 'object') {
        this.#object(value as Record<string, unknown>, field);
      } else if (!SKIPPED.has(field)) {
        this.#value(field, value);
      }
    }
  }

  #value(field: string, value: unknown): void {
    let text: string | null;
    if (typeof value === 'string') text = value.length <= MAX_TERM_CHARS && value.isWellFormed() ? asciiLower(value) : null;
    else if (typeof value === 'boolean') text = value ? 'true' : 'false';
    else if (typeof value === 'number') text = Number.isSafeInteger(value) ? String(value) : this.#numberText(JSON.stringify(value));
    else text = null;
    if (text !== null) this.#tokens += ` ${field}zz${escape(text)}`;
  }

  #key(key: string): string | null {
    let written = this.#keys.get(key);
    if (written === undefined) {
      // Keys come from the events; dropping them all when full is simpler than LRU and rare.
      if (this.#keys.size >= MAX_CACHED_KEYS) this.#keys.clear();
      written = FIELD_KEY.test(key) ? escape(key) : null;
      this.#keys.set(key, written);
    }
    return written;
  }
}

function jsonValue(value: unknown, key: string | number): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(key: string): unknown }).toJSON(String(key));
  }
  return value;
}
