import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { isKeyChar, scanCefExtension, type PairSink } from './cef-extension.ts';
import { EventBuilder } from './event-builder.ts';
import { SET, type FieldSetter } from './field-setters.ts';
import { javaDateReader } from './java-date-format.ts';
import { finishNetwork } from './network-finish.ts';
import { findRecord, readPipeHeader } from './pipe-header.ts';
import { parseDeviceTime } from './time.ts';

// IBM QRadar LEEF predefined attributes (and a few every vendor uses) to ECS.
const LEEF_FIELDS: ReadonlyMap<string, FieldSetter> = new Map([
  ['src', SET.sourceIp],
  ['srcPort', SET.sourcePort],
  ['srcMAC', SET.sourceMac],
  ['srcPostNAT', SET.sourceNatIp],
  ['srcPostNATPort', SET.sourceNatPort],
  ['srcBytes', SET.sourceBytes],
  ['srcPackets', SET.sourcePackets],
  ['srcHostName', SET.sourceDomain],
  ['dst', SET.destinationIp],
  ['dstPort', SET.destinationPort],
  ['dstMAC', SET.destinationMac],
  ['dstPostNAT', SET.destinationNatIp],
  ['dstPostNATPort', SET.destinationNatPort],
  ['dstBytes', SET.destinationBytes],
  ['dstPackets', SET.destinationPackets],
  ['dstHostName', SET.destinationDomain],
  ['totalPackets', SET.networkPackets],
  ['usrName', SET.sourceUser],
  ['proto', SET.transport],
  ['sev', SET.severity],
  ['cat', SET.ruleCategory],
  ['policy', SET.ruleName],
  ['url', SET.url],
  ['action', SET.action],
  ['msg', SET.message],
  ['reason', SET.reason],
  ['userAgent', SET.userAgent],
  ['method', SET.httpMethod],
]);

const HEX_DELIMITER = /^(?:0?x|\\x)([0-9A-Fa-f]{2,4})$/;
const MAX_DELIMITER_FIELD = 8;

/**
 * LEEF 1.0 (`LEEF:1.0|Vendor|Product|Version|EventID|` then tab-separated `key=value`) and 2.0
 * (a delimiter field after the event id: `^`, or hex `x5E` / `0x5E`) to ECS: the header to
 * `observer.*` and `event.code`, the predefined attributes (src, dst, srcPort, usrName, proto,
 * sev, cat, devTime read with devTimeFormat, ...) to ECS, the rest to `labels`.
 */
export const leefParser: MessageParser = {
  name: 'leef',
  programs: [],
  probe: (message) => findRecord(message, 'LEEF:') >= 0,
  parse(message) {
    const at = findRecord(message, 'LEEF:');
    return at < 0 ? null : parseLeef(message, at + 5);
  },
};

function parseLeef(message: string, start: number): EcsEvent | null {
  const header = readPipeHeader(message, start, 5);
  if (!header) return null;
  const [version, vendor, product, deviceVersion, eventId] = header.fields as [string, string, string, string, string];
  if (!version.startsWith('1') && !version.startsWith('2')) return null;
  let attributes = header.end;
  let delimiter = '\t';
  if (version.startsWith('2')) {
    const pipe = message.indexOf('|', attributes);
    if (pipe >= 0 && pipe - attributes <= MAX_DELIMITER_FIELD) {
      const field = message.slice(attributes, pipe);
      const parsed = field.length === 0 ? '\t' : readDelimiter(field);
      if (parsed !== null) {
        delimiter = parsed;
        attributes = pipe + 1;
      }
    }
  }
  const b = new EventBuilder('leef', 'leef.log');
  const observer = b.observer();
  if (vendor) observer.vendor = vendor;
  if (product) observer.product = product;
  if (deviceVersion) observer.version = deviceVersion;
  if (eventId) b.event().code = eventId;
  let devTime: string | undefined;
  let devTimeFormat: string | undefined;
  const sink: PairSink = (key, value) => {
    if (value.length === 0) return;
    if (key === 'devTime') devTime = value;
    else if (key === 'devTimeFormat') devTimeFormat = value;
    else {
      const setter = LEEF_FIELDS.get(key);
      if (!setter || !setter(b, value)) b.label(key, value);
    }
  };
  // Some LEEF 1.0 senders separate attributes with spaces, not tabs: read those as CEF reads its extension.
  if (delimiter === '\t' && !message.includes('\t', attributes)) scanCefExtension(message, attributes, sink);
  else scanDelimited(message, attributes, delimiter, sink);
  if (devTime !== undefined) applyDevTime(b, devTime, devTimeFormat);
  finishNetwork(b);
  return b.build();
}

/** `^`, `x5E`, `0x5E`, `\x5E` → the delimiter character; null when the field is not one. */
function readDelimiter(field: string): string | null {
  if (field.length === 1) return field === '|' ? null : field;
  const hex = HEX_DELIMITER.exec(field);
  if (!hex) return null;
  const code = Number.parseInt(hex[1]!, 16);
  return code === 0 || code === 0x7c || code === 0x3d ? null : String.fromCharCode(code);
}

function scanDelimited(text: string, start: number, delimiter: string, sink: PairSink): void {
  let pos = start;
  while (pos <= text.length) {
    let end = text.indexOf(delimiter, pos);
    if (end < 0) end = text.length;
    // Look for `=` inside this attribute only, so a record without one stays linear.
    let equals = pos;
    while (equals < end && text.charCodeAt(equals) !== 0x3d) equals++;
    if (equals > pos && equals < end) {
      let keyStart = pos;
      while (keyStart < equals && text.charCodeAt(keyStart) === 0x20) keyStart++;
      if (validKey(text, keyStart, equals)) sink(text.slice(keyStart, equals), text.slice(equals + 1, end));
    }
    pos = end + delimiter.length;
  }
}

function validKey(text: string, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) if (!isKeyChar(text.charCodeAt(i))) return false;
  return true;
}

function applyDevTime(b: EventBuilder, devTime: string, format: string | undefined): void {
  const reader = format === undefined ? null : javaDateReader(format);
  const iso = reader ? reader(devTime) : format === undefined ? parseDeviceTime(devTime) : null;
  if (iso) {
    b.timestamp(iso);
    return;
  }
  b.label('devTime', devTime);
  if (format !== undefined) b.label('devTimeFormat', format);
}
