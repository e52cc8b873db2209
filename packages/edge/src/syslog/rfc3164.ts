import type { Priority } from './priority.ts';
import type { SyslogMessage, SyslogParseResult } from './syslog-message.ts';
import { bsdTimestampLength, parseBsdTimestamp, parseRfc3339 } from './timestamp.ts';

/** `TAG[PID]:`, `TAG:` or `TAG[PID]` followed by a space or the end of the line. */
const TAG = /^([^\s[\]:]{1,128})(?:\[([^\]\s]{0,128})\]:?|:)(?: |$)/;
const ISO_START = /^\d{4}-\d{2}-\d{2}[Tt]/;

/**
 * Parses the part of a BSD syslog line after the optional `<PRI>`:
 * `TIMESTAMP HOSTNAME TAG[PID]: MSG`. TIMESTAMP is `Mmm dd hh:mm:ss` (year inferred, see
 * `parseBsdTimestamp`) or an RFC 3339 timestamp as rsyslog's high-precision format sends;
 * HOSTNAME may be missing (the token after the time is then the tag), and so may the tag.
 */
export function parseRfc3164(line: string, start: number, priority: Priority | undefined, nowMs: number): SyslogParseResult {
  const failure = (reason: string): SyslogParseResult => ({ ok: false, failure: priority ? { reason, priority } : { reason } });
  let pos = start;
  let timestamp: string | null;
  const rest = start === 0 ? line : line.slice(start);
  const bsdLength = bsdTimestampLength(rest);
  if (bsdLength > 0) {
    timestamp = parseBsdTimestamp(rest.slice(0, bsdLength), nowMs);
    if (timestamp === null) return failure(`bad RFC 3164 timestamp ${JSON.stringify(rest.slice(0, bsdLength))}`);
    pos += bsdLength;
  } else if (ISO_START.test(rest)) {
    const end = rest.indexOf(' ');
    const text = end < 0 ? rest : rest.slice(0, end);
    timestamp = parseRfc3339(text);
    if (timestamp === null) return failure(`bad timestamp ${JSON.stringify(text)}`);
    pos += text.length;
  } else {
    return failure('no RFC 3164 timestamp after the priority');
  }
  while (line.charCodeAt(pos) === 0x20) pos++;

  const parsed: SyslogMessage = { format: 'rfc3164', timestamp, message: '' };
  if (priority) parsed.priority = priority;
  let remainder = line.slice(pos);
  const firstEnd = remainder.indexOf(' ');
  const first = firstEnd < 0 ? remainder : remainder.slice(0, firstEnd);
  if (first.length > 0 && !TAG.test(first + ' ')) {
    parsed.hostname = first;
    remainder = firstEnd < 0 ? '' : remainder.slice(firstEnd + 1);
  }
  const tag = TAG.exec(remainder);
  if (tag) {
    parsed.appname = tag[1]!;
    if (tag[2]) parsed.procid = tag[2];
    remainder = remainder.slice(tag[0].length);
  }
  parsed.message = remainder;
  return { ok: true, message: parsed };
}
