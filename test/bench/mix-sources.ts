import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../e2e/harness.ts';

/**
 * The raw material of the benchmark line mix: every fixture line under
 * `packages/edge/testdata/**`, grouped into the families a Linux and web estate sends. New cases
 * in a listed file join the mix on their own; a new file that is not listed joins `other` (and
 * is named in `unplaced`) until someone gives it a family here.
 */

export const TESTDATA_DIR = join(REPO_ROOT, 'packages/edge/testdata');

export type Family = 'web' | 'auth' | 'system' | 'firewall' | 'auditd' | 'appliance' | 'json' | 'other';

/** Share of each family in the mix (percent) and the weight of each fixture file inside it. */
export const FAMILY_MIX: Readonly<Record<Family, { weight: number; sources: Readonly<Record<string, number>> }>> = {
  web: { weight: 30, sources: { 'parsers/formats/web-access.json': 70, 'parsers/formats/haproxy.json': 20, 'parsers/formats/web-error.json': 10 } },
  auth: { weight: 15, sources: { 'sshd.json': 45, 'parsers/system/pam.json': 25, 'auth.log': 20, 'sshd-unknown.log': 10 } },
  system: {
    weight: 10,
    sources: { 'parsers/system/cron.json': 35, 'parsers/system/sudo.json': 30, 'parsers/system/systemd.json': 20, 'parsers/system/su.json': 10, 'parsers/system/accounts.json': 5 },
  },
  firewall: { weight: 10, sources: { 'parsers/system/netfilter.json': 100 } },
  auditd: { weight: 10, sources: { 'parsers/system/auditd.json': 100 } },
  appliance: { weight: 10, sources: { 'parsers/formats/kv.json': 45, 'parsers/formats/cef.json': 40, 'parsers/formats/leef.json': 15 } },
  json: { weight: 5, sources: { 'parsers/formats/json.json': 100 } },
  // Lines no parser owns: generic programs, odd headers, and the format cases a parser must refuse.
  other: { weight: 10, sources: { 'rfc3164.json': 35, 'rfc5424.json': 35, rejected: 30 } },
};

export const FAMILIES = Object.keys(FAMILY_MIX) as Family[];

/** A syslog header taken apart, so the generator can give the line another host, time and header format. */
export interface Header {
  priority: number;
  program: string;
  pid?: string;
}

/** One fixture line as the generator varies it. */
export interface Template {
  family: Family;
  /** The fixture file (relative to testdata), or `rejected` for refused format cases. */
  source: string;
  /** The message after the header (`body`), or the whole line when `header` is absent and `bare` is false. */
  text: string;
  /** Present when the fixture line had a plain RFC 3164/5424 header that can be rewritten. */
  header?: Header;
  /** A bare format line (no header in the fixture): the generator adds one, with this program when set. */
  bare?: { program?: string };
  /** User names the fixture expects, so the generator can swap them for others. */
  users: string[];
}

/** The templates of the mix, per family and source, and the fixture files no family lists. */
export interface MixSources {
  families: Map<Family, { source: string; weight: number; templates: Template[] }[]>;
  unplaced: string[];
}

interface FixtureCase {
  line?: unknown;
  program?: unknown;
  expect?: unknown;
}

// <PRI>Mmm dd hh:mm:ss host tag[pid]: message
const RFC3164 = /^<(\d{1,3})>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ ([A-Za-z][\w./-]*)(?:\[(\d+)\])?: (.*)$/s;
// <PRI>1 timestamp host app procid msgid - message (no structured data)
const RFC5424 = /^<(\d{1,3})>1 \S+ \S+ (\S+) (\S+) \S+ - (?:\uFEFF)?(.*)$/s;
// Accounts every machine has; a real estate logs these names, not random ones.
const KEEP_USERS = new Set(['root', 'nobody', 'www-data']);
const USER_FIELDS = ['user.name', 'user.effective.name', 'user.target.name', 'source.user.name', 'destination.user.name', 'related.user'];

