/** Receives one `key=value` pair of a record, the value already unescaped. */
export type PairSink = (key: string, value: string) => void;

/** Characters of a CEF extension key (`src`, `cs1Label`, `ad.Rule_Name`). */
export function isKeyChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f /* _ */ || c === 0x2e /* . */;
}

/**
 * Scans a CEF extension (`src=10.0.0.1 msg=two words act=blocked`): a value runs to the next
 * ` key=` whose `=` is not escaped, so values may hold spaces and unescaped `=` inside words
 * (`request=http://x/?a=b`). It jumps from `=` to `=` with `indexOf` and looks back only over
 * key characters before each one, so every character is visited a bounded number of times.
 */
export function scanCefExtension(text: string, start: number, sink: PairSink): void {
  const length = text.length;
  let pos = start;
  let equals = -1;
  // The first key: a word of key characters directly followed by `=`; other words are skipped.
  while (pos < length) {
    while (pos < length && text.charCodeAt(pos) === 0x20) pos++;
    let end = pos;
    while (end < length && isKeyChar(text.charCodeAt(end))) end++;
    if (end > pos && text.charCodeAt(end) === 0x3d /* = */) {
      equals = end;
      break;
    }
    while (end < length && text.charCodeAt(end) !== 0x20) end++;
    pos = end;
  }
  if (equals < 0) return;
  while (true) {
    const key = text.slice(pos, equals);
    const valueStart = equals + 1;
    let next = -1;
    let nextEquals = text.indexOf('=', valueStart);
    while (nextEquals >= 0) {
      next = keyBefore(text, nextEquals, valueStart);
      if (next >= 0) break;
      nextEquals = text.indexOf('=', nextEquals + 1);
    }
    let valueEnd = next < 0 ? length : next - 1;
    while (valueEnd > valueStart && text.charCodeAt(valueEnd - 1) === 0x20) valueEnd--;
    const raw = text.slice(valueStart, valueEnd);
    sink(key, raw.includes('\\') ? unescapeCefValue(raw) : raw);
    if (next < 0) return;
    pos = next;
    equals = nextEquals;
  }
}

/**
 * Where the key ending at the `=` at `equals` starts, when it is a whole word after a space at
 * or after `floor`; -1 otherwise. An escaped `\=` is preceded by a backslash, which is not a key
 * character, so it never ends a key.
 */
function keyBefore(text: string, equals: number, floor: number): number {
  let i = equals - 1;
  while (i >= floor && isKeyChar(text.charCodeAt(i))) i--;
  if (i === equals - 1 || i < floor) return -1;
  return text.charCodeAt(i) === 0x20 ? i + 1 : -1;
}

/** CEF extension escapes: `\=`, `\\`, `\|`, `\n`, `\r`. A backslash before anything else is kept as written. */
export function unescapeCefValue(raw: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < raw.length - 1; i++) {
    if (raw.charCodeAt(i) !== 0x5c) continue;
    const next = raw.charCodeAt(i + 1);
    let replacement: string;
    if (next === 0x3d || next === 0x5c || next === 0x7c) replacement = String.fromCharCode(next);
    else if (next === 0x6e /* n */) replacement = '\n';
    else if (next === 0x72 /* r */) replacement = '\r';
    else continue;
    out += raw.slice(start, i) + replacement;
    start = i + 2;
    i++;
  }
  return out + raw.slice(start);
}
