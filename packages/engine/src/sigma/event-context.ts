import { JsonFieldIndex, NotAnEventError } from './json-fields.ts';

export { NotAnEventError };

/**
 * Field access for compiled rules. Every field path a ruleset uses is interned once into a
 * slot; per event the context resolves each slot at most once and lowercases it at most once,
 * however many rules read it. One context is reused for every event (no per-event allocation
 * except the lowercased strings themselves). An event given as JSON text is read in place
 * (`JsonFieldIndex`) and parsed in full only when something needs the whole event.
 */

/** Interns dotted field paths (`source.ip`) to slot numbers while rules compile. */
export class FieldTable {
  readonly #slots = new Map<string, number>();
  readonly #paths: string[][] = [];

  /** The slot of `path`, allocating one the first time the path is seen. */
  slot(path: string): number {
    let slot = this.#slots.get(path);
    if (slot === undefined) {
      slot = this.#paths.length;
      this.#slots.set(path, slot);
      this.#paths.push(path.split('.'));
    }
    return slot;
  }

  /** The slot of `path` when the rules read it. */
  find(path: string): number | undefined {
    return this.#slots.get(path);
  }

  /** Number of distinct fields the rules read. */
  get size(): number {
    return this.#paths.length;
  }

  /** The split path of every slot, by slot number. */
  get paths(): readonly (readonly string[])[] {
    return this.#paths;
  }
}

/** A field value lowercased for case-insensitive matching: one string, or one entry per array element. */
export type LoweredValue = string | readonly (string | undefined)[] | undefined;