/** Reads every fixture file and sorts its lines into families. */
export function loadMixSources(dir: string = TESTDATA_DIR): MixSources {
  const families = new Map<Family, { source: string; weight: number; templates: Template[] }[]>();
  const bySource = new Map<string, { family: Family; weight: number; templates: Template[] }>();
  for (const family of FAMILIES) {
    const entries = Object.entries(FAMILY_MIX[family].sources).map(([source, weight]) => ({ source, weight, templates: [] as Template[] }));
    families.set(family, entries);
    for (const entry of entries) bySource.set(entry.source, { family, weight: entry.weight, templates: entry.templates });
  }
  const unplaced: string[] = [];
  const seenUsers = new Map<string, number>();
  for (const file of listFiles(dir)) {
    const source = relative(dir, file);
    let place = bySource.get(source);
    if (!place) {
      unplaced.push(source);
      const entry = { source, weight: 10, templates: [] as Template[] };
      families.get('other')!.push(entry);
      place = { family: 'other', weight: entry.weight, templates: entry.templates };
      bySource.set(source, place);
    }
    const bare = source.startsWith('parsers/formats/');
    for (const fixture of readFixture(file)) {
      if (typeof fixture.line !== 'string' || fixture.line === '') continue;
      const program = typeof fixture.program === 'string' ? fixture.program : undefined;
      const refused = bare && fixture.expect === null;
      const users = usersOf(fixture);
      for (const user of users) seenUsers.set(user, (seenUsers.get(user) ?? 0) + 1);
      const template = toTemplate(refused ? 'other' : place.family, refused ? 'rejected' : source, fixture.line, bare ? { program } : undefined, users);
      (refused ? bySource.get('rejected')!.templates : place.templates).push(template);
    }
  }
  // The lines without expectations (.log files) name the same people: swap the common names everywhere.
  const common = [...seenUsers].filter(([name, count]) => count >= 2 && /^[a-z][a-z0-9._-]+$/.test(name) && !KEEP_USERS.has(name)).map(([name]) => name);
  for (const entries of families.values()) {
    for (const { templates } of entries) for (const template of templates) template.users = [...new Set([...template.users, ...common])];
  }
  for (const [family, entries] of families) {
    const kept = entries.filter((entry) => entry.templates.length > 0);
    if (kept.length === 0) throw new Error(`no fixture lines for the ${family} family under ${dir}`);
    families.set(family, kept);
  }
  return { families, unplaced };
}

function toTemplate(family: Family, source: string, line: string, bare: { program?: string } | undefined, users: string[]): Template {
  if (bare) return { family, source, text: line, bare, users };
  const old = RFC3164.exec(line);
  if (old) return { family, source, text: old[4]!, header: { priority: Number(old[1]), program: old[2]!, ...(old[3] && { pid: old[3] }) }, users };
  const modern = RFC5424.exec(line);
  if (modern && modern[2] !== '-') {
    return { family, source, text: modern[4]!, header: { priority: Number(modern[1]), program: modern[2]!, ...(/^\d+$/.test(modern[3]!) && { pid: modern[3] }) }, users };
  }
  // An unusual header (no PRI, Cisco, ISO time in RFC 3164, structured data) is the point of the line: keep it whole.
  return { family, source, text: line, users };
}

function usersOf(fixture: FixtureCase): string[] {
  const expect = fixture.expect;
  if (!expect || typeof expect !== 'object') return [];
  const found = new Set<string>();
  for (const field of USER_FIELDS) {
    const value = (expect as Record<string, unknown>)[field];
    for (const name of Array.isArray(value) ? value : [value]) if (typeof name === 'string' && name.length >= 3) found.add(name);
  }
  return [...found];
}

function readFixture(file: string): FixtureCase[] {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.log')) return text.split('\n').filter((line) => line.trim() !== '').map((line) => ({ line }));
  const parsed = JSON.parse(text) as unknown;
  const cases = Array.isArray(parsed) ? parsed : (parsed as { cases?: unknown }).cases;
  return Array.isArray(cases) ? (cases as FixtureCase[]) : [];
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : /\.(json|log)$/.test(entry.name) ? [join(dir, entry.name)] : []))
    .sort();
}
