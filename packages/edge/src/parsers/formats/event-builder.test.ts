import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EventBuilder, MAX_LABELS, isIpAddress, labelKey } from './event-builder.ts';
import { problems } from './fixture-harness.ts';

describe('the event builder every format parser uses', () => {
  it('checks IPs exactly as node:net isIP does, which the schema validates with', () => {
    const samples = ['1.2.3.4', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1..2.3', '1.2.3.', '.1.2.3', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.a', '10.0.0.10', '192.168.001.1', '2001:db8::1', '::', '::ffff:1.2.3.4', 'fe80::1%eth0', 'gateway.local', '', '1234567', '999.999.999.999', '100.100.100.100'];
    for (const sample of samples) expect(isIpAddress(sample), sample).toBe(isIP(sample) !== 0);
  });

  it('never writes prototype keys into labels, bounds their number, and drops field sets left empty', () => {
    const b = new EventBuilder('test', 'test.log');
    for (const key of ['__proto__', 'constructor', 'prototype']) b.label(key, 'x');
    for (let i = 0; i < MAX_LABELS + 10; i++) b.label(`k${i}`, String(i));
    b.label('k0', 'replaced');
    expect(b.port(b.source(), '70000')).toBe(false);
    const event = b.build();
    expect(problems(event)).toEqual([]);
    expect(Object.keys(event.labels!)).toHaveLength(MAX_LABELS);
    expect(event.labels!.k0).toBe('replaced');
    expect(Object.hasOwn(event.labels!, '__proto__')).toBe(false);
    expect(event.tags).toEqual(['labels_truncated']);
    expect(event.source).toBeUndefined();
  });

  it('turns free-text label names into keys', () => {
    expect(labelKey(' Virus Name ')).toBe('Virus_Name');
    expect(labelKey('Source/Zone (int)')).toBe('Source_Zone_int_');
    expect(labelKey('   ')).toBeNull();
    expect(labelKey('__proto__')).toBeNull();
  });
});
