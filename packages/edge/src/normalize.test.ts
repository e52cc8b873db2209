import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getField, validateEvent } from '@vigil/schema';
import { normalizeSyslog, normalizeSyslogLines, quarantineToEvent, type NormalizedSyslog } from './normalize.ts';
import { ParserRegistry } from './parsers/registry.ts';
import { timeZone } from './syslog/time-zone.ts';

interface Case {
  name: string;
  line: string;
  /** Dotted ECS path → expected value; null means the field is absent; "RECEIVED" means the receipt time. */
  expect: Record<string, unknown>;
  /** The edge clock for this line (RFC 3164 year inference); defaults to the file's `now`. */
  now?: string;
  /** `syslog.defaultTimezone`; defaults to UTC. */
  timezone?: string;
  /** Send the line as bytes in this encoding (`latin1` makes 8-bit bytes that are not UTF-8). */
  encoding?: BufferEncoding;
  /** For an unparsed line: the reason counted in vigil_edge_parse_failures_total. */
  failure?: string;
}

const RECEIVED = '2025-03-14T12:00:01.250Z';
// The header fixtures check what the syslog layer does; program parsers have their own tests.
const noParsers = new ParserRegistry([]);
const rfc5424 = JSON.parse(readFileSync(new URL('../testdata/rfc5424.json', import.meta.url), 'utf8')) as Case[];
const rfc3164 = JSON.parse(readFileSync(new URL('../testdata/rfc3164.json', import.meta.url), 'utf8')) as { now: string; cases: Case[] };

function expectFields(c: Case, defaultNow: string): void {
  const raw = c.encoding ? Buffer.from(c.line, c.encoding) : c.line;
  const nowMs = Date.parse(c.now ?? defaultNow);
  const { event, status, detail } = normalizeSyslog(raw, RECEIVED, 'syslog_udp', noParsers, nowMs, { timeZone: timeZone(c.timezone ?? 'UTC') });
  const validation = validateEvent(event);
  expect(validation.ok ? [] : validation.problems).toEqual([]);
  expect(event.event?.original).toBe(c.line);
  expect(event.event?.created).toBe(RECEIVED);
  if (c.failure !== undefined) {
    expect(status).toBe('unparsed');
    expect(detail).toBe(c.failure);
  } else {
    expect(status, JSON.stringify(event.error)).not.toBe('unparsed');
  }
  for (const [path, value] of Object.entries(c.expect)) {
    const actual = getField(event, path);
    if (value === null) expect(actual, path).toBeUndefined();
    else expect(actual, path).toEqual(value === 'RECEIVED' ? RECEIVED : value);
  }
}

describe('RFC 5424 lines', () => {
  it.each(rfc5424.map((c) => [c.name, c] as const))('%s', (_name, c) => expectFields(c, RECEIVED));

  it('reads very long structured data (40 KB, 200 params, escapes) without losing a value', () => {
    const params = Array.from({ length: 200 }, (_, i) => `p${i}="${'v'.repeat(190)}\\"${i}\\]"`).join(' ');
    const line = `<13>1 2025-03-14T11:00:00Z host app - - [big@32473 ${params}][small@32473 n="1"] tail`;
    const { event, status } = normalizeSyslog(line, RECEIVED, 'syslog_tcp', noParsers, Date.parse(RECEIVED));
    expect(status).toBe('parsed');
    const sd = event.log?.syslog?.structured_data;
    expect(Object.keys(sd?.['big@32473'] ?? {})).toHaveLength(200);
    expect(sd?.['big@32473']?.p199).toBe(`${'v'.repeat(190)}"199]`);
    expect(sd?.['small@32473']).toEqual({ n: '1' });
    expect(event.message).toBe('tail');
    expect(validateEvent(event).ok).toBe(true);
  });
});

describe('RFC 3164 lines', () => {
  it.each(rfc3164.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => expectFields(c, rfc3164.now));
});

describe('program parsers after the header', () => {
  it('give Cisco parsers the %FAC-SEV-MNEMONIC tag and keep the header flags when they parse', () => {
    const seen: string[] = [];
    const parsers = new ParserRegistry([
      { name: 'cisco-asa', programs: ['ASA'], probe: () => false, parse: (text) => (seen.push(text), { event: { action: 'connection-built' } }) },
    ]);
    const line = 'Nov 24 2026 10:00:00 fw01 : %ASA-6-302013: Built inbound TCP connection 1';
    const { event, status } = normalizeSyslog(line, RECEIVED, 'syslog_udp', parsers, Date.parse('2026-11-24T12:00:00Z'));
    expect(status).toBe('parsed');
    expect(seen).toEqual(['%ASA-6-302013: Built inbound TCP connection 1']);
    expect(event.message).toBe('Built inbound TCP connection 1');
    expect(event.vigil?.parse).toEqual({ status: 'parsed', parser: 'cisco-asa', flags: ['pri_missing'] });
    expect(event.event).toMatchObject({ action: 'connection-built', code: '302013' });
  });

  it('do not run on -- MARK -- lines', () => {
    const parsers = new ParserRegistry([{ name: 'greedy', programs: [], probe: () => true, parse: () => ({ event: { action: 'guessed' } }) }]);
    const { event } = normalizeSyslog('<46>Mar 14 10:20:00 gw -- MARK --', RECEIVED, 'syslog_udp', parsers, Date.parse(RECEIVED));
    expect(event.event?.action).toBe('syslog_mark');
  });
});

