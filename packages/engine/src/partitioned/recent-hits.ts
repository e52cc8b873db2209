/**
 * The hits a partition applied lately, so that the same hit applied again is recognised: a
 * batch of events matched twice (stage one redelivered it after a crash, before its offsets
 * were committed) or a correlation firing sent twice (stage two replayed onto an older
 * checkpoint). A hit is its first event's id, its rule and its destination (its alert, or a
 * correlation's input position); hits of events without an id are not remembered. Rule ids are
 * hashed once per rule.
 *
 * Each hit is kept as a 53-bit hash, split into a 31-bit key and a 22-bit check. Hits are
 * remembered in two generations of `capacity / 2`: when the newer one is full, the older one is
 * emptied and becomes the newer. So at least the last `capacity / 2` hits and at most
 * `capacity` are known, without removing hits one by one. A generation is an open-addressing
 * table in a typed array (`HitGeneration`): remembering a hit allocates nothing on the heap the
 * garbage collector walks.
 */
export class RecentHits {
  readonly #generationSize: number;
  #newer: HitGeneration;
  #older: HitGeneration;

  constructor(capacity = 200_000) {
    this.#generationSize = Math.max(1, Math.floor(capacity / 2));
    this.#newer = new HitGeneration(this.#generationSize);
    this.#older = new HitGeneration(this.#generationSize);
  }

  /**
   * Records the hit of `rule` on its alert (`correlation` undefined) or on input `position` of
   * `correlation`; false when it was applied already.
   */
  first(eventId: string | undefined, rule: { readonly id: string }, correlation?: { readonly id: string }, position = -1): boolean {
    if (eventId === undefined || eventId === '') return true;
    const ruleHash = idHash(rule);
    const correlationHash = correlation === undefined ? ALERT_HASH : idHash(correlation);
    let a = mix(mix(lane(SEED_A, eventId, MULTIPLIER_A), ruleHash[0], MULTIPLIER_A), correlationHash[0] ^ position, MULTIPLIER_A);
    let b = mix(mix(lane(SEED_B, eventId, MULTIPLIER_B), ruleHash[1], MULTIPLIER_B), correlationHash[1] ^ position, MULTIPLIER_B);
    // Each lane avalanched and folded into the other, so that no bit of the hash depends on one lane alone.
    a = Math.imul(a ^ (a >>> 16), FINAL_1);
    a ^= Math.imul(b ^ (b >>> 13), FINAL_2);
    b = Math.imul(b ^ (b >>> 16), FINAL_1);
    b ^= Math.imul(a ^ (a >>> 13), FINAL_2);
    const key = a >>> 1;
    const check = ((a & 1) << 21) | ((b >>> 11) & 0x1fffff);
    if (this.#newer.has(key, check) || this.#older.has(key, check)) return false;
    if (this.#newer.size >= this.#generationSize) {
      const emptied = this.#older;
      emptied.clear();
      this.#older = this.#newer;
      this.#newer = emptied;
    }
    this.#newer.add(key, check);
    return true;
  }
}

/**
 * One generation of hits: (key, check + 1) pairs in one Int32Array, found by linear probing from
 * the key's place (0 marks an empty slot). It grows as it fills, up to room for `maxSize` pairs
 * at most 70% full, and keeps its room when cleared.
 */
class HitGeneration {
  readonly #maxSlots: number;
  #pairs: Int32Array;
  #slots: number;
  size = 0;

  constructor(maxSize: number) {
    this.#maxSlots = Math.ceil(maxSize / MAX_LOAD) + 1;
    this.#slots = Math.min(INITIAL_SLOTS, this.#maxSlots);
    this.#pairs = new Int32Array(this.#slots * 2);
  }

  has(key: number, check: number): boolean {
    const pairs = this.#pairs;
    const stored = check + 1;
    for (let slot = this.#home(key); ; slot = slot + 1 === this.#slots ? 0 : slot + 1) {
      const at = slot * 2;
      if (pairs[at + 1] === 0) return false;
      if (pairs[at] === key && pairs[at + 1] === stored) return true;
    }
  }

  add(key: number, check: number): void {
    if (this.size + 1 > this.#slots * MAX_LOAD && this.#slots < this.#maxSlots) this.#grow();
    this.#place(key, check + 1);
    this.size++;
  }

  clear(): void {
    this.#pairs.fill(0);
    this.size = 0;
  }

  /** The slot a key's probe starts at: its place scaled onto the table (the key is a 31-bit hash). */
  #home(key: number): number {
    return Math.floor((key / 0x80000000) * this.#slots);
  }

  #place(key: number, stored: number): void {
    const pairs = this.#pairs;
    let slot = this.#home(key);
    while (pairs[slot * 2 + 1] !== 0) slot = slot + 1 === this.#slots ? 0 : slot + 1;
    pairs[slot * 2] = key;
    pairs[slot * 2 + 1] = stored;
  }

  #grow(): void {
    const old = this.#pairs;
    this.#slots = Math.min(this.#slots * 2, this.#maxSlots);
    this.#pairs = new Int32Array(this.#slots * 2);
    for (let at = 0; at < old.length; at += 2) if (old[at + 1] !== 0) this.#place(old[at]!, old[at + 1]!);
  }
}

/** How full a generation's table may get before it grows (probes stay short). */
const MAX_LOAD = 0.7;
const INITIAL_SLOTS = 1024;

/*
 * The hash: two 32-bit multiplicative lanes over the characters with dense odd multipliers and
 * different seeds, then a final avalanche that folds each lane into the other (the scheme of
 * cyrb53). Two FNV-1a lanes, whose primes are sparse and alike, were used first: on event ids
 * that differ in their last characters they collided in both lanes together, about once in
 * 400,000 hits, and a hit taken for one applied already is lost.
 */
const SEED_A = 0xdeadbeef;
const SEED_B = 0x41c6ce57;
const MULTIPLIER_A = 0x9e3779b1;
const MULTIPLIER_B = 0x5f356495;
const FINAL_1 = 0x85ebca6b;
const FINAL_2 = 0xc2b2ae35;

/** The two lanes of a rule's id, worked out once per rule object (rules live as long as their ruleset). */
const idHashes = new WeakMap<object, readonly [number, number]>();
const ALERT_HASH = [lane(SEED_A, 'alert', MULTIPLIER_A), lane(SEED_B, 'alert', MULTIPLIER_B)] as const;

function idHash(rule: { readonly id: string }): readonly [number, number] {
  let hash = idHashes.get(rule);
  if (hash === undefined) idHashes.set(rule, (hash = [lane(SEED_A, rule.id, MULTIPLIER_A), lane(SEED_B, rule.id, MULTIPLIER_B)]));
  return hash;
}

/** One lane over `text` and a separator after it, from `hash`. */
function lane(hash: number, text: string, multiplier: number): number {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), multiplier);
  return Math.imul(hash, multiplier);
}

/** `hash` with a 32-bit `value` folded in. */
function mix(hash: number, value: number, multiplier: number): number {
  return Math.imul(hash ^ value, multiplier);
}
