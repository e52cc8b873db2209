import { describe, expect, it } from 'vitest';
import { parseRuleSources } from '../sigma/loader.ts';
import { alertMessage, templateFields } from './alert-message.ts';

const RULE = `title: Sweep
id: 1c3a7a5e-4c1e-4a9b-9d0e-6f7f4f0a2b11
name: sweep
logsource: {product: linux, service: sshd}
detection: {sel: {event.action: ssh_login}, condition: sel}
vigil:
  message: '{count}x{title} by {user.name} ({source.ip}) to {destination.port}{host.ip}, {value}/{timespan} in {duration}{missing.field}'
`;

describe('alert messages from a template', () => {
  const { ruleset } = parseRuleSources([{ file: 'rule.yml', text: RULE }]);
  const rule = ruleset.rules[0]!;
  const event = { user: { name: 'mallory' }, source: { ip: '10.0.0.1' }, destination: { port: 22 }, host: { ip: ['10.1.1.1', '10.1.1.2'] } };

  it('fills every placeholder: counts, the title, the group before the event, lists joined, absent fields as -', () => {
    const message = alertMessage({ rule, group: { 'source.ip': '203.0.113.9' }, event, count: 3, firstSeen: 0, lastSeen: 90_000, measure: undefined });
    expect(message).toBe('3xSweep by mallory (203.0.113.9) to 2210.1.1.1, 10.1.1.2, -/- in 1m 30s-');
  });

  it('renders the same way again (the template is cut once)', () => {
    const input = { rule, group: {}, event, count: 1, firstSeen: 0, lastSeen: 0, measure: 4 };
    expect(alertMessage(input)).toBe(alertMessage(input));
    expect(alertMessage(input)).toMatch(/^1xSweep by mallory \(10\.0\.0\.1\) to 2210\.1\.1\.1, 10\.1\.1\.2, 4\/- in /);
  });

  it('lists the fields a template reads', () => {
    expect(templateFields(rule.messageTemplate)).toEqual(['user.name', 'source.ip', 'destination.port', 'host.ip', 'missing.field']);
  });
});
