import { RECORD_CODE, RECORD_NAME } from './audit-tables.ts';
import { uptimeLength } from './netfilter.ts';

/**
 * One Linux audit record as read from a syslog message. Field values are kept raw (quotes
 * included) so that `decoded()` can tell a quoted literal from a hex-encoded value.
 */
export interface AuditRecord {
  /** Record type name (`SYSCALL`), or `UNKNOWN[1334]` for a number libaudit does not name here. */
  type: string;
  /** Record type number (`1300`) when known. */
  code?: string;
  /** The audit event's time (`msg=audit(1700000000.123:4567)`), ISO-8601. */
  timestamp?: string;
  /** The audit event's serial number, shared by all records of one event. */
  serial?: number;
  /** `1700000000.123:4567`: joins the records of one event (with the host). */
  eventId?: string;
  /** `node=` prefix (auditd's name_format), the host the record comes from. */
  node?: string;
  fields: Map<string, string>;
  /** The nested `msg='…'` of user-space records (USER_LOGIN, USER_CMD, …). */
  inner?: Map<string, string>;
  /** Where the body (after the header) starts in the message. */
  bodyStart: number;
}

const BARE_TYPE = /^[A-Z][A-Z0-9_]{1,31}$/;
const HEX = /^(?:[0-9A-F]{2})+$/;
const UNSET_IDS = new Set(['4294967295', '-1', 'unset']);
const GS = 0x1d;
const SPACE = 0x20;

/** Whether a message starts like an audit record: `[uptime ][audit: ][node=… ]type=… msg=audit(` or `type=… audit(`. */
export function looksLikeAudit(message: string): boolean {
  let pos = uptimeLength(message);
  if (message.startsWith('audit: ', pos)) pos += 7;
  if (message.startsWith('node=', pos)) {
    const space = message.indexOf(' ', pos);
    if (space < 0) return false;
    pos = space + 1;
  }
  if (!message.startsWith('type=', pos)) return false;
  const space = message.indexOf(' ', pos);
  return space > 0 && (message.startsWith('msg=audit(', space + 1) || message.startsWith('audit(', space + 1));
}

/**
 * Reads an audit record: `[uptime] [audit: ][node=N ]type=NAME msg=audit(T:S): k=v …`, the
 * kernel's `type=1300 audit(T:S): …`, and (when `bareType`) journald's `NAME k=v …` as it
 * forwards records under the `audit` tag. Null when the message is none of these.
 */
export function readAuditRecord(message: string, bareType: boolean): AuditRecord | null {
  // auditd's enriched format separates raw from interpreted fields with GS; rsyslog escapes it.
  const text = message.includes('#035') ? message.replaceAll('#035', ' ') : message;
  let pos = uptimeLength(text);
  if (text.startsWith('audit: ', pos)) pos += 7;
  let node: string | undefined;
  if (text.startsWith('node=', pos)) {
    const space = text.indexOf(' ', pos);
    if (space < 0) return null;
    node = text.slice(pos + 5, space);
    pos = space + 1;
  }
  let typeToken: string;
  let header: string | undefined;
  if (text.startsWith('type=', pos)) {
    const space = text.indexOf(' ', pos);
    if (space < 0) return null;
    typeToken = text.slice(pos + 5, space);
    pos = space + 1;
    if (text.startsWith('msg=audit(', pos)) pos += 10;
    else if (text.startsWith('audit(', pos)) pos += 6;
    else return null;
    const close = text.indexOf('):', pos);
    if (close < 0 || close - pos > 40) return null;
    header = text.slice(pos, close);
    pos = close + 2;
  } else if (bareType) {
    let space = text.indexOf(' ', pos);
    if (space < 0) space = text.length;
    typeToken = text.slice(pos, space);
    if (!BARE_TYPE.test(typeToken)) return null;
    pos = space + 1;
  } else {
    return null;
  }
  const record: AuditRecord = { type: typeToken, fields: new Map(), bodyStart: pos };
  nameType(record, typeToken);
  if (node) record.node = node;
  if (header !== undefined && !readHeader(record, header)) return null;
  scanFields(text, pos, text.length, record.fields);
  const msg = record.fields.get('msg');
  if (msg !== undefined && msg.charCodeAt(0) === 0x27) {
    record.inner = new Map();
    scanFields(msg, 1, msg.endsWith("'") && msg.length > 1 ? msg.length - 1 : msg.length, record.inner);
  }
  return record;
}

