import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { scanCefExtension } from './cef-extension.ts';
import { EventBuilder, labelKey, parseUint } from './event-builder.ts';
import { SET, type FieldSetter } from './field-setters.ts';
import { finishNetwork } from './network-finish.ts';
import { findRecord, readPipeHeader } from './pipe-header.ts';

// ArcSight CEF keys (short and full names) to ECS.
const CEF_FIELDS: ReadonlyMap<string, FieldSetter> = new Map([
  ['src', SET.sourceIp],
  ['sourceAddress', SET.sourceIp],
  ['spt', SET.sourcePort],
  ['sourcePort', SET.sourcePort],
  ['smac', SET.sourceMac],
  ['sourceMacAddress', SET.sourceMac],
  ['shost', SET.sourceDomain],
  ['sourceHostName', SET.sourceDomain],
  ['suser', SET.sourceUser],
  ['sourceUserName', SET.sourceUser],
  ['suid', SET.sourceUserId],
  ['sourceUserId', SET.sourceUserId],
  ['sourceTranslatedAddress', SET.sourceNatIp],
  ['sourceTranslatedPort', SET.sourceNatPort],
  ['dst', SET.destinationIp],
  ['destinationAddress', SET.destinationIp],
  ['dpt', SET.destinationPort],
  ['destinationPort', SET.destinationPort],
  ['dmac', SET.destinationMac],
  ['destinationMacAddress', SET.destinationMac],
  ['dhost', SET.destinationDomain],
  ['destinationHostName', SET.destinationDomain],
  ['duser', SET.destinationUser],
  ['destinationUserName', SET.destinationUser],
  ['duid', SET.destinationUserId],
  ['destinationUserId', SET.destinationUserId],
  ['destinationTranslatedAddress', SET.destinationNatIp],
  ['destinationTranslatedPort', SET.destinationNatPort],
  ['act', SET.action],
  ['deviceAction', SET.action],
  ['app', SET.protocol],
  ['applicationProtocol', SET.protocol],
  ['proto', SET.transport],
  ['transportProtocol', SET.transport],
  ['request', SET.url],
  ['requestUrl', SET.url],
  ['requestMethod', SET.httpMethod],
  ['requestClientApplication', SET.userAgent],
  ['requestContext', SET.referrer],
  ['msg', SET.message],
  ['message', SET.message],
  ['rt', SET.timestamp],
  ['deviceReceiptTime', SET.timestamp],
  ['start', SET.eventStart],
  ['startTime', SET.eventStart],
  ['end', SET.eventEnd],
  ['endTime', SET.eventEnd],
  ['in', SET.sourceBytes],
  ['bytesIn', SET.sourceBytes],
  ['out', SET.destinationBytes],
  ['bytesOut', SET.destinationBytes],
  ['fname', SET.fileName],
  ['fileName', SET.fileName],
  ['filePath', SET.filePath],
  ['fileHash', SET.fileHash],
  ['fsize', SET.fileSize],
  ['fileSize', SET.fileSize],
  ['outcome', SET.outcome],
  ['reason', SET.reason],
  ['deviceExternalId', SET.observerName],
  ['dvc', SET.observerIp],
  ['deviceAddress', SET.observerIp],
  ['dvchost', SET.observerHostname],
  ['deviceHostName', SET.observerHostname],
  ['deviceInboundInterface', SET.ingressInterface],
  ['deviceOutboundInterface', SET.egressInterface],
  ['deviceDirection', SET.direction],
  ['cat', SET.ruleCategory],
  ['deviceEventCategory', SET.ruleCategory],
]);

// CEF spec severity words, each read as the top of its 0-10 band.
const SEVERITY_WORDS: ReadonlyMap<string, number> = new Map([
  ['low', 3],
  ['medium', 6],
  ['high', 8],
  ['very-high', 10],
  ['very high', 10],
]);

/** A custom field (`cs1`) or the companion key that names it (`cs1Label`). */
interface CustomSlot {
  base: string;
  isLabel: boolean;
}

