import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getField, validateEvent } from '@vigil/schema';
import { normalizeSyslog } from '../normalize.ts';
import { ParserRegistry } from './registry.ts';

interface Case {
  name: string;
  line: string;
  expect: Record<string, unknown>;
}

const NOW = Date.parse('2025-03-14T12:00:00Z');
const RECEIVED = '2025-03-14T12:00:00.000Z';
const parsers = new ParserRegistry();
const cases = JSON.parse(readFileSync(new URL('../../testdata/sshd.json', import.meta.url), 'utf8')) as Case[];
const unknown = readFileSync(new URL('../../testdata/sshd-unknown.log', import.meta.url), 'utf8').split('\n').filter(Boolean);

describe('sshd authentication messages', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { event, status } = normalizeSyslog(c.line, RECEIVED, 'syslog_tcp', parsers, NOW);
    const validation = validateEvent(event);
    expect(validation.ok ? [] : validation.problems).toEqual([]);
    expect(status).toBe('parsed');
    expect(event.vigil?.parse).toEqual({ status: 'parsed', parser: 'sshd' });
    expect(event.event).toMatchObject({ kind: 'event', category: ['authentication'], dataset: 'sshd.auth', original: c.line });
    expect(event.log?.syslog?.hostname).toBeDefined();
    for (const [path, value] of Object.entries(c.expect)) {
      if (value === null) expect(getField(event, path), path).toBeUndefined();
      else expect(getField(event, path), path).toEqual(value);
    }
  });
});

describe('sshd messages the parser does not know', () => {
  it.each(unknown)('%s is kept as partial with its syslog fields', (line) => {
    const { event, status, detail } = normalizeSyslog(line, RECEIVED, 'syslog_tcp', parsers, NOW);
    expect(validateEvent(event).ok).toBe(true);
    expect(status).toBe('partial');
    expect(detail).toBe('sshd');
    expect(event.vigil?.parse).toEqual({ status: 'partial', parser: 'sshd' });
    expect(event.event?.original).toBe(line);
    expect(event.event?.action).toBeUndefined();
    expect(event.process?.name).toBe('sshd');
    expect(event.host?.hostname).toBe('bastion');
    expect(event.message).toBe(line.slice(line.indexOf(']: ') + 3));
  });
});

describe('programs without a parser', () => {
  it('keeps the syslog fields, status parsed, and does not guess sshd fields from look-alike text', () => {
    const line = '<78>Mar 14 11:47:01 bastion backup-agent[24400]: job says: Accepted password for x';
    const { event, status } = normalizeSyslog(line, RECEIVED, 'syslog_udp', parsers, NOW);
    expect(status).toBe('parsed');
    expect(event.vigil?.parse).toEqual({ status: 'parsed', parser: 'syslog-rfc3164' });
    expect(event.event?.action).toBeUndefined();
  });
});