/** Reads a pre-split path from a nested event; own properties only. */
export function readPath(event: unknown, parts: readonly string[]): unknown {
  let current: unknown = event;
  for (const part of parts) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** The string form Sigma compares against: strings as they are, numbers and booleans printed, anything else none. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** The per-event field cache the compiled matchers read through. */
export class EventContext {
  readonly #paths: readonly (readonly string[])[];
  readonly #rawGen: number[];
  readonly #raw: unknown[];
  readonly #lowGen: number[];
  readonly #low: LoweredValue[];
  readonly #fields: JsonFieldIndex;
  /**
   * The slots read for the current event, cleared when the next one comes: a value read from an
   * event's text is a view of the whole text, and a slot few events have would otherwise keep an
   * old event's text alive until another event fills it (long enough to be promoted).
   */
  readonly #readSlots: Int32Array;
  #readCount = 0;
  #event: unknown = undefined;
  /** The current event's JSON text while it has not been parsed (undefined once it has, or for an object event). */
  #text: string | undefined = undefined;
  #gen = 0;
  #enrich: ((event: unknown) => unknown) | undefined = undefined;
  /** Per slot, 1 when enrichment sets the field (or a field under it): reading it enriches the event first. */
  #enrichedSlots: Uint8Array | undefined = undefined;
  #enrichedGen = 0;
  #findings: unknown = undefined;

  readonly #table: FieldTable;
  readonly #slotOf = new Map<readonly string[], number>();

  constructor(table: FieldTable) {
    this.#table = table;
    this.#paths = table.paths;
    const size = table.size;
    this.#rawGen = new Array<number>(size).fill(0);
    this.#raw = new Array<unknown>(size).fill(undefined);
    this.#lowGen = new Array<number>(size).fill(0);
    this.#low = new Array<LoweredValue>(size).fill(undefined);
    this.#readSlots = new Int32Array(size);
    this.#fields = new JsonFieldIndex(table.paths);
  }

  /**
   * Sets how events are enriched: `enrich` runs on the event (parsed in full) at most once per
   * event, when `enriched()` is asked for or before any of `slots` is read.
   */
  enrichWith(enrich: (event: unknown) => unknown, slots: readonly number[]): void {
    this.#enrich = enrich;
    this.#enrichedSlots = new Uint8Array(this.#paths.length);
    for (const slot of slots) this.#enrichedSlots[slot] = 1;
  }

  /** What enrichment found on the current event if it ran already (a rule read an enriched field); undefined otherwise. */
  enrichedSoFar(): unknown {
    return this.#enrich !== undefined && this.#enrichedGen === this.#gen ? this.#findings : undefined;
  }

  /** Enriches the current event (once) and returns what the enrichment found; undefined without enrichment. */
  enriched(): unknown {
    if (this.#enrich === undefined) return undefined;
    if (this.#enrichedGen !== this.#gen) {
      this.#findings = this.#enrich(this.event);
      this.#enrichedGen = this.#gen;
    }
    return this.#findings;
  }

  /** Points the context at the next event; cached fields of the previous one become stale. */
  reset(event: unknown): void {
    this.#forgetValues();
    this.#event = event;
    this.#text = undefined;
    this.#gen++;
  }

  /**
   * Points the context at the next event, given as its JSON text. Throws NotAnEventError when
   * the text is not a JSON object.
   */
  resetText(text: string): void {
    this.#forgetValues();
    this.#gen++;
    if (this.#fields.scan(text)) {
      this.#text = text;
      this.#event = undefined;
      return;
    }
    // Not the shape the scanner follows (or not JSON at all): JSON.parse decides.
    this.#text = undefined;
    this.#event = parseEvent(text);
  }

  #forgetValues(): void {
    for (let i = 0; i < this.#readCount; i++) {
      const slot = this.#readSlots[i]!;
      this.#raw[slot] = undefined;
      this.#low[slot] = undefined;
    }
    this.#readCount = 0;
  }

  /** The current event's JSON text while it is not parsed (undefined once it is, or for an event given as an object). */
  get text(): string | undefined {
    return this.#text;
  }

  /** The event being matched; parsed from its text the first time it is asked for (throws NotAnEventError when that fails). */
  get event(): unknown {
    if (this.#text !== undefined) {
      this.#event = parseEvent(this.#text);
      this.#text = undefined;
    }
    return this.#event;
  }

  /** The raw value of a field (undefined when absent). */
  raw(slot: number): unknown {
    if (this.#rawGen[slot] !== this.#gen) {
      if (this.#enrichedSlots?.[slot] === 1) this.enriched();
      this.#raw[slot] = this.#text !== undefined ? this.#fields.value(slot) : readPath(this.#event, this.#paths[slot]!);
      this.#rawGen[slot] = this.#gen;
      this.#readSlots[this.#readCount++] = slot;
    }
    return this.#raw[slot];
  }

  /** Any field of the current event by its split path: through its slot when the rules read it, else from the parsed event. */
  read(path: readonly string[]): unknown {
    const slot = this.#slotFor(path);
    return slot < 0 ? readPath(this.event, path) : this.raw(slot);
  }

  /**
   * A field of the current event as JSON text, by its split path and its slot (-1 when the rules
   * do not read it): from the event's text when it has a slot and the event is unparsed, else encoded.
   */
  json(path: readonly string[], slot: number): string | undefined {
    // While the text is not parsed the event is not enriched either: its fields stand as they are in the text.
    if (slot >= 0 && this.#text !== undefined) return this.#fields.json(slot);
    const value = readPath(this.event, path);
    return value === undefined ? undefined : JSON.stringify(value);
  }

  /** The slot of a split path, or -1 when the rules do not read it. Callers pass the same precomputed path arrays event after event: each is looked up once. */
  #slotFor(path: readonly string[]): number {
    let slot = this.#slotOf.get(path);
    if (slot === undefined) {
      slot = this.#table.find(path.join('.')) ?? -1;
      this.#slotOf.set(path, slot);
    }
    return slot;
  }

  /** The field lowercased once per event: a string, an array of strings, or undefined. */
  lower(slot: number): LoweredValue {
    if (this.#lowGen[slot] !== this.#gen) {
      this.#low[slot] = lowered(this.raw(slot));
      this.#lowGen[slot] = this.#gen;
    }
    return this.#low[slot];
  }
}

function parseEvent(text: string): object {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    throw new NotAnEventError(`not JSON: ${(error as Error).message}`);
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) throw new NotAnEventError('not a JSON object');
  return event;
}

function lowered(value: unknown): LoweredValue {
  if (Array.isArray(value)) return loweredList(value);
  return scalarText(value)?.toLowerCase();
}

/** A list's elements lowercased: the list itself when they all are lowercase strings already (`event.category: ["process"]`). */
function loweredList(list: readonly unknown[]): LoweredValue {
  for (let i = 0; i < list.length; i++) {
    const element = list[i];
    if (typeof element === 'string' && element.toLowerCase() === element) continue;
    return list.map((item) => scalarText(item)?.toLowerCase());
  }
  return list as readonly string[];
}
