import { scanCiscoTag, scanSequence, scanUptime } from './cisco.ts';
import { DEFAULT_PRIORITY_VALUE, decodePriority, type Priority } from './priority.ts';
import type { SyslogFailureKind, SyslogFlag, SyslogMessage, SyslogParseResult } from './syslog-message.ts';
import type { TimeZone } from './time-zone.ts';
import { resolveTime, scanBsdTime, scanIsoTime } from './timestamp.ts';

const SP = 0x20;
const COLON = 0x3a;
const MAX_TAG_LENGTH = 128;
const MARK = '-- MARK --';
const BOM = '\uFEFF';
const NO_TIME = -1;
const BAD_TIME = -2;

/** Zone abbreviations Cisco devices print after the time, with their offsets in minutes; others are read in the default zone. */
const ZONE_ABBREVIATIONS: ReadonlyMap<string, number> = new Map([
  ['UTC', 0], ['GMT', 0], ['UT', 0], ['Z', 0],
  ['EST', -300], ['EDT', -240], ['CST', -360], ['CDT', -300], ['MST', -420], ['MDT', -360], ['PST', -480], ['PDT', -420],
  ['WET', 0], ['WEST', 60], ['CET', 60], ['CEST', 120], ['MET', 60], ['MEST', 120], ['EET', 120], ['EEST', 180],
  ['JST', 540], ['KST', 540], ['AEST', 600], ['AEDT', 660], ['NZST', 720], ['NZDT', 780],
]);

/** What the header scan carries from step to step. */
interface Scan {
  line: string;
  pos: number;
  parsed: SyslogMessage;
  flags: SyslogFlag[];
  zone: TimeZone;
  nowMs: number;
  /** Seen a Cisco sequence number or NX-OS prefix: a zone name may follow the time. */
  cisco: boolean;
}

/**
 * Parses the part of a BSD syslog line after the optional `<PRI>`, as senders really write it:
 * `[seq: ][*|.]TIMESTAMP[ ZONE][:] [HOSTNAME[ :]] [TAG[PID]:|%FAC-SEV-MNEMONIC:] MSG`.
 * TIMESTAMP is `Mmm dd hh:mm:ss` (year inferred, read in `zone`), with an optional year or
 * fraction, or an ISO-8601 time; HOSTNAME may be missing (told from a tag by its colon or
 * `[pid]`). A line without PRI gets user.notice (RFC 3164 §4.3.3) and the flag `pri_missing`.
 * Cisco lines (IOS sequence numbers, `*`/`.` clock markers, ASA/PIX `%ASA-6-302013:`) may
 * come without a timestamp; after a PRI, any other text without one is taken whole as the
 * message (flag `timestamp_missing`); without a PRI or a timestamp it is not a syslog header.
 */
export function parseRfc3164(line: string, start: number, priority: Priority | undefined, nowMs: number, zone: TimeZone): SyslogParseResult {
  const fail = (kind: SyslogFailureKind, reason: string): SyslogParseResult => ({ ok: false, failure: priority ? { kind, reason, priority } : { kind, reason } });
  const flags: SyslogFlag[] = [];
  const scan: Scan = { line, pos: start, parsed: { format: 'rfc3164', message: '' }, flags, zone, nowMs, cisco: false };
  const { parsed } = scan;
  while (line.charCodeAt(scan.pos) === SP) scan.pos++;
  // NX-OS puts ": " between PRI and the time.
  if (priority && line.charCodeAt(scan.pos) === COLON && line.charCodeAt(scan.pos + 1) === SP) {
    scan.pos += 2;
    scan.cisco = true;
  }
  readSequence(scan, true);
  let end = readTime(scan, scan.pos);
  if (end === NO_TIME && scan.cisco) end = readOriginAndTime(scan);
  if (end === BAD_TIME) return fail('bad_timestamp', `bad timestamp at ${JSON.stringify(line.slice(scan.pos, scan.pos + 32))}`);
  if (end >= 0) scan.pos = end;
  else if (!scan.cisco && scanCiscoTag(line, scan.pos) === null) {
    if (!priority) return fail('no_timestamp', 'no RFC 3164 timestamp');
    // A PRI and then no header at all, as appliances send (FortiGate `<189>date=… devname=…`,
    // `<134>CEF:0|…`): the rest is the message, as rsyslog takes it, and content parsers get it.
    flags.push('timestamp_missing');
    parsed.message = line.slice(scan.pos);
    parsed.priority = priority;
    parsed.flags = flags;
    return { ok: true, message: parsed };
  }
  while (line.charCodeAt(scan.pos) === SP) scan.pos++;

  if (parsed.hostname === undefined) readHostname(scan);
  readSequence(scan, false);
  readBody(scan);

  if (priority) parsed.priority = priority;
  else {
    flags.push('pri_missing');
    // The severity a Cisco tag names beats the RFC's default.
    parsed.priority = decodePriority(parsed.cisco ? 8 + parsed.cisco.severity : DEFAULT_PRIORITY_VALUE);
  }
  if (flags.length > 0) parsed.flags = flags;
  return { ok: true, message: parsed };
}

