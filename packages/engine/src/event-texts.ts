/**
 * A verified batch's events as JSON texts, each decoded from its bytes only when detection
 * reaches it. Decoding them all up front keeps the batch's texts (about a megabyte for 2,000
 * events) alive for as long as the batch takes, so the young generation's collections copy
 * them, and promote them to the old generation; decoded one at a time, each text dies with
 * its event.
 */
export function eventTexts(events: readonly Uint8Array[]): Iterable<string> {
  const decoder = new TextDecoder();
  return {
    [Symbol.iterator]: () => {
      let next = 0;
      return {
        next: (): IteratorResult<string, undefined> => (next < events.length ? { done: false, value: decoder.decode(events[next++]) } : { done: true, value: undefined }),
      };
    },
  };
}
