import { describe, expect, it } from 'vitest';
import { normalizeSyslog } from '../../normalize.ts';
import { NOW, RECEIVED, problems, registry, syslogLine } from './fixture-harness.ts';
import { FORMAT_PARSERS } from './index.ts';

const NAMES = ['nginx', 'apache', 'nginx.access', 'nginx.error', 'apache.access', 'apache.error', 'haproxy', 'cef', 'leef', 'json', 'kv'];

// One line of each family, with the parser a content probe must pick for it when no program names one.
const BY_CONTENT: [string, string][] = [
  ['cef', 'CEF:0|Fortinet|FortiGate|7.4|13|forward traffic|3|src=10.0.0.1 dst=10.0.0.2 act=accept msg=a=b c=d e=f'],
  ['leef', 'LEEF:1.0|IBM|QRadar|7.5|Login|src=10.0.0.1\tdst=10.0.0.2\tusrName=a'],
  ['json', '{"msg":"a=1 b=2 c=3","source.ip":"10.0.0.1"}'],
  ['apache.access', '10.0.0.1 - - [24/Nov/2026:10:00:00 +0000] "GET /?a=1&b=2 HTTP/1.1" 200 1 "-" "x=y"'],
  ['nginx.error', '2026/11/24 10:00:00 [error] 1#1: *1 a=b c=d e=f, client: 10.0.0.1, server: x'],
  ['apache.error', '[Tue Nov 24 10:00:00.000001 2026] [core:error] [pid 1] a=b c=d e=f'],
  ['haproxy', '10.0.0.1:1000 [24/Nov/2026:10:00:00.000] fe be/s 0/0/0/0/0 200 1 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"'],
  ['kv', 'date=2026-11-24 time=10:00:00 srcip=10.0.0.1 dstip=10.0.0.2 action=accept'],
];

const HOSTILE: string[] = [
  '',
  ' ',
  '\u0000\u0001\u00ff\ud800 binary',
  'CEF:',
  'CEF:0|',
  'CEF:0|a\\|b\\',
  'CEF:0|V|P|1|2|n|1|=',
  'CEF:0|V|P|1|2|n|1| = = =',
  'LEEF:',
  'LEEF:2.0|a|b|c|d|xZZ|',
  'LEEF:2.0|a|b|c|d|x00|src=1',
  '{',
  '@cee:{',
  '{"__proto__":{"polluted":"yes"},"a":{"__proto__":{"polluted":"yes"}}}',
  '__proto__=x __proto__=y constructor=z prototype=w',
  'a=1 b=2 __proto__="x"',
  '"'.repeat(10_000),
  '='.repeat(10_000),
  `a=${'"'.repeat(10_000)}`,
  '\\'.repeat(10_001),
  'x'.repeat(10_000),
  `k=${'v'.repeat(10_000)} k2=v k3=v`,
  `CEF:0|V|P|1|2|n|1|msg=${'\\'.repeat(9_999)}`,
  `LEEF:1.0|V|P|1|E|${'a=b\t'.repeat(2_500)}`,
  '10.0.0.1 - - [24/Nov/2026:10:00:00 +0000] "GET',
  `10.0.0.1 - - [24/Nov/2026:10:00:00 +0000] "${'\\'.repeat(10_001)}" 200 1`,
  '[Tue Nov 24 10:00:00 2026] [',
  '2026/11/24 10:00:00 [error] 1#1: , client: ',
  '2026/11/24 10:00:00 [error] 1#1: x, client: 1.2.3.4, server: s, request: "',
  'Server a/b is DOWN, reason: ',
  '10.0.0.1:1 [24/Nov/2026:10:00:00.000] ',
  'Connect from 1.2.3.4:99999 to 5.6.7.8:1 (f/HTTP)',
];

describe('format parsers', () => {
  it('have the stable names integrators pick formats by', () => {
    expect(FORMAT_PARSERS.map((parser) => parser.name).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) expect(registry.byName(name)?.name).toBe(name);
  });

  it.each(BY_CONTENT)('a line without a program is given to %s by content', (name, line) => {
    expect(registry.choose(undefined, line)?.parser.name).toBe(name);
    const { event, status } = normalizeSyslog(syslogLine(line), RECEIVED, 'syslog_udp', registry, NOW);
    expect(problems(event)).toEqual([]);
    expect(status).toBe('parsed');
    expect(event.vigil?.parse?.parser).toBe(name);
  });

  it.each(HOSTILE.map((line, i) => [i, line] as const))('hostile line #%i never throws, and what it yields is valid', (_i, line) => {
    for (const parser of FORMAT_PARSERS) {
      parser.probe(line);
      const fields = parser.parse(line);
      if (fields === null) continue;
      expect(problems(fields), parser.name).toEqual([]);
      expect(fields.event?.original, parser.name).toBeUndefined();
    }
    for (const program of [undefined, 'nginx', 'apache2', 'haproxy']) {
      const raw = syslogLine(line, program);
      const { event } = normalizeSyslog(raw, RECEIVED, 'syslog_tcp', registry, NOW);
      expect(problems(event)).toEqual([]);
      expect(event.event?.original).toBe(raw);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
