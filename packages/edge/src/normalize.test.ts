import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getField, validateEvent } from '@vigil/schema';
import { normalizeSyslog, quarantineToEvent } from './normalize.ts';
import { ParserRegistry } from './parsers/registry.ts';

interface Case {
  name: string;
  line: string;
  /** Dotted ECS path → expected value; null means the field is absent; "RECEIVED" means the receipt time. */
  expect: Record<string, unknown>;
}

const RECEIVED = '2025-03-14T12:00:01.250Z';
const parsers = new ParserRegistry();
const rfc5424 = JSON.parse(readFileSync(new URL('../testdata/rfc5424.json', import.meta.url), 'utf8')) as Case[];
const rfc3164 = JSON.parse(readFileSync(new URL('../testdata/rfc3164.json', import.meta.url), 'utf8')) as { now: string; cases: Case[] };

function expectFields(line: string, expected: Record<string, unknown>, nowMs: number): void {
  const { event } = normalizeSyslog(line, RECEIVED, 'syslog_udp', parsers, nowMs);
  const validation = validateEvent(event);
  expect(validation.ok ? [] : validation.problems).toEqual([]);
  expect(event.event?.original).toBe(line);
  expect(event.event?.created).toBe(RECEIVED);
  for (const [path, value] of Object.entries(expected)) {
    const actual = getField(event, path);
    if (value === null) expect(actual, path).toBeUndefined();
    else expect(actual, path).toEqual(value === 'RECEIVED' ? RECEIVED : value);
  }
}

describe('RFC 5424 lines', () => {
  it.each(rfc5424.map((c) => [c.name, c] as const))('%s', (_name, c) => expectFields(c.line, c.expect, Date.parse(RECEIVED)));
});

describe('RFC 3164 lines', () => {
  it.each(rfc3164.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => expectFields(c.line, c.expect, Date.parse(rfc3164.now)));
});

describe('quarantined frames', () => {
  it('keeps the first bytes of an oversized frame with an error that says how much was kept', () => {
    const event = quarantineToEvent({ reason: 'frame_too_large', bytes: Buffer.from('<13>1 - host app - - - aaaa'), size: 70_000 }, 1024, RECEIVED, 'syslog_tcp');
    expect(validateEvent(event).ok).toBe(true);
    expect(event.vigil?.parse?.status).toBe('unparsed');
    expect(event.error?.code).toBe('VIGIL_ERR_EDGE_FRAME_TOO_LARGE');
    expect(event.error?.message).toContain('70000 bytes exceeds maxMessageBytes 1024');
    expect(event.event?.original).toBe('<13>1 - host app - - - aaaa');
    expect(event['@timestamp']).toBe(RECEIVED);
  });
});
