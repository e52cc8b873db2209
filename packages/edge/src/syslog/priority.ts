/** Facility names by code, as ECS `log.syslog.facility.name` uses them. */
const FACILITY_NAMES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news',
  'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

/** Severity names by code, as ECS `log.syslog.severity.name` uses them. */
const SEVERITY_NAMES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'] as const;

/** A decoded PRI value. */
export interface Priority {
  priority: number;
  facility: { code: number; name: string };
  severity: { code: number; name: string };
}

/** RFC 3164 §4.3.3: a message without PRI is treated as facility user (1), severity notice (5). */
export const DEFAULT_PRIORITY_VALUE = 13;

/** Decodes a PRI value (0..191) into facility and severity. */
export function decodePriority(priority: number): Priority {
  const facility = priority >> 3;
  const severity = priority & 7;
  return {
    priority,
    facility: { code: facility, name: FACILITY_NAMES[facility] ?? `facility${facility}` },
    severity: { code: severity, name: SEVERITY_NAMES[severity]! },
  };
}

/**
 * Reads `<PRI>` at the start of a line. Returns the PRI and the index after `>`, `null` when the
 * line does not start with `<`, or `'invalid'` when it starts with `<` but the PRI is malformed.
 */
export function readPriority(line: string): { priority: number; end: number } | null | 'invalid' {
  if (line.charCodeAt(0) !== 0x3c /* < */) return null;
  let value = 0;
  let i = 1;
  for (; i < line.length && i <= 4; i++) {
    const code = line.charCodeAt(i);
    if (code === 0x3e /* > */) break;
    if (code < 0x30 || code > 0x39) return 'invalid';
    value = value * 10 + (code - 0x30);
  }
  const digits = i - 1;
  if (line.charCodeAt(i) !== 0x3e || digits === 0 || digits > 3) return 'invalid';
  // RFC 5424 §6.2.1: no leading zeros, except PRI 0 itself.
  if (digits > 1 && line.charCodeAt(1) === 0x30) return 'invalid';
  if (value > 191) return 'invalid';
  return { priority: value, end: i + 1 };
}
