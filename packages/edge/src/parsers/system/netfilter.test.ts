import { describe, expect, it } from 'vitest';
import { fixtureTests } from './fixtures.ts';
import { compactIpv6, uptimeLength } from './netfilter.ts';

describe('kernel firewall logs (netfilter LOG, ufw, nftables)', () => {
  fixtureTests('netfilter.json', 'kernel');
});

describe('IPv6 addresses as the kernel prints them', () => {
  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['fe80:0000:0000:0000:0216:3eff:fedd:eeff', 'fe80::216:3eff:fedd:eeff'],
    ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['2001:0db8:0001:0002:0003:0004:0005:0006', '2001:db8:1:2:3:4:5:6'],
    ['2001:db8::1', '2001:db8::1'],
  ])('%s → %s', (full, short) => {
    expect(compactIpv6(full)).toBe(short);
  });
});

describe('kernel uptime stamps', () => {
  it('measures [seconds.micros] with or without padding, and nothing else', () => {
    expect(uptimeLength('[12345.678901] IN=')).toBe(15);
    expect(uptimeLength('[    5.123456] EXT4')).toBe(15);
    expect(uptimeLength('[UFW BLOCK] IN=')).toBe(0);
    expect(uptimeLength('[12a] x')).toBe(0);
    expect(uptimeLength('IN=eth0')).toBe(0);
  });
});
