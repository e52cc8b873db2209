import { isUnsafeKey } from '@vigil/schema';
import type { Priority } from './priority.ts';
import type { StructuredData, SyslogFailureKind, SyslogMessage, SyslogParseResult } from './syslog-message.ts';
import { parseRfc3339 } from './timestamp.ts';

const NIL = '-';
const BOM = '\uFEFF';
// The UTF-8 BOM's bytes read as Latin-1 (the rest of the line was not valid UTF-8).
const LATIN1_BOM = '\u00EF\u00BB\u00BF';

/**
 * Parses the part of an RFC 5424 line after `<PRI>`:
 * `VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]`.
 * Field lengths are not enforced (real senders overrun them); the structure is.
 */
export function parseRfc5424(line: string, start: number, priority: Priority): SyslogParseResult {
  const fail = (kind: SyslogFailureKind, reason: string): SyslogParseResult => ({ ok: false, failure: { kind, reason, priority } });
  const cursor = { pos: start };
  const version = token(line, cursor);
  if (version !== '1') return fail('bad_version', `unsupported RFC 5424 version ${JSON.stringify(version)}`);
  const timestampText = token(line, cursor);
  const hostname = token(line, cursor);
  const appname = token(line, cursor);
  const procid = token(line, cursor);
  const msgid = token(line, cursor);
  if (msgid === null) return fail('truncated_header', 'RFC 5424 header ends before MSGID');
  let timestamp: string | undefined;
  if (timestampText !== NIL) {
    const utc = parseRfc3339(timestampText!);
    if (utc === null) return fail('bad_timestamp', `bad RFC 5424 timestamp ${JSON.stringify(timestampText)}`);
    timestamp = utc;
  }
  let structuredData: StructuredData | undefined;
  if (line.charCodeAt(cursor.pos) === 0x2d /* - */) {
    cursor.pos++;
  } else if (line.charCodeAt(cursor.pos) === 0x5b /* [ */) {
    const sd = parseStructuredData(line, cursor);
    if (typeof sd === 'string') return fail('bad_structured_data', sd);
    structuredData = sd;
  } else {
    return fail(cursor.pos >= line.length ? 'truncated_header' : 'bad_structured_data', 'RFC 5424 STRUCTURED-DATA must be - or start with [');
  }
  let message = '';
  let bom = false;
  if (cursor.pos < line.length) {
    if (line.charCodeAt(cursor.pos) !== 0x20) return fail('bad_structured_data', 'RFC 5424 STRUCTURED-DATA must be followed by a space');
    message = line.slice(cursor.pos + 1);
    if (message.startsWith(BOM)) {
      message = message.slice(1);
      bom = true;
    } else if (message.startsWith(LATIN1_BOM)) {
      message = message.slice(3);
      bom = true;
    }
  }
  const parsed: SyslogMessage = { format: 'rfc5424', priority, version, message };
  if (timestamp !== undefined) parsed.timestamp = timestamp;
  if (hostname !== NIL) parsed.hostname = hostname!;
  if (appname !== NIL) parsed.appname = appname!;
  if (procid !== NIL) parsed.procid = procid!;
  if (msgid !== NIL) parsed.msgid = msgid;
  if (structuredData !== undefined) parsed.structuredData = structuredData;
  if (bom) parsed.flags = ['utf8_bom'];
  return { ok: true, message: parsed };
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
    // Own properties only: an SD-ID such as `toString` must not reach Object.prototype's members.
    let params = Object.hasOwn(data, id) ? data[id]! : undefined;
    if (!params) {
      params = {};
      if (!isUnsafeKey(id)) data[id] = params;
    }
    while (line.charCodeAt(cursor.pos) === 0x20) {
      cursor.pos++;
      const name = readName(line, cursor);
      if (!name || line.charCodeAt(cursor.pos) !== 0x3d /* = */ || line.charCodeAt(cursor.pos + 1) !== 0x22 /* " */) {
        return `RFC 5424 SD-PARAM in [${id}] is not name="value"`;
      }
      cursor.pos += 2;
      const value = readValue(line, cursor);
      if (value === null) return `RFC 5424 SD-PARAM ${name} in [${id}] has no closing quote`;
      if (!isUnsafeKey(name)) addParam(params, name, value);
    }
    if (line.charCodeAt(cursor.pos) !== 0x5d /* ] */) return `RFC 5424 SD-ELEMENT [${id}] is not closed with ]`;
    cursor.pos++;
  }
  return data;
}

/** RFC 5424 allows a PARAM-NAME to repeat (`[origin ip="192.0.2.1" ip="192.0.2.129"]`): keep every value. */
function addParam(params: Record<string, string | string[]>, name: string, value: string): void {
  const existing = Object.hasOwn(params, name) ? params[name] : undefined;
  if (existing === undefined) params[name] = value;
  else if (typeof existing === 'string') params[name] = [existing, value];
  else existing.push(value);
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
