import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { setLabel, type Categorization } from './shared.ts';

const MAC = /^(?:[0-9a-fA-F]{2}:){13}[0-9a-fA-F]{2}$/;
const BLOCK_WORD = /drop|reject|block|den(?:y|ied)/i;
const ALLOW_WORD = /accept|allow|pass|permit/i;
const TCP_FLAGS = new Set(['CWR', 'ECE', 'URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN']);
// Maps, not objects: the keys come from input.
const IANA = new Map(Object.entries({ TCP: '6', UDP: '17', ICMP: '1', ICMPV6: '58', SCTP: '132', UDPLITE: '136', GRE: '47', ESP: '50', AH: '51', IGMP: '2' }));
const TRANSPORT = new Map(Object.entries({ ICMPV6: 'ipv6-icmp', '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'ipv6-icmp', '132': 'sctp', '47': 'gre', '50': 'esp', '51': 'ah', '2': 'igmp' }));

const BLOCKED: Categorization = { action: 'blocked', category: ['network'], type: ['connection', 'denied'] };
const ALLOWED: Categorization = { action: 'allowed', category: ['network'], type: ['connection', 'allowed'] };

/** Length of a leading kernel uptime stamp (`[12345.678901] `, `[    3.141592] `), 0 when there is none. */
export function uptimeLength(message: string): number {
  if (message.charCodeAt(0) !== 0x5b) return 0;
  const close = message.indexOf('] ');
  if (close < 2 || close > 24) return 0;
  for (let i = 1; i < close; i++) {
    const c = message.charCodeAt(i);
    if (c !== 0x20 && c !== 0x2e && (c < 0x30 || c > 0x39)) return 0;
  }
  return close + 2;
}

/** Whether a message looks like a netfilter LOG line: `IN=<iface> OUT=` followed by ` SRC=` (three substring searches). */
export function looksLikeNetfilter(message: string): boolean {
  const out = message.indexOf(' OUT=');
  if (out < 0) return false;
  const inAt = message.lastIndexOf('IN=', out);
  return inAt >= 0 && message.lastIndexOf(' ', out - 1) < inAt && message.indexOf(' SRC=', out) > 0;
}

/**
 * A netfilter LOG line (iptables, ip6tables, nftables `log`, ufw, firewalld) to ECS, or null:
 * `[uptime] PREFIX IN=eth0 OUT= MAC=… SRC=… DST=… LEN=60 … PROTO=TCP SPT=51234 DPT=22 … SYN URGP=0`.
 * The log prefix is `rule.name`; `event.action` is `blocked`/`allowed` when the prefix says so
 * (DROP, REJECT, BLOCK, ACCEPT, ALLOW, …), `logged` for no prefix or `[UFW AUDIT]`, else the prefix.
 */
export function parseNetfilter(message: string): EcsEvent | null {
  const start = uptimeLength(message);
  const out = message.indexOf(' OUT=', start);
  if (out < 0) return null;
  // The prefix may be glued to IN= (`--log-prefix "DROP"` gives `DROPIN=eth0`); IN's value has no spaces.
  const inAt = message.lastIndexOf('IN=', out);
  if (inAt < start) return null;
  const fields = scan(message, inAt);
  if (!fields.src || !fields.dst) return null;
  const prefix = cleanPrefix(message.slice(start, inAt));
  const event = categorize(prefix);
  const source: NonNullable<EcsEvent['source']> = { ip: compactIpv6(fields.src) };
  const destination: NonNullable<EcsEvent['destination']> = { ip: compactIpv6(fields.dst) };
  if (fields.spt) source.port = Number(fields.spt);
  if (fields.dpt) destination.port = Number(fields.dpt);
  if (fields.mac && MAC.test(fields.mac)) {
    destination.mac = fields.mac.slice(0, 17).toUpperCase().replaceAll(':', '-');
    source.mac = fields.mac.slice(18, 35).toUpperCase().replaceAll(':', '-');
  }
  event.source = source;
  event.destination = destination;
  event.related = { ip: source.ip === destination.ip ? [source.ip!] : [source.ip!, destination.ip!] };
  const network: NonNullable<EcsEvent['network']> = { type: source.ip!.includes(':') ? 'ipv6' : 'ipv4' };
  if (fields.proto) {
    const proto = fields.proto.toUpperCase();
    const transport = TRANSPORT.get(proto) ?? (IANA.has(proto) ? proto.toLowerCase() : undefined);
    if (transport) network.transport = transport;
    const iana = IANA.get(proto) ?? (/^\d{1,3}$/.test(proto) ? proto : undefined);
    if (iana) network.iana_number = iana;
  }
  if (fields.len) network.bytes = Number(fields.len);
  if (fields.in && !fields.out) network.direction = 'ingress';
  else if (fields.out && !fields.in) network.direction = 'egress';
  event.network = network;
  const observer: NonNullable<EcsEvent['observer']> = { type: 'firewall', product: prefix.startsWith('[UFW ') ? 'ufw' : 'netfilter' };
  if (fields.in) observer.ingress = { interface: { name: fields.in } };
  if (fields.out) observer.egress = { interface: { name: fields.out } };
  event.observer = observer;
  if (prefix) event.rule = { name: prefix };
  if (fields.uid) event.user = fields.gid ? { id: fields.uid, group: { id: fields.gid } } : { id: fields.uid };
  if (fields.type) setLabel(event, 'icmp_type', fields.type);
  if (fields.code) setLabel(event, 'icmp_code', fields.code);
  if (fields.flags) setLabel(event, 'tcp_flags', fields.flags);
  if (fields.physin) setLabel(event, 'physical_in', fields.physin);
  if (fields.physout) setLabel(event, 'physical_out', fields.physout);
  if (fields.mark) setLabel(event, 'mark', fields.mark);
  return event;
}

/** Netfilter lines chosen by content, from programs other than `kernel` (ulogd, journald forwarders). */
export const netfilterParser: MessageParser = {
  name: 'netfilter',
  programs: [],
  probe: looksLikeNetfilter,
  parse: parseNetfilter,
};

interface PacketFields {
  in?: string;
  out?: string;
  mac?: string;
  src?: string;
  dst?: string;
  len?: string;
  proto?: string;
  spt?: string;
  dpt?: string;
  type?: string;
  code?: string;
  uid?: string;
  gid?: string;
  mark?: string;
  physin?: string;
  physout?: string;
  flags?: string;
}

// One pass over `KEY=value` and bare-flag tokens; stops at `[`, where an ICMP error quotes the offending packet.
function scan(message: string, from: number): PacketFields {
  const fields: PacketFields = {};
  let pos = from;
  const end = message.length;
  let afterProto = false;
  while (pos < end) {
    let stop = message.indexOf(' ', pos);
    if (stop < 0) stop = end;
    if (stop > pos) {
      if (message.charCodeAt(pos) === 0x5b) break;
      const eq = message.indexOf('=', pos);
      if (eq < 0 || eq > stop) {
        if (afterProto) {
          const flag = message.slice(pos, stop);
          if (TCP_FLAGS.has(flag)) fields.flags = fields.flags ? `${fields.flags} ${flag}` : flag;
        }
      } else if (eq < stop) {
        const value = message.slice(eq + 1, stop);
        switch (message.slice(pos, eq)) {
          case 'IN':
            if (value) fields.in = value;
            break;
          case 'OUT':
            if (value) fields.out = value;
            break;
          case 'PHYSIN':
            fields.physin = value;
            break;
          case 'PHYSOUT':
            fields.physout = value;
            break;
          case 'MAC':
            fields.mac = value;
            break;
          case 'SRC':
            fields.src = value;
            break;
          case 'DST':
            fields.dst = value;
            break;
          case 'LEN':
            fields.len ??= value;
            break;
          case 'PROTO':
            fields.proto = value;
            afterProto = true;
            break;
          case 'SPT':
            fields.spt = value;
            break;
          case 'DPT':
            fields.dpt = value;
            break;
          case 'TYPE':
            fields.type = value;
            break;
          case 'CODE':
            fields.code = value;
            break;
          case 'UID':
            fields.uid = value;
            break;
          case 'GID':
            fields.gid = value;
            break;
          case 'MARK':
            fields.mark = value;
            break;
        }
      }
    }
    pos = stop + 1;
  }
  if (fields.src && !isAddress(fields.src)) delete fields.src;
  if (fields.dst && !isAddress(fields.dst)) delete fields.dst;
  if (fields.spt && !isPort(fields.spt)) delete fields.spt;
  if (fields.dpt && !isPort(fields.dpt)) delete fields.dpt;
  if (fields.len && !/^\d{1,6}$/.test(fields.len)) delete fields.len;
  if (fields.uid && !/^\d{1,10}$/.test(fields.uid)) delete fields.uid;
  if (fields.gid && !/^\d{1,10}$/.test(fields.gid)) delete fields.gid;
  return fields;
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
// The kernel prints IPv6 addresses in full: eight groups of four hex digits.
const IPV6_FULL = /^(?:[0-9a-fA-F]{4}:){7}[0-9a-fA-F]{4}$/;

function isAddress(value: string): boolean {
  return IPV4.test(value) || IPV6_FULL.test(value);
}

function isPort(value: string): boolean {
  return value.length <= 5 && /^\d+$/.test(value) && Number(value) <= 65535;
}

function cleanPrefix(raw: string): string {
  let prefix = raw.trim();
  if (prefix.endsWith(':')) prefix = prefix.slice(0, -1).trimEnd();
  return prefix;
}

function categorize(prefix: string): EcsEvent {
  let what: Categorization;
  if (prefix.startsWith('[UFW ') && prefix.includes('AUDIT')) what = { action: 'logged', category: ['network'], type: ['connection'] };
  else if (BLOCK_WORD.test(prefix)) what = BLOCKED;
  else if (ALLOW_WORD.test(prefix)) what = ALLOWED;
  else what = { action: prefix || 'logged', category: ['network'], type: ['connection'] };
  return {
    event: { kind: 'event', category: what.category.slice(), type: what.type.slice(), action: what.action, dataset: 'iptables.log', module: 'iptables' },
  };
}

/** `2001:0db8:0000:0000:0000:0000:0000:0001` → `2001:db8::1` (RFC 5952), so it matches how people write it. */
export function compactIpv6(ip: string): string {
  if (ip.length !== 39) return ip;
  const groups = ip.toLowerCase().split(':');
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; i++) {
    let group = groups[i]!;
    let z = 0;
    while (z < 3 && group.charCodeAt(z) === 0x30) z++;
    group = group.slice(z);
    groups[i] = group;
    if (group === '0') {
      let j = i;
      while (j < 8 && /^0{1,4}$/.test(groups[j]!)) j++;
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
    }
  }
  if (bestLength < 2) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}
