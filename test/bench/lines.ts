/**
 * The benchmark line mix: syslog lines weighted like a Linux and web estate (web access,
 * sshd/PAM, sudo/su/cron/systemd, firewall, auditd, CEF/LEEF/kv appliances, JSON, other), made
 * from the edge's fixture files (`mix-sources.ts`) with RFC 3164 and RFC 5424 headers, thousands
 * of hosts, random addresses, ports and users, so no cache sees the same line twice.
 * Deterministic: the same seed gives the same lines.
 *
 *   node test/bench/lines.ts [count] [seed]     print lines, with the family counts on stderr
 */
import { FAMILIES, FAMILY_MIX, loadMixSources, type Family, type MixSources, type Template } from './mix-sources.ts';

/** One generated line and where it came from. */
export interface MixLine {
  family: Family;
  source: string;
  line: string;
}

/** Share of RFC 5424 headers; the rest get RFC 3164 headers (what rsyslog forwards by default). */
const RFC5424_SHARE = 0.35;
const HOSTS_PER_ROLE = 400;
const USER_POOL = 5_000;
const START_MS = Date.parse('2026-11-24T10:00:00.000Z');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ROLES: Record<Family, string[]> = {
  web: ['web', 'lb', 'proxy', 'cdn-edge'],
  auth: ['bastion', 'web', 'db', 'app', 'k8s-node'],
  system: ['web', 'db', 'app', 'k8s-node', 'build'],
  firewall: ['fw', 'gw', 'router'],
  auditd: ['db', 'app', 'bastion', 'k8s-node'],
  appliance: ['fgt', 'pan', 'asa', 'ids', 'waf'],
  json: ['app', 'api', 'worker'],
  other: ['web', 'db', 'app', 'nas', 'printer', 'switch'],
};
// Bare format lines get a facility a device would use: local7 for web servers, local4 for appliances.
const BARE_PRIORITY: Partial<Record<Family, number>> = { web: 190, appliance: 166, json: 134, other: 134 };
const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'yusuf'];
const LAST = ['smith', 'jones', 'garcia', 'mueller', 'rossi', 'dubois', 'tanaka', 'kowalski', 'silva', 'nguyen', 'okafor', 'larsen', 'novak', 'ivanova', 'haddad'];
const SERVICE = ['svc-backup', 'svc-deploy', 'jenkins', 'ansible', 'postgres', 'www-data', 'nagios', 'gitlab-runner'];
const IPV4 = /\b(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\b/g;
const SOURCE_PORT = /\b(port |SPT=|spt=|srcport=|sport=|(?:\d{1,3}\.){3}\d{1,3}:)(\d{4,5})\b/g;

/** A small seeded generator (mulberry32): fast, and the same sequence for the same seed. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** An item chosen with probability proportional to `weight(item)`. */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    const total = items.reduce((sum, item) => sum + weight(item), 0);
    let point = this.next() * total;
    for (const item of items) {
      point -= weight(item);
      if (point < 0) return item;
    }
    return items[items.length - 1]!;
  }
}

/** Generates `count` lines of the mix; each family's share follows `FAMILY_MIX`. */
export function generateMix(count: number, seed = 1, sources: MixSources = loadMixSources()): MixLine[] {
  const rng = new Rng(seed);
  const users = userPool(rng);
  const families = FAMILIES.map((family) => ({ family, weight: FAMILY_MIX[family].weight }));
  const lines: MixLine[] = [];
  let clockMs = START_MS;
  for (let i = 0; i < count; i++) {
    const { family } = rng.weighted(families, (entry) => entry.weight);
    const source = rng.weighted(sources.families.get(family)!, (entry) => entry.weight);
    const template = rng.pick(source.templates);
    // About 20,000 lines per second of source time, so one second holds many lines.
    clockMs += rng.int(100) === 0 ? 5 : 0;
    lines.push({ family, source: template.source, line: render(template, rng, users, clockMs) });
  }
  return lines;
}