describe('lines received over TLS', () => {
  it('carry the client certificate identity and protocol version, parsed or not', () => {
    const tlsClient = { version: '1.3', subject: 'CN=fw01.example.net, O=Example', commonNames: ['fw01.example.net'] };
    for (const line of ['<13>1 2025-03-14T11:00:00Z fw01 app - - - hello', 'no header at all']) {
      const { event } = normalizeSyslog(line, RECEIVED, 'syslog_tls', noParsers, Date.parse(RECEIVED), { tlsClient });
      expect(validateEvent(event).ok).toBe(true);
      expect(event.tls).toEqual({ version: '1.3', version_protocol: 'tls', client: { subject: 'CN=fw01.example.net, O=Example', x509: { subject: { common_name: ['fw01.example.net'] } } } });
    }
    const anonymous = normalizeSyslog('<13>1 - - - - - - hi', RECEIVED, 'syslog_tls', noParsers, 0, { tlsClient: { version: '1.2' } }).event;
    expect(anonymous.tls).toEqual({ version: '1.2', version_protocol: 'tls' });
  });
});

describe('normalizeSyslogLines', () => {
  /** Every line of the fixtures, interleaved across files, and a few that take the other paths. */
  function fixtureLines(): string[] {
    const files = ['rfc5424.json', 'rfc3164.json', 'sshd.json', ...['formats', 'system'].flatMap((dir) => readdirSync(new URL(`../testdata/parsers/${dir}`, import.meta.url)).map((name) => `parsers/${dir}/${name}`))];
    const perFile = files.map((file) => {
      const parsed = JSON.parse(readFileSync(new URL(`../testdata/${file}`, import.meta.url), 'utf8')) as Case[] | { cases: Case[] };
      return (Array.isArray(parsed) ? parsed : parsed.cases).map((c) => c.line);
    });
    perFile.push(readFileSync(new URL('../testdata/auth.log', import.meta.url), 'utf8').split('\n').filter(Boolean));
    perFile.push(['<13>Mar 14 11:00:00 host -- MARK --', '<38>Mar 14 11:00:00 bastion sshd[1]: message repeated 3 times: [ Failed password for root from 192.0.2.1 port 22 ssh2]', 'no header at all', '<999>bad priority']);
    const lines: string[] = [];
    for (let i = 0; perFile.some((file) => i < file.length); i++) for (const file of perFile) if (i < file.length) lines.push(file[i]!);
    return lines;
  }

  it('gives each line of a read the same result as normalizeSyslog, in the order of the lines', () => {
    const parsers = new ParserRegistry();
    const frames = [...fixtureLines().map((line) => Buffer.from(line)), Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0x41, 0xfc, 0x42])];
    const nowMs = Date.parse(RECEIVED);
    const options = { timeZone: timeZone('Europe/Berlin'), tlsClient: { version: '1.3' } };
    const together: NormalizedSyslog[] = [];
    normalizeSyslogLines(frames, RECEIVED, 'syslog_tls', parsers, nowMs, options, (normalized) => together.push(normalized));
    const oneByOne = frames.map((frame) => normalizeSyslog(frame, RECEIVED, 'syslog_tls', parsers, nowMs, options));
    expect(frames.length).toBeGreaterThan(200);
    expect(new Set(oneByOne.map((result) => result.event.vigil?.parse?.parser)).size).toBeGreaterThan(15);
    expect(together).toEqual(oneByOne);
  });
});

describe('quarantined frames', () => {
  it('keeps the first bytes of an oversized frame with an error that says how much was kept', () => {
    const event = quarantineToEvent({ reason: 'frame_too_large', bytes: Buffer.from('<13>1 - host app - - - aaaa'), size: 70_000 }, 1024, RECEIVED, 'syslog_tcp');
    expect(validateEvent(event).ok).toBe(true);
    expect(event.vigil?.parse?.status).toBe('unparsed');
    expect(event.error?.code).toBe('VIGIL_ERR_EDGE_FRAME_TOO_LARGE');
    expect(event.error?.message).toContain('70000 bytes exceeds maxMessageBytes 1024');
    expect(event.event?.original).toBe('<13>1 - host app - - - aaaa');
    expect(event['@timestamp']).toBe(RECEIVED);
  });

  it('keeps 8-bit bytes of a malformed frame as Latin-1', () => {
    const event = quarantineToEvent({ reason: 'bad_octet_count', bytes: Buffer.from([0x41, 0xfc, 0x42]) }, 1024, RECEIVED, 'syslog_tls', { version: '1.3' });
    expect(event.event?.original).toBe('A\u00fcB');
    expect(event.vigil?.parse?.flags).toEqual(['latin1']);
    expect(event.tls?.version).toBe('1.3');
    expect(validateEvent(event).ok).toBe(true);
  });
});
