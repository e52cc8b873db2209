import type { PairSink } from './cef-extension.ts';

function isKvKeyChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f /* _ */ || c === 0x2e /* . */ || c === 0x2d /* - */;
}

/**
 * Scans space-separated `key=value` pairs (FortiGate, Palo Alto, Juniper, generic appliances):
 * values are bare words or `"quoted, with spaces and \"escapes\""`; `key=` is an empty value.
 * Words that are not pairs are skipped. A quote that never closes is read as a bare word, so
 * the pairs after it are not swallowed. Values are found with `indexOf`. Returns the number of pairs.
 */
export function scanKv(text: string, sink: PairSink): number {
  const length = text.length;
  let pairs = 0;
  let pos = 0;
  while (pos < length) {
    if (text.charCodeAt(pos) === 0x20) {
      pos++;
      continue;
    }
    let end = pos;
    while (end < length && isKvKeyChar(text.charCodeAt(end))) end++;
    if (end === pos || text.charCodeAt(end) !== 0x3d /* = */) {
      const space = text.indexOf(' ', end);
      pos = space < 0 ? length : space;
      continue;
    }
    const key = text.slice(pos, end);
    const valueStart = end + 1;
    let value: string | undefined;
    if (text.charCodeAt(valueStart) === 0x22 /* " */) {
      const close = closingQuote(text, valueStart + 1);
      if (close >= 0) {
        const raw = text.slice(valueStart + 1, close);
        value = raw.includes('\\') ? unescapeKv(raw) : raw;
        pos = close + 1;
      }
    }
    if (value === undefined) {
      const space = text.indexOf(' ', valueStart);
      pos = space < 0 ? length : space;
      value = text.slice(valueStart, pos);
    }
    sink(key, value);
    pairs++;
  }
  return pairs;
}

/** The index of the `"` closing a quoted value that starts at `from`, skipping `\"`; -1 if none. */
function closingQuote(text: string, from: number): number {
  let quote = text.indexOf('"', from);
  while (quote >= 0) {
    let backslashes = 0;
    while (quote - backslashes - 1 >= from && text.charCodeAt(quote - backslashes - 1) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
  return -1;
}

function unescapeKv(raw: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < raw.length - 1; i++) {
    if (raw.charCodeAt(i) !== 0x5c) continue;
    const next = raw.charCodeAt(i + 1);
    if (next !== 0x22 && next !== 0x5c) continue;
    out += raw.slice(start, i);
    start = i + 1;
    i++;
  }
  return out + raw.slice(start);
}
