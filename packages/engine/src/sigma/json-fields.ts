import { ownedText } from './string-ownership.ts';

/**
 * Reads the fields the rules need straight from an event's JSON text, without building the
 * event. `JSON.parse` of a ~1 KB event builds some 17 objects and 56 properties (5.3 µs on the
 * benchmark machine) that most events never need: they match no rule. One pass over the text
 * records where each wanted field's value sits (2.2 µs), jumping over strings with `indexOf` and
 * over fields no rule reads; a value is decoded only when a rule asks for it. A field path goes
 * through objects only, as `readPath` does: a path that meets an array (or a scalar) is absent.
 */

/** An event's text is not a JSON object. */
export class NotAnEventError extends Error {}

interface KeyNode {
  readonly key: string;
  /** The field slot this key path is, or -1 when it only leads to wanted fields. */
  slot: number;
  /** Children by key length, for comparing the text against the few keys of that length. */
  readonly children: (KeyNode[] | undefined)[];
  /** Every slot at or below this node, to clear when the key appears again (the last one wins, as in JSON.parse). */
  readonly slots: number[];
  /** The scan in which the key was last met. */
  seen: number;
  /** Children by the first character of their key (ASCII), to be recognised without finding where the key ends first. */
  readonly byFirstChar: (KeyNode[] | undefined)[];
  /** The key as the text writes it with its colon: `"key":`. */
  readonly token: string;
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const COLON = 58;

/** Where the wanted fields of one JSON object text are, after `scan`. */
export class JsonFieldIndex {
  readonly #root: KeyNode = node('');
  readonly #starts: Int32Array;
  readonly #ends: Int32Array;
  #text = '';
  #scan = 0;
  /** Where the text's next backslash after the last key checked is (its length when none; -1 before the first check). */
  #nextBackslash = -1;

  /** `paths`: the split field path of each slot. */
  constructor(paths: readonly (readonly string[])[]) {
    this.#starts = new Int32Array(paths.length).fill(-1);
    this.#ends = new Int32Array(paths.length);
    paths.forEach((parts, slot) => {
      let current = this.#root;
      current.slots.push(slot);
      for (const part of parts) {
        const bucket = (current.children[part.length] ??= []);
        let child = bucket.find((candidate) => candidate.key === part);
        if (!child) {
          bucket.push((child = node(part)));
          if (part.charCodeAt(0) < 128) (current.byFirstChar[part.charCodeAt(0)] ??= []).push(child);
        }
        child.slots.push(slot);
        current = child;
      }
      current.slot = slot;
    });
  }

  /**
   * Finds the wanted fields of `text`. False when the text is not a JSON object the scanner can
   * follow (the caller then parses it in full, which also tells it whether it is JSON at all).
   * The scan checks the structure it walks, not everything JSON forbids: text that scans may
   * still fail `JSON.parse`.
   */
  scan(text: string): boolean {
    this.#text = text;
    this.#scan++;
    this.#nextBackslash = -1;
    this.#starts.fill(-1);
    const start = skipSpace(text, 0);
    if (text.charCodeAt(start) !== OPEN_BRACE) return false;
    const end = this.#object(start, this.#root);
    return end >= 0 && skipSpace(text, end) === text.length;
  }

  /**
   * The value of a slot's field in the last text scanned, decoded as JSON.parse would; undefined
   * when absent. Throws NotAnEventError when the value turns out not to be valid JSON.
   */
  value(slot: number): unknown {
    try {
      return this.#decode(slot);
    } catch (error) {
      throw new NotAnEventError(`not JSON: ${(error as Error).message}`);
    }
  }

  /** The JSON text of a slot's field in the last text scanned, as it stands there; undefined when absent. */
  json(slot: number): string | undefined {
    const start = this.#starts[slot]!;
    return start < 0 ? undefined : this.#text.slice(start, this.#ends[slot]);
  }

  #decode(slot: number): unknown {
    const start = this.#starts[slot]!;
    if (start < 0) return undefined;
    const text = this.#text;
    const end = this.#ends[slot]!;
    switch (text.charCodeAt(start)) {
      case QUOTE: {
        const inner = text.slice(start + 1, end - 1);
        return inner.includes('\\') ? JSON.parse(text.slice(start, end)) : inner;
      }
      case 116: // t
        return true;
      case 102: // f
        return false;
      case 110: // n
        return null;
      case OPEN_BRACKET:
        return end - start <= MAX_SHARED_LIST_CHARS ? sharedList(text.slice(start, end)) : JSON.parse(text.slice(start, end));
      case OPEN_BRACE:
        return JSON.parse(text.slice(start, end));
      default: {
        const number = Number(text.slice(start, end));
        if (Number.isNaN(number)) throw new SyntaxError(`'${text.slice(start, end)}' is not a JSON value`);
        return number;
      }
    }
  }