function nameType(record: AuditRecord, token: string): void {
  if (/^\d{1,5}$/.test(token)) {
    record.code = token;
    record.type = RECORD_NAME.get(token) ?? `UNKNOWN[${token}]`;
    return;
  }
  // journald names types it does not know `AUDIT1334`.
  if (token.startsWith('AUDIT') && /^AUDIT\d{1,5}$/.test(token)) {
    nameType(record, token.slice(5));
    return;
  }
  const code = RECORD_CODE.get(token);
  if (code) record.code = code;
}

// The records of one audit event arrive together and share their time: format it once.
let lastTime = '';
let lastIso = '';

// `1700000000.123:4567`
function readHeader(record: AuditRecord, header: string): boolean {
  const dot = header.indexOf('.');
  const colon = header.indexOf(':');
  if (dot < 1 || colon < dot + 2 || dot > 11 || colon - dot > 10) return false;
  const seconds = header.slice(0, dot);
  const fraction = header.slice(dot + 1, colon);
  const serial = header.slice(colon + 1);
  if (!isDigits(seconds) || !isDigits(fraction) || !isDigits(serial) || serial.length > 15) return false;
  const time = header.slice(0, colon);
  if (time !== lastTime) {
    lastIso = new Date(Number(seconds) * 1000 + Number(fraction.padEnd(3, '0').slice(0, 3))).toISOString();
    lastTime = time;
  }
  record.timestamp = lastIso;
  record.serial = Number(serial);
  record.eventId = header;
  return true;
}

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * `key=value` pairs from `text[from, to)` into `into` (first occurrence wins). Values are
 * `"quoted"`, `'quoted'` (kept with their quotes) or run to the next space; words without
 * `=` (`avc:  denied  { read } for`) are skipped. One pass, no regex.
 */
export function scanFields(text: string, from: number, to: number, into: Map<string, string>): void {
  let pos = from;
  while (pos < to) {
    let c = text.charCodeAt(pos);
    if (c === SPACE || c === GS) {
      pos++;
      continue;
    }
    const keyStart = pos;
    while (pos < to && (c = text.charCodeAt(pos)) !== 0x3d && c !== SPACE && c !== GS) pos++;
    if (pos >= to || c !== 0x3d) continue;
    const key = text.slice(keyStart, pos);
    pos++;
    let end: number;
    const q = text.charCodeAt(pos);
    if (q === 0x22 || q === 0x27) {
      end = text.indexOf(q === 0x22 ? '"' : "'", pos + 1);
      end = end < 0 || end >= to ? to : end + 1;
    } else {
      end = pos;
      while (end < to && (c = text.charCodeAt(end)) !== SPACE && c !== GS) end++;
    }
    if (key.length > 0 && !into.has(key)) into.set(key, text.slice(pos, end));
    pos = end;
  }
}

/** A value without its quotes; undefined for audit's placeholders (`?`, `(null)`, `(none)`, empty). */
export function plain(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let value = raw;
  const q = value.charCodeAt(0);
  if ((q === 0x22 || q === 0x27) && value.length >= 2 && value.charCodeAt(value.length - 1) === q) value = value.slice(1, -1);
  if (value === '' || value === '?' || value === '(null)' || value === '(none)' || value === '(unknown)') return undefined;
  return value;
}

/**
 * A field audit may hex-encode (exe, comm, cmd, name, proctitle, aN, key, acct…): quoted means
 * literal, unquoted hex means encoded (because it held a space, quote or control character).
 */
export function decoded(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const q = raw.charCodeAt(0);
  if (q === 0x22 || q === 0x27) return plain(raw);
  if (HEX.test(raw)) return Buffer.from(raw, 'hex').toString('utf8');
  return plain(raw);
}

/** A user or session id, or undefined when audit says it is unset (4294967295, -1). */
export function auditId(raw: string | undefined): string | undefined {
  const value = plain(raw);
  return value === undefined || UNSET_IDS.has(value) || !/^\d{1,10}$/.test(value) ? undefined : value;
}
