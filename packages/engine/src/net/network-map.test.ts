import { describe, expect, it } from 'vitest';
import { NetworkMap } from './network-map.ts';

describe('values by IP network', () => {
  it('gives an address the value of the most specific network holding it, whatever the order they came in', () => {
    const map = new NetworkMap<string>();
    expect(map.set('10.0.0.0/8', 'corporate')).toBe(true);
    expect(map.set('10.1.2.3', 'payroll')).toBe(true);
    expect(map.set('10.1.0.0/16', 'finance')).toBe(true);
    expect(map.set('0.0.0.0/0', 'anywhere')).toBe(true);
    expect(map.get('10.1.2.3')).toBe('payroll');
    expect(map.get('10.1.9.9')).toBe('finance');
    expect(map.get('10.200.0.1')).toBe('corporate');
    expect(map.get('192.0.2.1')).toBe('anywhere');
    // An IPv4-mapped IPv6 address is its IPv4 address.
    expect(map.get('::ffff:10.1.2.3')).toBe('payroll');
    expect(map.size).toBe(4);
  });

  it('holds IPv6 networks apart from IPv4 ones, and clears host bits of a network', () => {
    const map = new NetworkMap<string>();
    map.set('2001:db8::/32', 'documentation');
    map.set('2001:db8:1::5/48', 'lab');
    expect(map.get('2001:db8:1:2::7')).toBe('lab');
    expect(map.get('2001:db8:ffff::1')).toBe('documentation');
    expect(map.get('2001:db9::1')).toBeUndefined();
    expect(map.get('32.1.13.184')).toBeUndefined();
  });

  it('replaces the value of a network set again, and refuses what is not an address or network', () => {
    const map = new NetworkMap<string>();
    map.set('192.0.2.0/24', 'first');
    map.set('192.0.2.0/24', 'second');
    expect(map.get('192.0.2.77')).toBe('second');
    expect(map.size).toBe(1);
    for (const text of ['10.0.0.0/40', 'web-1', '10.0.0.0/', '']) expect(map.set(text, 'x'), text).toBe(false);
    expect(map.get('web-1')).toBeUndefined();
  });

  it('looks up among thousands of networks with one probe per prefix length in use', () => {
    const map = new NetworkMap<number>();
    for (let i = 0; i < 4_096; i++) map.set(`10.${i >> 4}.${(i & 15) * 16}.0/20`, i);
    expect(map.get(`10.${4_095 >> 4}.${15 * 16 + 3}.9`)).toBe(4_095);
    expect(map.get('11.0.0.1')).toBeUndefined();
  });
});
