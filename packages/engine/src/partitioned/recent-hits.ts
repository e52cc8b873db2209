/**
 * The hits a partition applied lately, so that the same hit applied again is recognised: a
 * batch of events matched twice (stage one redelivered it after a crash, before its offsets
 * were committed) or a correlation firing sent twice (stage two replayed onto an older
 * checkpoint). A hit is its first event's id, its rule and its destination (its alert, or a
 * correlation's input position); hits of events without an id are not remembered. Rule ids are
 * hashed once per rule.
 *
 * Each hit is kept as a 53-bit hash, split into a 31-bit key and a 22-bit check so that both
 * are small integers (a map of them allocates nothing per hit). Hits are remembered in two
 * generations of `capacity / 2`: when the newer one is full, the older one is dropped whole. So
 * at least the last `capacity / 2` hits and at most `capacity` are known, without removing hits
 * one by one.
 */
export class RecentHits {
  readonly #generationSize: number;
  #newer = new Map<number, number>();
  #older = new Map<number, number>();

  constructor(capacity = 200_000) {
    this.#generationSize = Math.max(1, Math.floor(capacity / 2));
  }

  /**
   * Records the hit of `rule` on its alert (`correlation` undefined) or on input `position` of
   * `correlation`; false when it was applied already.
   */
  first(eventId: string | undefined, rule: { readonly id: string }, correlation?: { readonly id: string }, position = -1): boolean {
    if (eventId === undefined || eventId === '') return true;
    const ruleHash = idHash(rule);
    const correlationHash = correlation === undefined ? ALERT_HASH : idHash(correlation);
    const a = mix(mix(fnv(FNV_A, eventId, PRIME_A), ruleHash[0], PRIME_A), correlationHash[0] ^ position, PRIME_A);
    const b = mix(mix(fnv(FNV_B, eventId, PRIME_B), ruleHash[1], PRIME_B), correlationHash[1] ^ position, PRIME_B);
    const key = a >>> 1;
    const check = ((a & 1) << 21) | ((b >>> 11) & 0x1fffff);
    if (this.#newer.get(key) === check || this.#older.get(key) === check) return false;
    if (this.#newer.size >= this.#generationSize) {
      this.#older = this.#newer;
      this.#newer = new Map();
    }
    this.#newer.set(key, check);
    return true;
  }
}

const FNV_A = 0x811c9dc5;
const FNV_B = 0x01000193 ^ 0x5bd1e995;
const PRIME_A = 0x01000193;
const PRIME_B = 0x0100019d;

/** Two FNV-1a hashes of a rule's id, worked out once per rule object (rules live as long as their ruleset). */
const idHashes = new WeakMap<object, readonly [number, number]>();
const ALERT_HASH = [fnv(FNV_A, 'alert', PRIME_A), fnv(FNV_B, 'alert', PRIME_B)] as const;

function idHash(rule: { readonly id: string }): readonly [number, number] {
  let hash = idHashes.get(rule);
  if (hash === undefined) idHashes.set(rule, (hash = [fnv(FNV_A, rule.id, PRIME_A), fnv(FNV_B, rule.id, PRIME_B)]));
  return hash;
}

/** FNV-1a over `text` and a separator after it, from `hash`, with `prime`. */
function fnv(hash: number, text: string, prime: number): number {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), prime);
  return Math.imul(hash, prime);
}

/** `hash` with a 32-bit `value` folded in. */
function mix(hash: number, value: number, prime: number): number {
  return Math.imul(hash ^ value, prime);
}
