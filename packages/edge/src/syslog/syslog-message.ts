import type { Priority } from './priority.ts';

/** RFC 5424 structured data: SD-ID → param name → value. */
export type StructuredData = Record<string, Record<string, string>>;

/** A syslog message whose header was understood. Absent fields were NIL (`-`) or not sent. */
export interface SyslogMessage {
  format: 'rfc5424' | 'rfc3164';
  priority?: Priority;
  /** The time the sender claims, ISO-8601 UTC. */
  timestamp?: string;
  hostname?: string;
  appname?: string;
  procid?: string;
  msgid?: string;
  version?: string;
  structuredData?: StructuredData;
  /** The free-text message after the header (may be empty). */
  message: string;
}

/** The header could not be read; `priority` is kept when at least the PRI was valid. */
export interface SyslogParseFailure {
  reason: string;
  priority?: Priority;
}

export type SyslogParseResult = { ok: true; message: SyslogMessage } | { ok: false; failure: SyslogParseFailure };
