import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { getField, validateEvent } from '@vigil/schema';
import { normalizeSyslog, type NormalizedSyslog } from '../../normalize.ts';
import { ParserRegistry } from '../registry.ts';

/**
 * Test support for the system parsers (not exported from the package): fixture files of
 * `{ name, line, expect, parser?, status? }` cases in `testdata/parsers/system/`, each run
 * through the edge's real `normalizeSyslog` with the default parser registry.
 */

export interface FixtureCase {
  name: string;
  /** A whole syslog line, header included. */
  line: string;
  /** ECS paths and the values they must hold; `null` means the field must be absent. */
  expect: Record<string, unknown>;
  /** `vigil.parse.parser` expected (default: the file's parser). */
  parser?: string;
  /** Default `parsed`; `partial` for lines the owning parser must not claim to understand. */
  status?: 'parsed' | 'partial';
}

const NOW = Date.parse('2025-03-14T12:00:00Z');
const RECEIVED = '2025-03-14T12:00:00.000Z';
const registry = new ParserRegistry();

/** Normalizes one line as the edge does (TCP syslog, default parsers). */
export function normalize(line: string): NormalizedSyslog {
  return normalizeSyslog(line, RECEIVED, 'syslog_tcp', registry, NOW);
}

/** The cases of one fixture file. */
export function loadFixtures(file: string): FixtureCase[] {
  return JSON.parse(readFileSync(new URL(`../../../testdata/parsers/system/${file}`, import.meta.url), 'utf8')) as FixtureCase[];
}

/** Every fixture file, for tests that run all lines (robustness, speed mix). */
export const FIXTURE_FILES = ['sudo.json', 'su.json', 'pam.json', 'accounts.json', 'cron.json', 'systemd.json', 'netfilter.json', 'auditd.json'];

/**
 * One test per case: the event passes `validateEvent`, keeps `event.original`, was parsed (or
 * left partial) by the expected parser, and holds every expected field.
 */
export function fixtureTests(file: string, defaultParser: string): void {
  it.each(loadFixtures(file).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { event, status } = normalize(c.line);
    const validation = validateEvent(event);
    expect(validation.ok ? [] : validation.problems).toEqual([]);
    const expectedStatus = c.status ?? 'parsed';
    expect(status).toBe(expectedStatus);
    expect(event.vigil?.parse?.parser).toBe(c.parser ?? defaultParser);
    expect(event.event?.original).toBe(c.line);
    if (expectedStatus === 'parsed' && !(c.parser ?? defaultParser).startsWith('syslog-')) {
      expect(event.event?.kind).toBe('event');
      expect(event.event?.dataset).toBeTypeOf('string');
      expect(event.event?.module).toBeTypeOf('string');
    }
    for (const [path, value] of Object.entries(c.expect)) {
      if (value === null) expect(getField(event, path), path).toBeUndefined();
      else expect(getField(event, path), path).toEqual(value);
    }
  });
}
