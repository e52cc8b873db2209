/** The `|`-separated header of a CEF or LEEF record, and where the text after it starts. */
export interface PipeHeader {
  fields: string[];
  /** Index of the first character after the last header field's `|` (the text's length when there is none). */
  end: number;
}

// How far into a message a `CEF:`/`LEEF:` record may start after a syslog-style prefix.
const MAX_PREFIX = 512;

/**
 * Where a `CEF:` / `LEEF:` record starts in a message: 0, or after a prefix such as a syslog
 * header that a sender put in the message (`Nov 24 10:00:00 fw01 CEF:0|...`); -1 if nowhere.
 */
export function findRecord(message: string, marker: 'CEF:' | 'LEEF:'): number {
  if (message.startsWith(marker)) return 0;
  // Only the first MAX_PREFIX characters can hold the prefix: a long line is not scanned to its end.
  const head = message.length > MAX_PREFIX + marker.length ? message.slice(0, MAX_PREFIX + marker.length) : message;
  const at = head.indexOf(marker === 'CEF:' ? ' CEF:' : ' LEEF:');
  return at >= 0 ? at + 1 : -1;
}

/**
 * Reads `count` header fields separated by `|` from `start`, unescaping `\|` and `\\` (other
 * backslashes are kept as written). The last field may end at the end of the text instead of
 * a `|`. Null when there are fewer fields.
 */
export function readPipeHeader(text: string, start: number, count: number): PipeHeader | null {
  const fields: string[] = [];
  let fieldStart = start;
  let search = start;
  while (fields.length < count) {
    const pipe = text.indexOf('|', search);
    if (pipe < 0) break;
    search = pipe + 1;
    if (escaped(text, pipe, fieldStart)) continue;
    fields.push(headerField(text.slice(fieldStart, pipe)));
    fieldStart = search;
  }
  if (fields.length === count) return { fields, end: fieldStart };
  if (fields.length === count - 1) {
    fields.push(headerField(text.slice(fieldStart)));
    return { fields, end: text.length };
  }
  return null;
}

function headerField(raw: string): string {
  return raw.includes('\\') ? unescapeHeader(raw) : raw;
}

/** True when the character at `at` follows an odd number of backslashes (counted back to `floor`). */
function escaped(text: string, at: number, floor: number): boolean {
  let i = at - 1;
  while (i >= floor && text.charCodeAt(i) === 0x5c) i--;
  return (at - 1 - i) % 2 === 1;
}

function unescapeHeader(raw: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < raw.length - 1; i++) {
    if (raw.charCodeAt(i) !== 0x5c) continue;
    const next = raw.charCodeAt(i + 1);
    if (next !== 0x7c && next !== 0x5c) continue;
    out += raw.slice(start, i);
    start = i + 1;
    i++;
  }
  return out + raw.slice(start);
}
