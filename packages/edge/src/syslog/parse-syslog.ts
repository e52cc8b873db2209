import { decodePriority, readPriority } from './priority.ts';
import { parseRfc3164 } from './rfc3164.ts';
import { parseRfc5424 } from './rfc5424.ts';
import type { SyslogParseResult } from './syslog-message.ts';
import { UTC_TIME_ZONE, type TimeZone } from './time-zone.ts';

/**
 * Parses one syslog line (RFC 5424 or RFC 3164, told apart by the version digit after PRI).
 * Trailing NUL, CR and LF bytes are not part of the message. `nowMs` is the edge's clock, used
 * to infer the missing year of RFC 3164 timestamps; `zone` is where RFC 3164 times without an
 * offset are read.
 */
export function parseSyslog(line: string, nowMs: number = Date.now(), zone: TimeZone = UTC_TIME_ZONE): SyslogParseResult {
  const text = trimLineEnd(line);
  const pri = readPriority(text);
  if (pri === 'invalid') return { ok: false, failure: { kind: 'bad_priority', reason: 'malformed <PRI>' } };
  if (pri === null) return parseRfc3164(text, 0, undefined, nowMs, zone);
  const priority = decodePriority(pri.priority);
  if (text.charCodeAt(pri.end) === 0x31 /* 1 */ && text.charCodeAt(pri.end + 1) === 0x20) {
    return parseRfc5424(text, pri.end, priority);
  }
  return parseRfc3164(text, pri.end, priority, nowMs, zone);
}

function trimLineEnd(line: string): string {
  let end = line.length;
  for (;;) {
    const c = line.charCodeAt(end - 1);
    if (c !== 0x00 && c !== 0x0a && c !== 0x0d) break;
    end--;
  }
  return end === line.length ? line : line.slice(0, end);
}
