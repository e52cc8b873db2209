import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { EventBuilder, parseUint } from './event-builder.ts';
import { SET, type FieldSetter } from './field-setters.ts';
import { scanKv } from './kv-scanner.ts';
import { finishNetwork } from './network-finish.ts';
import { parseEpoch, parseIsoTime } from './time.ts';

const L7_NAME = /^[A-Za-z][A-Za-z0-9-]{0,15}$/;
const WORD = /^[A-Za-z][A-Za-z-]{0,15}$/;

// Keys firewalls and appliances use (FortiGate, Palo Alto, Juniper, Sophos, generic) to ECS.
const KV_FIELDS: ReadonlyMap<string, FieldSetter> = new Map([
  ...keys(['src', 'srcip', 'src_ip', 'source_ip', 'sip', 'srcaddr', 'src_addr'], SET.sourceIp),
  ...keys(['dst', 'dstip', 'dst_ip', 'destination_ip', 'dip', 'dstaddr', 'dst_addr'], SET.destinationIp),
  ...keys(['srcport', 'sport', 'src_port', 'spt', 'source_port'], SET.sourcePort),
  ...keys(['dstport', 'dport', 'dst_port', 'dpt', 'destination_port'], SET.destinationPort),
  ...keys(['srcmac', 'src_mac', 'smac'], SET.sourceMac),
  ...keys(['dstmac', 'dst_mac', 'dmac'], SET.destinationMac),
  ...keys(['srcname', 'src_host', 'shost'], SET.sourceDomain),
  ...keys(['dstname', 'dst_host', 'dhost'], SET.destinationDomain),
  ...keys(['user', 'srcuser', 'src_user', 'username', 'usrname', 'suser', 'unauthuser'], SET.sourceUser),
  ...keys(['dstuser', 'dst_user', 'duser'], SET.destinationUser),
  ...keys(['proto', 'protocol', 'ipproto', 'ip_proto'], SET.transport),
  ...keys(['action', 'act'], SET.action),
  ...keys(['app', 'application'], SET.application),
  ...keys(['rule', 'rulename', 'rule_name', 'policyname', 'policy_name', 'policy'], SET.ruleName),
  ...keys(['ruleid', 'rule_id', 'policyid', 'policy_id'], SET.ruleId),
  ...keys(['poluuid', 'rule_uuid'], SET.ruleUuid),
  ...keys(['sentbyte', 'sentbytes', 'bytes_sent', 'sent_bytes'], SET.sourceBytes),
  ...keys(['rcvdbyte', 'rcvdbytes', 'bytes_recv', 'bytes_received', 'rcvd_bytes'], SET.destinationBytes),
  ...keys(['sentpkt', 'packets_sent'], SET.sourcePackets),
  ...keys(['rcvdpkt', 'packets_received'], SET.destinationPackets),
  ...keys(['bytes'], SET.networkBytes),
  ...keys(['packets'], SET.networkPackets),
  ...keys(['devname', 'device_name', 'dvchost'], SET.observerName),
  ...keys(['devid', 'serial', 'device_id'], SET.observerSerial),
  ...keys(['srcintf', 'src_intf', 'inbound_if', 'in_if'], SET.ingressInterface),
  ...keys(['dstintf', 'dst_intf', 'outbound_if', 'out_if'], SET.egressInterface),
  ...keys(['srczone', 'src_zone', 'from_zone'], SET.ingressZone),
  ...keys(['dstzone', 'dst_zone', 'to_zone'], SET.egressZone),
  ...keys(['transip'], SET.sourceNatIp),
  ...keys(['transport'], SET.sourceNatPort),
  ...keys(['tranip'], SET.destinationNatIp),
  ...keys(['tranport'], SET.destinationNatPort),
  ...keys(['level', 'loglevel', 'log_level'], SET.logLevel),
  ...keys(['msg', 'message'], SET.message),
  ...keys(['reason'], SET.reason),
  ...keys(['logid', 'log_id', 'eventid', 'event_id'], SET.eventCode),
  ...keys(['direction', 'dir'], SET.direction),
  ...keys(['url'], SET.url),
  ...keys(['method', 'http_method'], SET.httpMethod),
  ...keys(['agent', 'useragent', 'user_agent'], SET.userAgent),
  ...keys(['referer', 'referrer', 'referralurl'], SET.referrer),
  ...keys(['filename', 'file_name'], SET.fileName),
  ['service', (b, v) => L7_NAME.test(v) && SET.protocol(b, v)],
  ['severity', (b, v) => (parseUint(v) >= 0 ? SET.severity(b, v) : WORD.test(v) && SET.logLevel(b, v))],
  ['srccountry', (b, v) => country(b.source(), v)],
  ['dstcountry', (b, v) => country(b.destination(), v)],
]);

