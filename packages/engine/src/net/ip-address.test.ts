import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isIpv4Mapped, parseIp, parseIpNumber, parseNetwork, parseNetworkNumber } from './ip-address.ts';

const ADDRESSES = [
  '8.8.8.8',
  '0.0.0.0',
  '10.255.255.255',
  '255.255.255.255',
  '::',
  '::1',
  '0:0:0:0:0:0:0:0',
  '2001:DB8:0:0:0:0:0:1',
  'ABCD:EF01::',
  '2a00:1450:4001:80b::200e',
  'fe80::1%eth0',
  '::1.2.3.4',
  '::ffff:1.2.3.4',
  '64:ff9b::192.0.2.33',
  '1:2:3:4:5:6:7::',
  '::2:3:4:5:6:7:8',
  '1:2:3:4:5:6:1.2.3.4',
];

const NOT_ADDRESSES = [
  '',
  'localhost',
  'evil.example',
  '256.1.1.1',
  '198.51.100.256',
  '1.2.3',
  '198.51.100',
  '1.2.3.4.5',
  '01.2.3.4',
  '198.051.100.7',
  '1.2.3.04',
  '0.0.0.00',
  '1.2.3.4 ',
  '1.2.3.4%eth0',
  '::g',
  ':1',
  '1:',
  '1::2::3',
  '2001:db8::1::2',
  '2001:db8:::1',
  '12345::',
  '12345::1',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7:8::',
  '::1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:1.2.3.4',
  '::ffff:1.2.3',
  'fe80::1%',
  '%eth0',
];

describe('IP address parsing', () => {
  const words = new Uint32Array(4);

  it('agrees with node:net isIP on which strings are addresses', () => {
    for (const sample of [...ADDRESSES, ...NOT_ADDRESSES]) expect([sample, parseIp(sample, words)]).toEqual([sample, isIP(sample)]);
    for (const bad of NOT_ADDRESSES) expect(parseIpNumber(bad), bad).toBeUndefined();
  });

  it('parses IPv6 into four big-endian words, expanding ::', () => {
    expect(parseIp('2001:db8::ff00:42:8329', words)).toBe(6);
    expect([...words]).toEqual([0x20010db8, 0, 0xff00, 0x00428329]);
    expect(isIpv4Mapped(words)).toBe(false);
    expect(parseIp('::ffff:203.0.113.7', words)).toBe(6);
    expect([...words]).toEqual([0, 0, 0xffff, 0xcb007107]);
    expect(isIpv4Mapped(words)).toBe(true);
    expect(parseIp('203.0.113.7', words)).toBe(4);
    expect(words[0]).toBe(0xcb007107);
  });

  it('parses IPv4 and the IPv6 forms to numbers, IPv4-mapped IPv6 as IPv4', () => {
    expect(parseIpNumber('198.51.100.7')).toBe(0xc6336407);
    expect(parseIpNumber('2001:db8::1')).toBe(0x20010db8000000000000000000000001n);
    expect(parseIpNumber('2001:DB8:0:0:0:0:0:1')).toBe(parseIpNumber('2001:db8::1'));
    expect(parseIpNumber('::')).toBe(0n);
    expect(parseIpNumber('fe80::1%eth0')).toBe(0xfe800000000000000000000000000001n);
    expect(parseIpNumber('::ffff:198.51.100.7')).toBe(0xc6336407);
    expect(parseIpNumber('::ffff:c633:6407')).toBe(0xc6336407);
    expect(parseIpNumber('64:ff9b::192.0.2.33')).toBe(0x0064ff9b0000000000000000c0000221n);
  });
});

describe('CIDR network parsing', () => {
  it('parses a network into words with the host bits as written', () => {
    const words = new Uint32Array(4);
    expect(parseNetwork('2001:db8:bad:1::7/48', words)).toEqual({ version: 6, prefix: 48 });
    expect([...words]).toEqual([0x20010db8, 0x0bad0001, 0, 7]);
    expect(parseNetwork('198.51.100.7/24', words)).toEqual({ version: 4, prefix: 24 });
    expect(words[0]).toBe(0xc6336407);
    expect(parseNetwork('fe80::%eth0/64', words)).toEqual({ version: 6, prefix: 64 });
  });

  it('parses networks to numbers and clears host bits', () => {
    expect(parseNetworkNumber('10.1.2.3/8')).toEqual({ address: 0x0a000000, prefix: 8 });
    expect(parseNetworkNumber('0.0.0.0/0')).toEqual({ address: 0, prefix: 0 });
    expect(parseNetworkNumber('198.51.100.7/32')).toEqual({ address: 0xc6336407, prefix: 32 });
    expect(parseNetworkNumber('2001:db8:bad:1::/48')).toEqual({ address: 0x20010db80bad00000000000000000000n, prefix: 48 });
    expect(parseNetworkNumber('10.0.0.0/08')).toEqual({ address: 0x0a000000, prefix: 8 });
    // Unlike a single address, an IPv4-mapped network stays IPv6.
    expect(parseNetworkNumber('::ffff:10.0.0.0/104')).toEqual({ address: 0xffff0a000000n, prefix: 104 });
  });

  it('refuses malformed networks and prefix lengths', () => {
    const words = new Uint32Array(4);
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '/8', '10.0.0.0/ 8', '10.0.0.0/0x8', '10.0.0.0/8.0', '10.0.0.0/0008', '10.0.0.0/8/8', '10.0.0/8', 'fe80::%/64', 'evil.example/8']) {
      expect(parseNetwork(bad, words), bad).toBeUndefined();
      expect(parseNetworkNumber(bad), bad).toBeUndefined();
    }
  });
});
