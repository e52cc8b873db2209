import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateEvent, type EcsEvent } from '@vigil/schema';
import { normalizeSyslog } from '../../normalize.ts';
import { ParserRegistry } from '../registry.ts';

/**
 * Test support (imported by the format parsers' tests only): runs a fixture file of format
 * cases through the syslog path (`normalizeSyslog`) and, bare, through the parser the HTTP
 * raw ingest would pick by name.
 */

/** One fixture case of `testdata/parsers/formats/*.json`. */
export interface FormatCase {
  name: string;
  /** The parser name a bare line is given to (the HTTP ingest's "format"). */
  format: string;
  /** Syslog APP-NAME the line is sent with; without one the parser is chosen by content. */
  program?: string;
  /** `vigil.parse.parser` expected after syslog normalization; `format` when omitted. */
  parser?: string;
  line: string;
  /** Dotted ECS path → value (null: the field is absent); null when the parser must not know the line. */
  expect: Record<string, unknown> | null;
}

/** The edge's receipt time in the fixtures (RFC 3164 header years are inferred from it). */
export const RECEIVED = '2026-11-25T12:00:00.000Z';
export const NOW = Date.parse(RECEIVED);
/** The edge's default parsers, as a syslog listener and the HTTP raw ingest use them. */
export const registry = new ParserRegistry();

/** The syslog line a device would send: RFC 3164 header from host `web01`, with the program tag when there is one. */
export function syslogLine(line: string, program?: string): string {
  return program ? `<134>Nov 24 10:00:00 web01 ${program}[4321]: ${line}` : `<134>Nov 24 10:00:00 web01 ${line}`;
}

/** The problems `validateEvent` finds, or `[]` (so a failure names the fields). */
export function problems(event: unknown): unknown[] {
  const validation = validateEvent(event);
  return validation.ok ? [] : validation.problems;
}

/** Asserts each dotted path of `expected` (null: the field is absent). */
export function expectFields(event: EcsEvent, expected: Record<string, unknown>): void {
  for (const [path, value] of Object.entries(expected)) {
    if (value === null) expect(ownField(event, path), path).toBeUndefined();
    else expect(ownField(event, path), path).toEqual(value);
  }
}

/**
 * `getField` through own properties only, so `labels.__proto__` reads what the event holds, not
 * Object.prototype. A label key may hold dots (`labels.app.name` is the label `app.name`).
 */
function ownField(event: EcsEvent, path: string): unknown {
  if (path.startsWith('labels.')) {
    const key = path.slice(7);
    return event.labels && Object.hasOwn(event.labels, key) ? event.labels[key] : undefined;
  }
  let current: unknown = event;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** The cases of `testdata/parsers/formats/<file>`. */
export function loadCases(file: string): FormatCase[] {
  return JSON.parse(readFileSync(new URL(`../../../testdata/parsers/formats/${file}`, import.meta.url), 'utf8')) as FormatCase[];
}

/** Runs every case of a fixture file both ways. */
export function describeFixtures(title: string, file: string): void {
  const cases = loadCases(file);
  describe(`${title}: over syslog`, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const raw = syslogLine(c.line, c.program);
      const { event, status } = normalizeSyslog(raw, RECEIVED, 'syslog_tcp', registry, NOW);
      expect(problems(event)).toEqual([]);
      expect(event.event?.original).toBe(raw);
      expect(event.host?.hostname).toBe('web01');
      if (c.expect === null) {
        if (c.program && registry.byName(c.parser ?? c.format)?.programs.includes(c.program)) expect(status).toBe('partial');
        return;
      }
      expect(status).toBe('parsed');
      expect(event.vigil?.parse).toMatchObject({ status: 'parsed', parser: c.parser ?? c.format });
      expectFields(event, c.expect);
    });
  });
  describe(`${title}: bare lines by format name`, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const parser = registry.byName(c.format);
      expect(parser, c.format).toBeDefined();
      const fields = parser!.parse(c.line);
      if (c.expect === null) {
        expect(fields).toBeNull();
        return;
      }
      expect(fields).not.toBeNull();
      expect(problems(fields)).toEqual([]);
      expect(fields!.event?.original).toBeUndefined();
      expectFields(fields!, c.expect);
    });
  });
}
