import { describe, expect, it } from 'vitest';
import { cidrMatcher } from './cidr.ts';

describe('cidrMatcher', () => {
  it('matches IPv4 addresses inside a network, IPv4-mapped ones included', () => {
    const private10 = cidrMatcher('10.0.0.0/8')!;
    expect(['10.0.0.1', '10.255.255.255', '::ffff:10.1.2.3'].map(private10)).toEqual([true, true, true]);
    expect(['11.0.0.1', '9.255.255.255', '2001:db8::1', 'not an address', '010.0.0.1', ''].map(private10)).toEqual([false, false, false, false, false, false]);
  });

  it('matches IPv6 networks on any prefix length, and single addresses exactly', () => {
    const doc = cidrMatcher('2001:db8::/32')!;
    expect(['2001:db8::1', '2001:db8:ffff::1', '2001:db9::1', '10.0.0.1'].map(doc)).toEqual([true, true, false, false]);
    const odd = cidrMatcher('fe80::/10')!;
    expect(['fe80::1', 'febf::1', 'fec0::1'].map(odd)).toEqual([true, true, false]);
    expect(cidrMatcher('0.0.0.0/0')!('203.0.113.9')).toBe(true);
    expect(cidrMatcher('192.0.2.7')!('192.0.2.7')).toBe(true);
    expect(cidrMatcher('192.0.2.7')!('192.0.2.8')).toBe(false);
    expect(cidrMatcher('::1')!('::1')).toBe(true);
  });

  it('refuses what is not a network', () => {
    for (const text of ['10.0.0.0/33', '10.0.0/8', '2001:db8::/129', 'x/8', '10.0.0.0/', '']) expect(cidrMatcher(text), text).toBeUndefined();
  });
});
