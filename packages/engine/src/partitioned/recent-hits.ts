/**
 * The hits a partition applied lately, so that the same hit applied again is recognised: a
 * batch of events matched twice (stage one redelivered it after a crash, before its offsets
 * were committed) or a correlation firing sent twice (stage two replayed onto an older
 * checkpoint). A hit is its first event's id, its rule and its destination; hits of events
 * without an id are not remembered. The last `capacity` hits are kept, as 53-bit hashes.
 */
export class RecentHits {
  readonly #capacity: number;
  readonly #seen = new Set<number>();

  constructor(capacity = 200_000) {
    this.#capacity = capacity;
  }

  /** Records the hit; false when it was applied already. */
  first(eventId: string | undefined, rule: string, destination: string): boolean {
    if (eventId === undefined || eventId === '') return true;
    const key = hash53(`${eventId}\u0000${rule}\u0000${destination}`);
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    // A Set iterates in insertion order: the oldest goes first.
    if (this.#seen.size > this.#capacity) this.#seen.delete(this.#seen.values().next().value!);
    return true;
  }
}

/** Two 32-bit FNV-1a hashes of the text (different offsets), combined into 53 bits. */
function hash53(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x0100019d);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}
