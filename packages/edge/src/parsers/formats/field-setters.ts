import type { EventBuilder } from './event-builder.ts';
import { isIpAddress, parseUint } from './event-builder.ts';
import { applyUrl } from './http-fields.ts';
import { parseDeviceTime } from './time.ts';

/**
 * Writes one vendor field's value into ECS. Returns false when the value does not fit the ECS
 * field (`src=not-an-ip`, `spt=99999`); the caller then keeps it in `labels` under its own key.
 */
export type FieldSetter = (b: EventBuilder, value: string) => boolean;

// IANA protocol numbers seen in firewall logs, with their ECS `network.transport` names.
const TRANSPORT_BY_NUMBER: ReadonlyMap<string, string> = new Map([
  ['1', 'icmp'],
  ['2', 'igmp'],
  ['6', 'tcp'],
  ['17', 'udp'],
  ['41', 'ipv6'],
  ['47', 'gre'],
  ['50', 'esp'],
  ['51', 'ah'],
  ['58', 'ipv6-icmp'],
  ['89', 'ospf'],
  ['112', 'vrrp'],
  ['132', 'sctp'],
]);
const NUMBER_BY_TRANSPORT: ReadonlyMap<string, string> = new Map([...TRANSPORT_BY_NUMBER].map(([number, name]) => [name, number]));
const TRANSPORT_NAME = /^[a-z][a-z0-9-]{0,15}$/;

const ALLOWED_ACTIONS: ReadonlySet<string> = new Set(['accept', 'accepted', 'allow', 'allowed', 'pass', 'passed', 'permit', 'permitted', 'close', 'timeout', 'server-rst', 'client-rst', 'start']);
const DENIED_ACTIONS: ReadonlySet<string> = new Set(['deny', 'denied', 'drop', 'dropped', 'block', 'blocked', 'reject', 'rejected', 'reset', 'reset-both', 'reset-client', 'reset-server']);
const SUCCESS: ReadonlySet<string> = new Set(['success', 'succeeded', 'successful', 'ok', 'allowed', 'accepted']);
const FAILURE: ReadonlySet<string> = new Set(['failure', 'failed', 'fail', 'error', 'denied', 'blocked', 'rejected']);

/** What a firewall action says about the connection, for `event.type`. */
export function actionType(action: string): 'allowed' | 'denied' | undefined {
  const lower = action.toLowerCase();
  if (ALLOWED_ACTIONS.has(lower)) return 'allowed';
  if (DENIED_ACTIONS.has(lower)) return 'denied';
  return undefined;
}

function transport(b: EventBuilder, value: string): boolean {
  const network = b.network();
  const byNumber = TRANSPORT_BY_NUMBER.get(value);
  if (byNumber) {
    network.iana_number = value;
    network.transport = byNumber;
    return true;
  }
  const number = parseUint(value);
  if (number >= 0 && number <= 255) {
    network.iana_number = String(number);
    return true;
  }
  const name = value.toLowerCase();
  if (!TRANSPORT_NAME.test(name)) return false;
  network.transport = name;
  const iana = NUMBER_BY_TRANSPORT.get(name);
  if (iana) network.iana_number = iana;
  return true;
}

function outcome(b: EventBuilder, value: string): boolean {
  const lower = (value.charCodeAt(0) === 0x2f /* / */ ? value.slice(1) : value).toLowerCase();
  if (SUCCESS.has(lower)) b.event().outcome = 'success';
  else if (FAILURE.has(lower)) b.event().outcome = 'failure';
  else if (lower === 'unknown') b.event().outcome = 'unknown';
  else return false;
  return true;
}

function user(side: 'source' | 'destination', b: EventBuilder, value: string): boolean {
  const endpoint = side === 'source' ? b.source() : b.destination();
  endpoint.user = { ...endpoint.user, name: value };
  // The acting user is the source's; the destination's is who was acted on.
  if (side === 'source') b.user().name = value;
  b.relatedUser(value);
  return true;
}

