import { decodePriority, readPriority } from './priority.ts';
import { parseRfc3164 } from './rfc3164.ts';
import { parseRfc5424 } from './rfc5424.ts';
import type { SyslogParseResult } from './syslog-message.ts';

/**
 * Parses one syslog line (RFC 5424 or RFC 3164, told apart by the version digit after PRI).
 * `nowMs` is the edge's clock, used only to infer the missing year of RFC 3164 timestamps.
 */
export function parseSyslog(line: string, nowMs: number = Date.now()): SyslogParseResult {
  const pri = readPriority(line);
  if (pri === 'invalid') return { ok: false, failure: { reason: 'malformed <PRI>' } };
  if (pri === null) return parseRfc3164(line, 0, undefined, nowMs);
  const priority = decodePriority(pri.priority);
  if (line.charCodeAt(pri.end) === 0x31 /* 1 */ && line.charCodeAt(pri.end + 1) === 0x20) {
    return parseRfc5424(line, pri.end, priority);
  }
  return parseRfc3164(line, pri.end, priority, nowMs);
}
