import { isUnsafeKey } from '@vigil/schema';
import type { Priority } from './priority.ts';
import type { StructuredData, SyslogParseResult } from './syslog-message.ts';
import { parseRfc3339 } from './timestamp.ts';

const NIL = '-';
const BOM = '\uFEFF';

/**
 * Parses the part of an RFC 5424 line after `<PRI>`:
 * `VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]`.
 * Field lengths are not enforced (real senders overrun them); the structure is.
 */
export function parseRfc5424(line: string, start: number, priority: Priority): SyslogParseResult {
  const fail = (reason: string): SyslogParseResult => ({ ok: false, failure: { reason, priority } });
  const cursor = { pos: start };
  const version = token(line, cursor);
  if (version !== '1') return fail(`unsupported RFC 5424 version ${JSON.stringify(version)}`);
  const timestampText = token(line, cursor);
  const hostname = token(line, cursor);
  const appname = token(line, cursor);
  const procid = token(line, cursor);
  const msgid = token(line, cursor);
  if (msgid === null) return fail('RFC 5424 header ends before MSGID');
  let timestamp: string | undefined;
  if (timestampText !== NIL) {
    const parsed = parseRfc3339(timestampText!);
    if (parsed === null) return fail(`bad RFC 5424 timestamp ${JSON.stringify(timestampText)}`);
    timestamp = parsed;
  }
  let structuredData: StructuredData | undefined;
  if (line.charCodeAt(cursor.pos) === 0x2d /* - */) {
    cursor.pos++;
  } else if (line.charCodeAt(cursor.pos) === 0x5b /* [ */) {
    const sd = parseStructuredData(line, cursor);
    if (typeof sd === 'string') return fail(sd);
    structuredData = sd;
  } else {
    return fail('RFC 5424 STRUCTURED-DATA must be - or start with [');
  }
  let message = '';
  if (cursor.pos < line.length) {
    if (line.charCodeAt(cursor.pos) !== 0x20) return fail('RFC 5424 STRUCTURED-DATA must be followed by a space');
    message = line.slice(cursor.pos + 1);
    if (message.startsWith(BOM)) message = message.slice(1);
  }
  return {
    ok: true,
    message: {
      format: 'rfc5424',
      priority,
      version,
      ...(timestamp !== undefined && { timestamp }),
      ...(hostname !== NIL && { hostname: hostname! }),
      ...(appname !== NIL && { appname: appname! }),
      ...(procid !== NIL && { procid: procid! }),
      ...(msgid !== NIL && { msgid }),
      ...(structuredData !== undefined && { structuredData }),
      message,
    },
  };
}

/** Reads one space-terminated header token; null when the line ends first or the token is empty. */
function token(line: string, cursor: { pos: number }): string | null {
  const end = line.indexOf(' ', cursor.pos);
  if (end <= cursor.pos) return null;
  const value = line.slice(cursor.pos, end);
  cursor.pos = end + 1;
  return value;
}

/** Parses `[id k="v" ...][id2 ...]`; returns a reason string when malformed. */
function parseStructuredData(line: string, cursor: { pos: number }): StructuredData | string {
  const data: StructuredData = {};
  while (line.charCodeAt(cursor.pos) === 0x5b /* [ */) {
    cursor.pos++;
    const id = readName(line, cursor);
    if (!id) return 'RFC 5424 SD-ELEMENT without SD-ID';
    const params: Record<string, string> = isUnsafeKey(id) ? {} : (data[id] ??= {});
    while (line.charCodeAt(cursor.pos) === 0x20) {
      cursor.pos++;
      const name = readName(line, cursor);
      if (!name || line.charCodeAt(cursor.pos) !== 0x3d /* = */ || line.charCodeAt(cursor.pos + 1) !== 0x22 /* " */) {
        return `RFC 5424 SD-PARAM in [${id}] is not name="value"`;
      }
      cursor.pos += 2;
      const value = readValue(line, cursor);
      if (value === null) return `RFC 5424 SD-PARAM ${name} in [${id}] has no closing quote`;
      if (!isUnsafeKey(name)) params[name] = value;
    }
    if (line.charCodeAt(cursor.pos) !== 0x5d /* ] */) return `RFC 5424 SD-ELEMENT [${id}] is not closed with ]`;
    cursor.pos++;
  }
  return data;
}

/** SD-NAME: printable ASCII except `=`, space, `]` and `"`. */
function readName(line: string, cursor: { pos: number }): string {
  const start = cursor.pos;
  while (cursor.pos < line.length) {
    const code = line.charCodeAt(cursor.pos);
    if (code <= 0x20 || code >= 0x7f || code === 0x3d || code === 0x5d || code === 0x22) break;
    cursor.pos++;
  }
  return line.slice(start, cursor.pos);
}

/** PARAM-VALUE up to the closing quote; `\"`, `\\` and `\]` are unescaped, other backslashes kept. */
function readValue(line: string, cursor: { pos: number }): string | null {
  let value = '';
  let runStart = cursor.pos;
  while (cursor.pos < line.length) {
    const code = line.charCodeAt(cursor.pos);
    if (code === 0x22 /* " */) {
      value += line.slice(runStart, cursor.pos);
      cursor.pos++;
      return value;
    }
    if (code === 0x5c /* \ */) {
      const next = line.charCodeAt(cursor.pos + 1);
      if (next === 0x22 || next === 0x5c || next === 0x5d) {
        value += line.slice(runStart, cursor.pos) + line[cursor.pos + 1];
        cursor.pos += 2;
        runStart = cursor.pos;
        continue;
      }
    }
    cursor.pos++;
  }
  return null;
}
