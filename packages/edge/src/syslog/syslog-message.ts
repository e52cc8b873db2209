import type { Priority } from './priority.ts';

/** RFC 5424 structured data: SD-ID → param name → value (a list when a param name repeats). */
export type StructuredData = Record<string, Record<string, string | string[]>>;

/**
 * What a parser had to assume or repair, recorded in `vigil.parse.flags`:
 * - `pri_missing`: no `<PRI>`; facility user, severity notice assumed (RFC 3164 §4.3.3);
 * - `utf8_bom`: the message declared itself UTF-8 with a byte order mark (removed);
 * - `latin1`: the bytes were not valid UTF-8 and were read as Latin-1, byte for byte;
 * - `clock_unsynced` / `clock_sync_lost`: a Cisco `*` / `.` marker, the device clock is not (or no longer) synchronized.
 */
export type SyslogFlag = 'pri_missing' | 'timestamp_missing' | 'utf8_bom' | 'latin1' | 'clock_unsynced' | 'clock_sync_lost';

/** A Cisco `%FACILITY-SEVERITY-MNEMONIC` message tag (IOS, NX-OS, ASA, PIX, FTD). */
export interface CiscoTag {
  facility: string;
  severity: number;
  /** The mnemonic (IOS `CONFIG_I`) or message id (ASA `302013`). */
  mnemonic: string;
}

/** A syslog message whose header was understood. Absent fields were NIL (`-`) or not sent. */
export interface SyslogMessage {
  format: 'rfc5424' | 'rfc3164';
  priority?: Priority;
  /** The time the sender claims, ISO-8601 UTC. */
  timestamp?: string;
  /** The zone a timestamp without offset was read in (`event.timezone`). */
  timezone?: string;
  hostname?: string;
  appname?: string;
  procid?: string;
  msgid?: string;
  version?: string;
  structuredData?: StructuredData;
  /** A sequence number the sender put before the message (Cisco `service sequence-numbers`). */
  sequence?: number;
  cisco?: CiscoTag;
  /** A syslogd `-- MARK --` heartbeat. */
  mark?: boolean;
  flags?: SyslogFlag[];
  /** The free-text message after the header (may be empty). */
  message: string;
  /**
   * What program parsers read when it differs from `message`: for Cisco, the text from the
   * `%FAC-SEV-MNEMONIC:` tag on, so a parser can tell the message id.
   */
  programText?: string;
}

/** Why a header could not be read: the `reason` label of `vigil_edge_parse_failures_total`. */
export type SyslogFailureKind = 'bad_priority' | 'bad_version' | 'bad_timestamp' | 'no_timestamp' | 'truncated_header' | 'bad_structured_data';

/** The header could not be read; `priority` is kept when at least the PRI was valid. */
export interface SyslogParseFailure {
  kind: SyslogFailureKind;
  /** What was wrong, for `error.message`. */
  reason: string;
  priority?: Priority;
}

export type SyslogParseResult = { ok: true; message: SyslogMessage } | { ok: false; failure: SyslogParseFailure };
