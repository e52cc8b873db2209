import { describe, expect, it } from 'vitest';
import type { Indicator, IndicatorType } from './indicator.ts';
import { IndicatorStore } from './indicator-store.ts';

const NOW = Date.parse('2026-03-01T00:00:00Z');

function indicator(type: IndicatorType, value: string, extra: Partial<Indicator> = {}): Indicator {
  return { type, value, source: 'soc', confidence: 50, ...extra };
}

function store(max = 1_000): IndicatorStore {
  return new IndicatorStore({ maxIndicatorsPerFeed: max, now: () => NOW });
}

const values = (found: readonly Indicator[]) => found.map((hit) => hit.value).sort();

describe('indicator store', () => {
  it('finds addresses inside IPv4 and IPv6 networks, most and least specific alike', () => {
    const intel = store();
    intel.replaceFeed('soc', [
      indicator('cidr', '203.0.113.0/24'),
      indicator('cidr', '203.0.113.128/25'),
      indicator('ipv4', '203.0.113.200'),
      indicator('cidr', '0.0.0.0/0'),
      indicator('cidr', '2001:db8:bad::/48'),
      indicator('ipv6', '2001:db8::dead:beef'),
    ]);
    expect(values(intel.lookup('ip', '203.0.113.200'))).toEqual(['0.0.0.0/0', '203.0.113.0/24', '203.0.113.128/25', '203.0.113.200']);
    expect(values(intel.lookup('ip', '203.0.113.5'))).toEqual(['0.0.0.0/0', '203.0.113.0/24']);
    expect(values(intel.lookup('ip', '198.51.100.1'))).toEqual(['0.0.0.0/0']);
    expect(values(intel.lookup('ip', '2001:db8:bad:42::1'))).toEqual(['2001:db8:bad::/48']);
    expect(values(intel.lookup('ip', '2001:DB8:0:0:0:0:DEAD:BEEF'))).toEqual(['2001:db8::dead:beef']);
    expect(intel.lookup('ip', '2001:db8:bae::1')).toEqual([]);
    // An IPv4-mapped IPv6 address is the IPv4 address.
    expect(values(intel.lookup('ip', '::ffff:203.0.113.200'))).toContain('203.0.113.200');
    expect(intel.lookup('ip', 'not-an-ip')).toEqual([]);
  });

  it('matches a domain indicator on the domain and every subdomain, not on look-alikes', () => {
    const intel = store();
    intel.replaceFeed('soc', [indicator('domain', 'evil.example')]);
    expect(values(intel.lookup('domain', 'evil.example'))).toEqual(['evil.example']);
    expect(values(intel.lookup('domain', 'A.B.Evil.Example.'))).toEqual(['evil.example']);
    expect(intel.lookup('domain', 'notevil.example')).toEqual([]);
    expect(intel.lookup('domain', 'evil.example.org')).toEqual([]);
    expect(intel.lookup('domain', 'example')).toEqual([]);
  });

  it('matches URLs after normalization and hashes in any case', () => {
    const intel = store();
    intel.replaceFeed('soc', [indicator('url', 'http://downloads.bad.example/payload.bin?id=7'), indicator('sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')]);
    expect(intel.lookup('url', 'HTTP://DOWNLOADS.bad.example:80/payload.bin?id=7#top')).toHaveLength(1);
    expect(intel.lookup('url', 'http://downloads.bad.example/PAYLOAD.bin?id=7')).toEqual([]);
    expect(intel.lookup('hash', 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855')).toHaveLength(1);
  });

  it('never matches an indicator past its valid_until', () => {
    let now = NOW;
    const intel = new IndicatorStore({ maxIndicatorsPerFeed: 10, now: () => now });
    intel.replaceFeed('soc', [indicator('domain', 'short-lived.example', { valid_until: '2026-03-01T01:00:00.000Z' })]);
    expect(intel.lookup('domain', 'short-lived.example')).toHaveLength(1);
    now = Date.parse('2026-03-01T01:00:00Z');
    expect(intel.lookup('domain', 'short-lived.example')).toEqual([]);
  });

  it('replaces one feed as a whole and leaves the other feeds alone', () => {
    const intel = store();
    intel.replaceFeed('soc', [indicator('ipv4', '192.0.2.1'), indicator('ipv4', '192.0.2.2')]);
    intel.replaceFeed('partner', [indicator('ipv4', '192.0.2.1', { source: 'partner' })]);
    expect(intel.lookup('ip', '192.0.2.1').map((hit) => hit.source).sort()).toEqual(['partner', 'soc']);

    intel.replaceFeed('soc', [indicator('ipv4', '192.0.2.3')]);
    expect(intel.lookup('ip', '192.0.2.1').map((hit) => hit.source)).toEqual(['partner']);
    expect(intel.lookup('ip', '192.0.2.2')).toEqual([]);
    expect(intel.lookup('ip', '192.0.2.3')).toHaveLength(1);
    expect(intel.stats()).toEqual([
      { feed: 'soc', indicators: 1, refused: 0 },
      { feed: 'partner', indicators: 1, refused: 0 },
    ]);
    expect(intel.removeFeed('partner')).toBe(true);
    expect(intel.lookup('ip', '192.0.2.1')).toEqual([]);
  });

  it('refuses indicators over the per-feed maximum and counts them', () => {
    const intel = store(2);
    const result = intel.replaceFeed('soc', ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'].map((ip) => indicator('ipv4', ip)));
    expect(result).toEqual({ stored: 2, refused: 2, duplicates: 0, invalid: 0 });
    expect(intel.lookup('ip', '192.0.2.3')).toEqual([]);
    expect(intel.replaceFeed('big', ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((ip) => indicator('ipv4', ip)), 3).refused).toBe(0);
    expect(intel.refusedTotal).toBe(2);
    expect(intel.feedSize('soc')).toBe(2);
  });

  it('keeps one indicator per value in a feed, the more confident one', () => {
    const intel = store();
    const result = intel.replaceFeed('soc', [
      indicator('domain', 'evil.example', { confidence: 40, description: 'first report' }),
      indicator('domain', 'evil.example', { confidence: 90, description: 'confirmed' }),
      indicator('domain', 'evil.example', { confidence: 10, description: 'weak' }),
    ]);
    expect(result).toMatchObject({ stored: 1, duplicates: 2 });
    expect(intel.lookup('domain', 'evil.example').map((hit) => hit.description)).toEqual(['confirmed']);
  });
});
