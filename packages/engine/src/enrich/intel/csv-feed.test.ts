import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsvFeed } from './csv-feed.ts';
import { csvRecords } from './csv-records.ts';

const NOW = Date.parse('2026-03-01T00:00:00Z');
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'testdata', name), 'utf8');

describe('CSV records', () => {
  it('reads quoted commas, doubled quotes, quoted line breaks and CRLF, numbering records by their first line', () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\r\n# comment\r\n\r\n"two\nlines",z\nlast,';
    expect([...csvRecords(text)]).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 5, fields: ['two\nlines', 'z'] },
      { line: 7, fields: ['last', ''] },
    ]);
  });

  it('reports a broken record and carries on with the next line', () => {
    expect([...csvRecords('"ok"junk,1\ngood,2\n"never closed,3\nafter,4')]).toEqual([
      { line: 1, error: "unexpected 'j' after a closing quote" },
      { line: 2, fields: ['good', '2'] },
      { line: 3, error: 'a quoted field is never closed' },
      { line: 4, fields: ['after', '4'] },
    ]);
  });
});

describe('CSV feed', () => {
  const result = parseCsvFeed(fixture('indicators.csv'), { source: 'soc-blocklist', defaultConfidence: 50, nowMs: NOW });

  it('reads good rows with their fields, normalized, inferring missing types', () => {
    expect(result.indicators.map((indicator) => [indicator.type, indicator.value, indicator.confidence])).toEqual([
      ['ipv4', '198.51.100.7', 90],
      ['ipv6', '2001:db8:0:0::1f', 70],
      ['cidr', '203.0.113.0/25', 40],
      ['domain', 'update-check.evil.example', 85],
      ['url', 'http://downloads.bad.example/payload.bin?id=7', 80],
      ['sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 60],
      ['sha256', 'cbc73fb5fa93a7ee9ff06b3cfeb4dc673fde3df9089b8e46277a45ce62688392', 50],
      ['cidr', '198.51.100.0/24', 50],
      ['domain', 'login-portal.test', 50],
      ['ipv4', '192.0.2.47', 85],
    ]);
    expect(result.indicators[0]).toEqual({
      type: 'ipv4',
      value: '198.51.100.7',
      source: 'soc-blocklist',
      confidence: 90,
      description: 'Cobalt Strike team server, port 443',
      tags: ['c2', 'cobaltstrike'],
      reference: 'https://intel.example.net/ioc/4411',
    });
    expect(result.indicators[2]!.description).toBe('Bulletproof hosting range "AS64500"');
    expect(result.indicators[3]!.description).toBe('Fake updater\n(multi-line description)');
  });

  it('counts bad rows and lists each with its line and reason; expired rows are counted apart', () => {
    expect(result).toMatchObject({ entries: 16, rejected: 5, expired: 1, unsupported: 0 });
    expect(result.problems).toEqual([
      { kind: 'rejected', line: 14, reason: "'198.51.100.300' is not an IP address" },
      { kind: 'rejected', line: 15, reason: "'not-a-hash' is not an MD5 hash" },
      { kind: 'rejected', line: 17, reason: "confidence '150' is not a number from 0 to 100 (or low, medium, high)" },
      { kind: 'rejected', line: 18, reason: "unknown type 'banana'" },
      { kind: 'rejected', line: 19, reason: "unexpected 'x' after a closing quote" },
    ]);
  });

  it('reads a feed with its own column names through the column mapping', () => {
    const abuse = parseCsvFeed(fixture('abuse-style.csv'), {
      source: 'botnet-c2',
      defaultConfidence: 75,
      nowMs: NOW,
      columns: { value: 'dst_ip', firstSeen: 'first_seen_utc', lastSeen: 'last_online', description: 'malware' },
    });
    expect(abuse.indicators).toEqual([
      { type: 'ipv4', value: '192.0.2.10', source: 'botnet-c2', confidence: 75, description: 'QakBot', first_seen: new Date('2026-01-14 09:12:33').toISOString(), last_seen: '2026-02-26T00:00:00.000Z' },
      { type: 'ipv4', value: '192.0.2.11', source: 'botnet-c2', confidence: 75, description: 'Emotet', first_seen: new Date('2026-01-20 18:40:01').toISOString(), last_seen: '2026-02-01T00:00:00.000Z' },
    ]);
    expect(abuse.problems).toEqual([{ kind: 'rejected', line: 5, reason: "first_seen 'yesterday' is not a date" }]);
  });

  it('throws only when the file has no usable header', () => {
    expect(() => parseCsvFeed('# nothing but comments\n', { source: 'empty', defaultConfidence: 50, location: '/feeds/empty.csv' })).toThrow(
      'threat-intel feed /feeds/empty.csv is unreadable: no header row',
    );
    expect(() => parseCsvFeed('<html><body>502 Bad Gateway</body></html>\n', { source: 'proxy', defaultConfidence: 50 })).toThrow(/has no 'value' column/);
    expect(() => parseCsvFeed('indicator\n198.51.100.7\n', { source: 'x', defaultConfidence: 50, columns: { value: 'ioc' } })).toThrow(/has no 'ioc' column/);
  });
});