const CUSTOM_BASES = [
  ...numbered('cs', 6),
  ...numbered('cn', 3),
  ...numbered('cfp', 4),
  ...numbered('c6a', 4),
  ...numbered('flexString', 2),
  ...numbered('flexNumber', 2),
  'flexDate1',
  ...numbered('deviceCustomString', 6),
  ...numbered('deviceCustomNumber', 3),
  ...numbered('deviceCustomFloatingPoint', 4),
  ...numbered('deviceCustomIPv6Address', 4),
  ...numbered('deviceCustomDate', 2),
];

function numbered(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}

// One lookup per extension key: an ECS setter, or a custom-field slot.
const CEF_KEYS: ReadonlyMap<string, FieldSetter | CustomSlot> = new Map<string, FieldSetter | CustomSlot>([
  ...CEF_FIELDS,
  ...CUSTOM_BASES.flatMap((base): [string, CustomSlot][] => [
    [base, { base, isLabel: false }],
    [`${base}Label`, { base, isLabel: true }],
  ]),
]);

/**
 * CEF (ArcSight Common Event Format) records to ECS: the header to `observer.vendor/product/
 * version`, `event.code` (signature id), `rule.name` (name) and `event.severity` (0-10, or the
 * Low/Medium/High/Very-High words); the common extension keys to ECS; `csN` custom strings to
 * `labels` under their `csNLabel` names; every other key to `labels`. The record may follow a
 * syslog-style prefix in the message.
 */
export const cefParser: MessageParser = {
  name: 'cef',
  programs: [],
  probe: (message) => findRecord(message, 'CEF:') >= 0,
  parse(message) {
    const at = findRecord(message, 'CEF:');
    return at < 0 ? null : parseCef(message, at + 4);
  },
};

function parseCef(message: string, start: number): EcsEvent | null {
  const header = readPipeHeader(message, start, 7);
  if (!header) return null;
  const [version, vendor, product, deviceVersion, signature, name, severity] = header.fields as [string, string, string, string, string, string, string];
  if (parseUint(version.trim()) < 0) return null;
  const b = new EventBuilder('cef', 'cef.log');
  const observer = b.observer();
  if (vendor) observer.vendor = vendor;
  if (product) observer.product = product;
  if (deviceVersion) observer.version = deviceVersion;
  if (signature) b.event().code = signature;
  if (name) {
    b.rule().name = name;
    b.message(name);
  }
  applySeverity(b, severity.trim());
  let values: Map<string, string> | undefined;
  let names: Map<string, string> | undefined;
  scanCefExtension(message, header.end, (key, value) => {
    if (value.length === 0) return;
    const target = CEF_KEYS.get(key);
    if (target === undefined) b.label(key, value);
    else if (typeof target === 'function') {
      if (!target(b, value)) b.label(key, value);
    } else if (target.isLabel) (names ??= new Map()).set(target.base, value);
    else (values ??= new Map()).set(target.base, value);
  });
  if (values) applyCustom(b, values, names);
  finishNetwork(b);
  return b.build();
}

function applySeverity(b: EventBuilder, severity: string): void {
  const number = parseUint(severity);
  if (number >= 0 && number <= 10) {
    b.event().severity = number;
    return;
  }
  const word = SEVERITY_WORDS.get(severity.toLowerCase());
  if (word !== undefined) b.event().severity = word;
  else if (severity.length > 0 && severity.toLowerCase() !== 'unknown') b.label('severity', severity);
}

/** `cs1=EICAR cs1Label=Virus Name` → `labels.Virus_Name = EICAR`; a value without a label keeps its key. */
function applyCustom(b: EventBuilder, values: Map<string, string>, names: Map<string, string> | undefined): void {
  for (const [base, value] of values) {
    const name = names?.get(base);
    b.label((name !== undefined ? labelKey(name) : null) ?? base, value);
  }
}