  /** Walks an object from its `{`; returns the index after its `}`, or -1. */
  #object(open: number, parent: KeyNode): number {
    const text = this.#text;
    // JSON.stringify writes no whitespace: each skipSpace below is only called when there is some.
    let at = text.charCodeAt(open + 1) === QUOTE ? open + 1 : skipSpace(text, open + 1);
    if (text.charCodeAt(at) === CLOSE_BRACE) return at + 1;
    for (;;) {
      if (text.charCodeAt(at) !== QUOTE) return -1;
      // A wanted key as JSON.stringify writes it (`"key":`) is recognised in one comparison;
      // any other key is found to its end and looked up (or skipped).
      let child = wantedKeyAt(text, at, parent);
      let value: number;
      if (child !== undefined) {
        value = at + child.token.length;
      } else {
        const keyEnd = stringEnd(text, at);
        if (keyEnd < 0) return -1;
        child = this.#child(parent, at, keyEnd);
        const colon = text.charCodeAt(keyEnd) === COLON ? keyEnd : skipSpace(text, keyEnd);
        if (text.charCodeAt(colon) !== COLON) return -1;
        value = colon + 1;
      }
      if (isSpace(text.charCodeAt(value))) value = skipSpace(text, value);
      let end: number;
      if (child === undefined) {
        end = valueEnd(text, value);
      } else {
        if (child.seen === this.#scan) for (const slot of child.slots) this.#starts[slot] = -1;
        child.seen = this.#scan;
        end = child.children.length > 0 && text.charCodeAt(value) === OPEN_BRACE ? this.#object(value, child) : valueEnd(text, value);
        if (child.slot >= 0 && end >= 0) {
          this.#starts[child.slot] = value;
          this.#ends[child.slot] = end;
        }
      }
      if (end < 0) return -1;
      at = isSpace(text.charCodeAt(end)) ? skipSpace(text, end) : end;
      const next = text.charCodeAt(at);
      if (next === CLOSE_BRACE) return at + 1;
      if (next !== COMMA) return -1;
      at = isSpace(text.charCodeAt(at + 1)) ? skipSpace(text, at + 1) : at + 1;
    }
  }

  /** The wanted child whose key is the string at `[quote, end)`, if any. */
  #child(parent: KeyNode, quote: number, end: number): KeyNode | undefined {
    const text = this.#text;
    const length = end - quote - 2;
    const bucket = parent.children[length];
    if (bucket !== undefined) {
      for (const child of bucket) if (text.startsWith(child.key, quote + 1)) return child;
    }
    // A key written with escapes (`"\u0075ser"`) is the same key once decoded.
    if (this.#hasBackslash(quote + 1, end - 1)) {
      const key = JSON.parse(text.slice(quote, end)) as string;
      return parent.children[key.length]?.find((child) => child.key === key);
    }
    return undefined;
  }

  /**
   * Whether `[from, to)` of the text holds a backslash. Keys are checked left to right, so the
   * next backslash is searched for once and reused until the scan passes it: most events have
   * none after their message, and a key is not read twice.
   */
  #hasBackslash(from: number, to: number): boolean {
    if (this.#nextBackslash < from) {
      const found = this.#text.indexOf('\\', from);
      this.#nextBackslash = found < 0 ? this.#text.length : found;
    }
    return this.#nextBackslash < to;
  }
}

/** Lists of scalars short enough to be shared: `event.category`, `event.type` and the like, a handful of distinct values. */
const MAX_SHARED_LIST_CHARS = 64;
const MAX_SHARED_LISTS = 1_024;
const sharedLists = new Map<string, readonly unknown[]>();

/**
 * A short JSON list of scalars, parsed once and handed out frozen to every event that has the
 * same text (rules only read values). A list holding objects or lists is parsed each time.
 */
function sharedList(json: string): unknown {
  const known = sharedLists.get(json);
  if (known !== undefined) return known;
  const list = JSON.parse(json) as unknown[];
  if (!Array.isArray(list) || list.some((item) => item !== null && typeof item === 'object')) return list;
  if (sharedLists.size >= MAX_SHARED_LISTS) sharedLists.clear();
  // Kept as a key: a copy of its own, not a view that would keep the whole event's text.
  sharedLists.set(ownedText(json), Object.freeze(list));
  return list;
}

function node(key: string): KeyNode {
  return { key, slot: -1, children: [], slots: [], seen: 0, byFirstChar: [], token: `${JSON.stringify(key)}:` };
}

/** The wanted child of `parent` whose `"key":` the text has at `quote`, if any. */
function wantedKeyAt(text: string, quote: number, parent: KeyNode): KeyNode | undefined {
  const candidates = parent.byFirstChar[text.charCodeAt(quote + 1)];
  if (candidates === undefined) return undefined;
  for (const candidate of candidates) if (text.startsWith(candidate.token, quote)) return candidate;
  return undefined;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function skipSpace(text: string, at: number): number {
  for (;;) {
    const c = text.charCodeAt(at);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return at;
    at++;
  }
}

/** The index after the closing quote of the string opening at `quote`, or -1. */
function stringEnd(text: string, quote: number): number {
  let from = quote + 1;
  for (;;) {
    const close = text.indexOf('"', from);
    if (close < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
    if ((backslashes & 1) === 0) return close + 1;
    from = close + 1;
  }
}

/** The index after the value starting at `at` (a string, object, array, number or literal), or -1. */
function valueEnd(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return stringEnd(text, at);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    let i = at;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        i = stringEnd(text, i);
        if (i < 0) return -1;
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  let i = at;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === 32 || c === 10 || c === 13 || c === 9) break;
    i++;
  }
  return i > at ? i : -1;
}
