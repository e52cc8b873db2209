import { describe, expect, it } from 'vitest';
import { classifyAddress, type AddressClass } from './address-class.ts';

const CASES: Record<AddressClass, string[]> = {
  public: ['8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.169.0.1', '223.255.255.255', '2a00:1450:4001:80b::200e', '2606:4700:4700::1111', '2001:200::1'],
  private: ['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.1.10', 'fc00::1', 'fd12:3456:789a::1', '::ffff:10.1.2.3', '::ffff:192.168.0.1'],
  loopback: ['127.0.0.1', '127.255.255.254', '::1', '::ffff:127.0.0.1'],
  link_local: ['169.254.0.1', '169.254.169.254', 'fe80::1', 'fe80::1%eth0', 'febf::1'],
  cgnat: ['100.64.0.1', '100.127.255.254'],
  documentation: ['192.0.2.1', '198.51.100.7', '203.0.113.7', '2001:db8::1', '2001:db8:ffff::1', '3fff::1', '::ffff:203.0.113.7', '2002:cb00:7107::1'],
  multicast: ['224.0.0.1', '239.255.255.250', 'ff02::1', 'ff05::1:3'],
  reserved: ['0.1.2.3', '192.0.0.8', '198.18.0.1', '198.19.255.255', '240.0.0.1', '192.88.99.1', '::2', '::1.2.3.4', '100::1', '2001::1', '2001:2::1', '2001:1ff::1', 'fec0::1', '4000::1', '64:ff9b:1::1'],
  unspecified: ['0.0.0.0', '::', '0:0:0:0:0:0:0:0'],
  broadcast: ['255.255.255.255'],
  invalid: ['', 'localhost', '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.4 ', '::g', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1', '1:', 'fe80::1%'],
};

describe('address classification', () => {
  for (const [expected, addresses] of Object.entries(CASES)) {
    it(`classifies ${expected} addresses`, () => {
      for (const address of addresses) expect([address, classifyAddress(address)]).toEqual([address, expected]);
    });
  }

  it('classifies an IPv4 address carried in NAT64 and 6to4 IPv6 addresses like the IPv4 address', () => {
    expect(classifyAddress('64:ff9b::8.8.8.8')).toBe('public');
    expect(classifyAddress('64:ff9b::10.0.0.1')).toBe('private');
    expect(classifyAddress('2002:0a00:0001::1')).toBe('private');
    expect(classifyAddress('2002:0808:0808::1')).toBe('public');
  });
});