function hash(b: EventBuilder, value: string): boolean {
  const lower = value.toLowerCase();
  if (!/^[0-9a-f]+$/.test(lower)) return false;
  const algorithm = ({ 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' } as const)[lower.length as 32 | 40 | 64 | 128];
  if (!algorithm) return false;
  const file = b.file();
  file.hash = { ...file.hash, [algorithm]: lower };
  b.relatedHash(lower);
  return true;
}

function direction(b: EventBuilder, value: string): boolean {
  const lower = value.toLowerCase();
  const mapped =
    lower === '0' || lower === 'inbound' || lower === 'in' || lower === 'incoming' ? 'inbound' : lower === '1' || lower === 'outbound' || lower === 'out' || lower === 'outgoing' ? 'outbound' : lower === 'internal' || lower === 'external' ? lower : undefined;
  if (!mapped) return false;
  b.network().direction = mapped;
  return true;
}

/** The ECS targets vendor fields are mapped to; each format's table maps its own keys onto these. */
export const SET = {
  sourceIp: (b, v) => b.ip(b.source(), v),
  sourceAddress: (b, v) => (b.address(b.source(), v), true),
  sourcePort: (b, v) => b.port(b.source(), v),
  sourceMac: (b, v) => ((b.source().mac = v), true),
  sourceDomain: (b, v) => ((b.source().domain = v), b.relatedHost(v), true),
  sourceUser: (b, v) => user('source', b, v),
  sourceUserId: (b, v) => ((b.source().user = { ...b.source().user, id: v }), true),
  sourceBytes: (b, v) => setCount(v, (n) => (b.source().bytes = n)),
  sourcePackets: (b, v) => setCount(v, (n) => (b.source().packets = n)),
  sourceNatIp: (b, v) => natIp(b, 'source', v),
  sourceNatPort: (b, v) => setPort(v, (n) => (b.source().nat = { ...b.source().nat, port: n })),
  destinationIp: (b, v) => b.ip(b.destination(), v),
  destinationAddress: (b, v) => (b.address(b.destination(), v), true),
  destinationPort: (b, v) => b.port(b.destination(), v),
  destinationMac: (b, v) => ((b.destination().mac = v), true),
  destinationDomain: (b, v) => ((b.destination().domain = v), b.relatedHost(v), true),
  destinationUser: (b, v) => user('destination', b, v),
  destinationUserId: (b, v) => ((b.destination().user = { ...b.destination().user, id: v }), true),
  destinationBytes: (b, v) => setCount(v, (n) => (b.destination().bytes = n)),
  destinationPackets: (b, v) => setCount(v, (n) => (b.destination().packets = n)),
  destinationNatIp: (b, v) => natIp(b, 'destination', v),
  destinationNatPort: (b, v) => setPort(v, (n) => (b.destination().nat = { ...b.destination().nat, port: n })),
  userName: (b, v) => ((b.user().name = v), b.relatedUser(v), true),
  action: (b, v) => ((b.event().action = v), true),
  outcome,
  reason: (b, v) => ((b.event().reason = v), true),
  eventCode: (b, v) => ((b.event().code = v), true),
  severity: (b, v) => setCount(v, (n) => (b.event().severity = n)),
  logLevel: (b, v) => ((b.log().level = v.toLowerCase()), true),
  message: (b, v) => (b.message(v), true),
  timestamp: (b, v) => setTime(v, (iso) => b.timestamp(iso)),
  eventStart: (b, v) => setTime(v, (iso) => (b.event().start = iso)),
  eventEnd: (b, v) => setTime(v, (iso) => (b.event().end = iso)),
  transport,
  protocol: (b, v) => ((b.network().protocol = v.toLowerCase()), true),
  application: (b, v) => ((b.network().application = v.toLowerCase()), true),
  direction,
  networkBytes: (b, v) => setCount(v, (n) => (b.network().bytes = n)),
  networkPackets: (b, v) => setCount(v, (n) => (b.network().packets = n)),
  url: (b, v) => (applyUrl(b, v), true),
  urlDomain: (b, v) => ((b.url().domain = v), true),
  httpMethod: (b, v) => ((b.http().request = { ...b.http().request, method: v }), true),
  referrer: (b, v) => ((b.http().request = { ...b.http().request, referrer: v }), true),
  userAgent: (b, v) => ((b.fields.user_agent = { ...b.fields.user_agent, original: v }), true),
  observerIp: (b, v) => observerIp(b, v),
  observerHostname: (b, v) => ((b.observer().hostname = v), true),
  observerName: (b, v) => ((b.observer().name = v), true),
  observerSerial: (b, v) => ((b.observer().serial_number = v), true),
  ingressInterface: (b, v) => ((b.observer().ingress = { ...b.observer().ingress, interface: { name: v } }), true),
  egressInterface: (b, v) => ((b.observer().egress = { ...b.observer().egress, interface: { name: v } }), true),
  ingressZone: (b, v) => ((b.observer().ingress = { ...b.observer().ingress, zone: v }), true),
  egressZone: (b, v) => ((b.observer().egress = { ...b.observer().egress, zone: v }), true),
  fileName: (b, v) => ((b.file().name = v), true),
  filePath: (b, v) => ((b.file().path = v), true),
  fileHash: hash,
  fileSize: (b, v) => setCount(v, (n) => (b.file().size = n)),
  ruleId: (b, v) => ((b.rule().id = v), true),
  ruleName: (b, v) => ((b.rule().name = v), true),
  ruleUuid: (b, v) => ((b.rule().uuid = v), true),
  ruleCategory: (b, v) => ((b.rule().category = v), true),
} satisfies Record<string, FieldSetter>;

function setCount(value: string, set: (n: number) => unknown): boolean {
  const n = parseUint(value);
  if (n < 0) return false;
  set(n);
  return true;
}

function setPort(value: string, set: (n: number) => unknown): boolean {
  const n = parseUint(value);
  if (n < 0 || n > 65535) return false;
  set(n);
  return true;
}

function setTime(value: string, set: (iso: string) => unknown): boolean {
  const iso = parseDeviceTime(value);
  if (iso === null) return false;
  set(iso);
  return true;
}

function natIp(b: EventBuilder, side: 'source' | 'destination', value: string): boolean {
  if (!isIpAddress(value)) return false;
  const endpoint = side === 'source' ? b.source() : b.destination();
  endpoint.nat = { ...endpoint.nat, ip: value };
  b.relatedIp(value);
  return true;
}

function observerIp(b: EventBuilder, value: string): boolean {
  if (!isIpAddress(value)) return false;
  const observer = b.observer();
  observer.ip = [...(observer.ip ?? []), value];
  b.relatedIp(value);
  return true;
}
