import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStixBundle } from './stix-bundle.ts';

const NOW = Date.parse('2026-03-01T00:00:00Z');
const bundle = readFileSync(join(import.meta.dirname, 'testdata', 'bundle.json'), 'utf8');
const options = { source: 'example-cert', defaultConfidence: 50, nowMs: NOW };

describe('STIX bundle', () => {
  const result = parseStixBundle(bundle, options);

  it('turns each usable indicator pattern into indicators with the object\'s confidence, dates, labels and id', () => {
    expect(result.indicators.map((indicator) => [indicator.type, indicator.value, indicator.confidence])).toEqual([
      ['ipv4', '198.51.100.7', 85],
      ['domain', 'login-micros0ft.example', 60],
      ['domain', 'secure-update.example', 60],
      ['url', 'https://secure-update.example/o365/login.php?session=1', 60],
      ['sha256', 'b3099c919a8148f285f4a706c2b052372a00ffdbb51d78482d41dd7949f0d478', 50],
      ['md5', 'ec30cb02bc91416a0283ea44320ec496', 50],
      ['sha1', '6cce1e91a09ef6a109e6e99169b1feda5c4a769a', 50],
      ['cidr', '203.0.113.128/25', 30],
      ['cidr', '2001:db8:bad::/48', 30],
      ['ipv6', '2001:db8::dead:beef', 30],
      ['url', "http://files.bad.example/it's\\here.exe", 70],
    ]);
    expect(result.indicators[0]).toEqual({
      type: 'ipv4',
      value: '198.51.100.7',
      source: 'example-cert',
      confidence: 85,
      description: 'Beacon traffic to 198.51.100.7 over HTTPS',
      first_seen: '2026-01-10T12:00:00.000Z',
      last_seen: '2026-02-01T12:00:00.000Z',
      tags: ['c2', 'cobaltstrike'],
      reference: 'https://cert.example.org/advisories/2026-004',
      id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
    });
    expect(result.indicators[1]!.description).toBe('Phishing infrastructure');
  });

  it('skips revoked and expired indicators and counts unsupported and broken ones with their entry', () => {
    expect(result).toMatchObject({ entries: 11, revoked: 1, expired: 1, unsupported: 3, rejected: 1 });
    expect(result.problems).toEqual([
      { kind: 'unsupported', entry: 'objects[6] (indicator--11111111-2222-4333-8444-555555555555)', reason: 'AND between observations needs more than one indicator' },
      { kind: 'unsupported', entry: 'objects[7] (indicator--22222222-3333-4444-8555-666666666666)', reason: 'the WITHIN qualifier needs more than one sighting' },
      { kind: 'unsupported', entry: 'objects[8] (indicator--33333333-4444-4555-8666-777777777777)', reason: "pattern_type 'snort' (only 'stix' patterns are read)" },
      { kind: 'rejected', entry: 'objects[11] (indicator--66666666-7777-4888-8999-aaaaaaaaaaaa)', reason: "bad pattern: expected ']', found 'end of pattern' at position 30" },
    ]);
  });

  it('rejects a value its path does not allow, keeping the rest of the pattern', () => {
    const objects = [{ type: 'indicator', id: 'indicator--x', pattern: "[ipv4-addr:value = '2001:db8::1'] OR [ipv4-addr:value = '192.0.2.8']", pattern_type: 'stix', confidence: 101 }];
    const mixed = parseStixBundle(JSON.stringify({ type: 'bundle', id: 'bundle--y', objects }), options);
    expect(mixed.indicators).toEqual([{ type: 'ipv4', value: '192.0.2.8', source: 'example-cert', confidence: 50, id: 'indicator--x' }]);
    expect(mixed.problems).toEqual([{ kind: 'rejected', entry: 'objects[0] (indicator--x)', reason: "'2001:db8::1' is not an ipv4 address" }]);
  });

  it('throws only when the document is not a bundle', () => {
    expect(() => parseStixBundle('{"type": "bundle"', { ...options, location: 'https://cert.example.org/stix.json' })).toThrow(/^threat-intel feed https:\/\/cert\.example\.org\/stix\.json is unreadable: not JSON/);
    expect(() => parseStixBundle('{"type": "report", "objects": []}', options)).toThrow('not a STIX bundle');
    expect(parseStixBundle('{"type": "bundle", "id": "bundle--empty"}', options)).toMatchObject({ indicators: [], entries: 0 });
  });
});