/** The lines as one RFC 6587 octet-counted stream (`<length> <line>` each). */
export function octetCounted(lines: readonly string[]): Buffer {
  return Buffer.concat(lines.map((line) => Buffer.from(`${Buffer.byteLength(line)} ${line}`)));
}

function render(template: Template, rng: Rng, users: readonly string[], clockMs: number): string {
  const text = vary(template, rng, users);
  const host = hostName(template.family, rng);
  if (template.header) return header(template.header.priority, template.header.program, template.header.pid === undefined ? undefined : randomPid(rng), host, clockMs, rng) + text;
  if (template.bare) {
    const priority = BARE_PRIORITY[template.family] ?? 134;
    const { program } = template.bare;
    if (program) return header(priority, program, randomPid(rng), host, clockMs, rng) + text;
    return rng.next() < RFC5424_SHARE ? `<${priority}>1 ${new Date(clockMs).toISOString()} ${host} - - - - ${text}` : `<${priority}>${bsdTime(clockMs)} ${host} ${text}`;
  }
  return text;
}

/** An RFC 3164 or RFC 5424 header ending in the space before the message; no pid when the program logs none (kernel). */
function header(priority: number, program: string, pid: string | undefined, host: string, clockMs: number, rng: Rng): string {
  if (rng.next() < RFC5424_SHARE) return `<${priority}>1 ${new Date(clockMs).toISOString()} ${host} ${program} ${pid ?? '-'} - - `;
  return `<${priority}>${bsdTime(clockMs)} ${host} ${program}${pid === undefined ? '' : `[${pid}]`}: `;
}

function randomPid(rng: Rng): string {
  return String(300 + rng.int(60_000));
}

function bsdTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

/** The fixture text with other addresses, source ports and users. */
function vary(template: Template, rng: Rng, users: readonly string[]): string {
  let text = template.text.replace(IPV4, () => randomIpv4(rng)).replace(SOURCE_PORT, (_match, prefix: string) => `${prefix}${1024 + rng.int(64_000)}`);
  for (const user of template.users) {
    // root stays root most of the time, as it does in real logs.
    if (user === 'root' && rng.next() < 0.7) continue;
    const replacement = rng.pick(users);
    text = text.replace(new RegExp(`(?<![\\w.-])${user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g'), replacement);
  }
  return text;
}

function randomIpv4(rng: Rng): string {
  const kind = rng.int(10);
  if (kind < 4) return `10.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
  if (kind < 5) return `192.168.${rng.int(256)}.${1 + rng.int(254)}`;
  return `${1 + rng.int(223)}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
}

function hostName(family: Family, rng: Rng): string {
  const name = `${rng.pick(ROLES[family])}-${String(1 + rng.int(HOSTS_PER_ROLE)).padStart(3, '0')}`;
  return rng.next() < 0.3 ? `${name}.${rng.pick(['prod', 'stage', 'dmz', 'corp'])}.example.net` : name;
}

function userPool(rng: Rng): string[] {
  const users = [...SERVICE];
  while (users.length < USER_POOL) {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const style = rng.int(3);
    users.push(style === 0 ? `${first[0]}${last}${rng.int(100)}` : style === 1 ? `${first}.${last}` : `${first}${rng.int(1000)}`);
  }
  return users;
}

if (import.meta.main) {
  const count = Number(process.argv[2] ?? 1_000);
  const seed = Number(process.argv[3] ?? 1);
  const sources = loadMixSources();
  const lines = generateMix(count, seed, sources);
  for (const { line } of lines) process.stdout.write(`${line}\n`);
  const perFamily = new Map<string, number>();
  for (const { family } of lines) perFamily.set(family, (perFamily.get(family) ?? 0) + 1);
  process.stderr.write(`${[...perFamily].map(([family, n]) => `${family} ${((100 * n) / count).toFixed(1)}%`).join(', ')}\n`);
  if (sources.unplaced.length > 0) process.stderr.write(`fixture files without a family (counted as other): ${sources.unplaced.join(', ')}\n`);
}