/**
 * A Cisco sequence number (`123: `) when a Cisco time or tag follows it, or, right after the
 * PRI (`atStart`), an IOS origin-id host name (`123: router1: *Nov 24 ...`).
 */
function readSequence(scan: Scan, atStart: boolean): void {
  const { line, pos } = scan;
  const c = line.charCodeAt(pos);
  if (c < 0x30 || c > 0x39) return;
  const after = scanSequence(line, pos);
  if (after < 0) return;
  const next = line.charCodeAt(after);
  if (next !== 0x25 && next !== 0x2a && next !== 0x2e && scanBsdTime(line, after) === null && scanUptime(line, after) < 0) {
    if (!atStart) return;
    const token = line.indexOf(': ', after);
    if (token < 0 || !isHostname(line, after, token)) return;
  }
  if (scan.parsed.sequence === undefined) scan.parsed.sequence = Number(line.slice(pos, after - 2));
  scan.pos = after;
  scan.cisco = true;
}

/**
 * `[*|.]TIMESTAMP[ ZONE][:]` at `pos`. Sets the timestamp (unless an earlier one was read) and
 * returns the index after it, NO_TIME when there is none, BAD_TIME when the date does not exist.
 */
function readTime(scan: Scan, pos: number): number {
  const { line, parsed } = scan;
  let p = pos;
  const c = line.charCodeAt(p);
  const marker: SyslogFlag | undefined = c === 0x2a ? 'clock_unsynced' : c === 0x2e ? 'clock_sync_lost' : undefined;
  if (marker) p++;
  const time = scanBsdTime(line, p) ?? scanIsoTime(line, p, false);
  if (!time) {
    const uptime = scan.cisco ? scanUptime(line, p) : -1;
    return uptime > 0 ? uptime : NO_TIME;
  }
  p = time.end;
  if (time.offsetMinutes === null && line.charCodeAt(p) === SP) {
    let q = p + 1;
    while (q < line.length && q - p <= 5 && line.charCodeAt(q) >= 0x41 && line.charCodeAt(q) <= 0x5a) q++;
    const offset = ZONE_ABBREVIATIONS.get(line.slice(p + 1, q));
    if (offset !== undefined && (line.charCodeAt(q) === COLON || (scan.cisco && line.charCodeAt(q) === SP))) {
      time.offsetMinutes = offset;
      p = q;
    }
  }
  if (line.charCodeAt(p) === COLON) p++;
  if (parsed.timestamp !== undefined) return p;
  const iso = resolveTime(time, scan.zone, scan.nowMs);
  if (iso === null) return BAD_TIME;
  parsed.timestamp = iso;
  if (time.offsetMinutes === null) parsed.timezone = scan.zone.name;
  if (marker) scan.flags.push(marker);
  return p;
}

/** IOS with `logging origin-id hostname`: `router1: *Nov 24 10:00:00.123: ...`. */
function readOriginAndTime(scan: Scan): number {
  const { line, pos } = scan;
  const colon = line.indexOf(': ', pos);
  if (colon < 0 || !isHostname(line, pos, colon)) return NO_TIME;
  const end = readTime(scan, colon + 2);
  if (end !== NO_TIME) scan.parsed.hostname = line.slice(pos, colon);
  return end;
}