function keys(names: readonly string[], setter: FieldSetter): [string, FieldSetter][] {
  return names.map((name) => [name, setter]);
}

function country(endpoint: NonNullable<EcsEvent['source']>, value: string): boolean {
  // FortiGate writes `Reserved` for private and special-purpose addresses.
  if (value === 'Reserved') return false;
  endpoint.geo = { ...endpoint.geo, country_name: value };
  return true;
}

// A kv record starts with three pairs: bare, empty or quoted values.
const PROBE = /^[A-Za-z_][\w.-]{0,63}=(?:"[^"]*"|\S*) [A-Za-z_][\w.-]{0,63}=(?:"[^"]*"|\S*) [A-Za-z_][\w.-]{0,63}=/;

/**
 * Generic `key=value` records (FortiGate, Palo Alto, Juniper, Sophos and other appliances) to
 * ECS: addresses, ports, users, protocol (an IANA number also gives the transport name),
 * action (`event.type` allowed/denied), rule/policy, bytes and packets, the device
 * (`observer.name`, `serial_number`, ingress/egress interfaces and zones), NAT, level,
 * message, and the time from FortiOS `eventtime` or `date`+`time`+`tz`. Other keys go to
 * `labels`. Tried last among content probes: only records that start with three pairs.
 */
export const kvParser: MessageParser = {
  name: 'kv',
  programs: [],
  probe: (message) => PROBE.test(message),
  parse(message) {
    const b = new EventBuilder('kv', 'kv.log');
    const time: { date?: string; time?: string; tz?: string; eventtime?: string } = {};
    const pairs = scanKv(message, (key, value) => {
      if (value.length === 0) return;
      if (key === 'date' || key === 'time' || key === 'tz' || key === 'eventtime') {
        time[key] = value;
        return;
      }
      const setter = KV_FIELDS.get(key);
      if (!setter || !setter(b, value)) b.label(key, value);
    });
    if (pairs === 0) return null;
    applyTime(b, time);
    const observer = b.fields.observer;
    if (observer?.serial_number?.startsWith('FG') && b.fields.event?.code !== undefined) {
      observer.vendor = 'Fortinet';
      observer.product = 'FortiGate';
    }
    finishNetwork(b);
    return b.build();
  },
};

function applyTime(b: EventBuilder, time: { date?: string; time?: string; tz?: string; eventtime?: string }): void {
  const fromEpoch = time.eventtime !== undefined ? parseEpoch(time.eventtime) : null;
  if (fromEpoch !== null) {
    b.timestamp(fromEpoch);
    return;
  }
  if (time.date !== undefined && time.time !== undefined) {
    const zone = time.tz === undefined ? '' : time.tz.startsWith('+') || time.tz.startsWith('-') ? time.tz : null;
    const iso = zone === null ? null : parseIsoTime(`${time.date}T${time.time}${zone}`);
    if (iso !== null) {
      b.timestamp(iso);
      return;
    }
  }
  for (const [key, value] of Object.entries(time)) b.label(key, value);
}