/** The HOSTNAME, unless the token at `pos` is a tag (`sshd[12]:`, `logger:`), a Cisco tag or `-- MARK --`. */
function readHostname(scan: Scan): void {
  const { line, pos } = scan;
  if (pos >= line.length) return;
  let end = line.indexOf(' ', pos);
  if (end < 0) end = line.length;
  if (!isHostname(line, pos, end) || scanTag(line, pos) >= 0) return;
  scan.parsed.hostname = line.slice(pos, end);
  let p = end;
  while (line.charCodeAt(p) === SP) p++;
  // ASA with `logging device-id`: `fw01 : %ASA-6-...`.
  if (line.charCodeAt(p) === COLON && (p + 1 >= line.length || line.charCodeAt(p + 1) === SP)) {
    p++;
    while (line.charCodeAt(p) === SP) p++;
  }
  scan.pos = p;
}

/** After the host: a Cisco `%FAC-SEV-MNEMONIC:` tag, `-- MARK --`, or `TAG[PID]:`; the rest is the message. */
function readBody(scan: Scan): void {
  const { line, parsed } = scan;
  let pos = scan.pos;
  // A relayed IOS line keeps the device's own marker and time after the sequence number.
  if (parsed.sequence !== undefined && line.charCodeAt(pos) !== 0x25) {
    const inner = readTime(scan, pos);
    if (inner >= 0) {
      pos = inner;
      while (line.charCodeAt(pos) === SP) pos++;
    }
  }
  const cisco = scanCiscoTag(line, pos);
  if (cisco) {
    parsed.cisco = cisco.tag;
    parsed.appname = cisco.tag.facility;
    parsed.programText = line.slice(pos);
    parsed.message = line.slice(cisco.end);
    return;
  }
  if (line.startsWith(MARK, pos) && line.length - pos <= MARK.length + 1) {
    parsed.mark = true;
    parsed.message = MARK;
    return;
  }
  const tagEnd = scanTag(line, pos);
  if (tagEnd >= 0) {
    let nameEnd = pos;
    while (nameEnd < tagEnd) {
      const c = line.charCodeAt(nameEnd);
      if (c === 0x5b || c === COLON) break;
      nameEnd++;
    }
    parsed.appname = line.slice(pos, nameEnd);
    if (line.charCodeAt(nameEnd) === 0x5b) {
      const close = line.indexOf(']', nameEnd);
      if (close > nameEnd + 1) parsed.procid = line.slice(nameEnd + 1, close);
    }
    pos = tagEnd;
  }
  let message = pos === 0 ? line : line.slice(pos);
  if (message.startsWith(BOM)) {
    message = message.slice(1);
    scan.flags.push('utf8_bom');
  }
  parsed.message = message;
}

/**
 * `TAG[PID]:`, `TAG:` or `TAG[PID]` at `pos`, followed by a space or the end of the line.
 * TAG is anything but space, `[`, `]` and `:` (`postfix/smtpd`, `org.gnome.Shell`, `dbus-daemon`).
 * Returns the index of the message after it (past one space), or -1.
 */
function scanTag(line: string, pos: number): number {
  // A JSON or quoted payload right after the header is the message, never a program name.
  const first = line.charCodeAt(pos);
  if (first === 0x7b || first === 0x22) return -1;
  let p = pos;
  let c = 0;
  for (; p < line.length && p - pos < MAX_TAG_LENGTH; p++) {
    c = line.charCodeAt(p);
    if (c === SP || c === 0x5b || c === 0x5d || c === COLON) break;
  }
  if (p === pos || p >= line.length) return -1;
  if (c === 0x5b) {
    const open = p;
    for (p++; p < line.length && p - open <= MAX_TAG_LENGTH; p++) {
      c = line.charCodeAt(p);
      if (c === 0x5d || c === SP) break;
    }
    if (c !== 0x5d) return -1;
    p++;
    if (line.charCodeAt(p) === COLON) p++;
  } else if (c === COLON) {
    p++;
  } else {
    return -1;
  }
  if (p >= line.length) return p;
  return line.charCodeAt(p) === SP ? p + 1 : -1;
}

/** Host names and addresses: letters, digits, `.`, `-`, `_` and `:` (IPv6), starting with a letter, digit or `:`. */
function isHostname(line: string, start: number, end: number): boolean {
  if (end <= start || end - start > 255) return false;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (alnum || c === COLON) continue;
    if (i === start || !(c === 0x2e || c === 0x2d || c === 0x5f)) return false;
  }
  return true;
}
