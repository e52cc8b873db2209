import type { EcsEvent } from '@vigil/schema';
import { edgeErrors } from './errors.ts';
import type { EdgeInput } from './metrics.ts';
import type { ParserRegistry } from './parsers/registry.ts';
import type { QuarantinedFrame } from './syslog/framing.ts';
import { parseSyslog } from './syslog/parse-syslog.ts';
import type { SyslogMessage } from './syslog/syslog-message.ts';

/**
 * How far an event was understood:
 * - `parsed`: the header parsed and, when the program has a parser, that parser knew the message;
 * - `partial`: the header parsed but the program's parser did not know the message;
 * - `unparsed`: the header (or the framing) could not be read; only `event.original` is reliable.
 */
export type ParseStatus = 'parsed' | 'partial' | 'unparsed';

/** A syslog message turned into an ECS event, with what the edge should count about it. */
export interface NormalizedSyslog {
  event: EcsEvent;
  status: ParseStatus;
  /** Metric reason for `unparsed`, parser name for `partial`. */
  detail?: string;
}

// rsyslog and syslog-ng fold repeats of one line into this wrapper.
const REPEATED = /^message repeated (\d+) times: \[ ?(.*?) ?\]$/;

/**
 * Normalizes one syslog line to ECS: `log.syslog.*`, `host.hostname`, `process.*`,
 * `@timestamp` (as the source claims it, else the receipt time), `message`, `event.original`
 * (always the raw line) and `event.created` (the edge's receipt time), then the program parser's
 * fields. A line whose header cannot be read is kept as `unparsed` with `error.*` set.
 */
export function normalizeSyslog(raw: string, receivedAt: string, input: EdgeInput, parsers: ParserRegistry, nowMs: number): NormalizedSyslog {
  const result = parseSyslog(raw, nowMs);
  if (!result.ok) {
    const error = edgeErrors.create('VIGIL_ERR_EDGE_SYSLOG_HEADER', { reason: result.failure.reason });
    const event = baseEvent(raw, receivedAt, input, 'unparsed', 'syslog');
    event.message = raw;
    event.error = { code: error.code, message: error.message };
    if (result.failure.priority) event.log = { syslog: { ...result.failure.priority } };
    return { event, status: 'unparsed', detail: 'bad_header' };
  }
  const syslog = result.message;
  const event = baseEvent(raw, receivedAt, input, 'parsed', `syslog-${syslog.format}`);
  applyHeader(event, syslog);
  let text = syslog.message;
  const repeated = REPEATED.exec(text);
  if (repeated) {
    text = repeated[2]!;
    event.vigil!.aggregation = { count: Number(repeated[1]) };
  }
  const choice = parsers.choose(syslog.appname, text);
  if (!choice) return { event, status: 'parsed' };
  const fields = choice.parser.parse(text);
  if (!fields) {
    if (choice.by === 'content') return { event, status: 'parsed' };
    event.vigil!.parse = { status: 'partial', parser: choice.parser.name };
    return { event, status: 'partial', detail: choice.parser.name };
  }
  merge(event, fields);
  event.vigil!.parse = { status: 'parsed', parser: choice.parser.name };
  return { event, status: 'parsed' };
}

const FRAME_ERRORS = {
  frame_too_large: 'VIGIL_ERR_EDGE_FRAME_TOO_LARGE',
  bad_octet_count: 'VIGIL_ERR_EDGE_FRAME_MALFORMED',
  truncated_frame: 'VIGIL_ERR_EDGE_FRAME_TRUNCATED',
} as const;

/**
 * Keeps bytes that were not a usable frame as an `unparsed` event: `event.original` holds what
 * was kept (for an oversized frame, its first maxMessageBytes) and `error.*` says why.
 */
export function quarantineToEvent(frame: QuarantinedFrame, maxMessageBytes: number, receivedAt: string, input: EdgeInput): EcsEvent {
  const raw = frame.bytes.toString('utf8');
  const code = FRAME_ERRORS[frame.reason];
  const error = edgeErrors.create(code, {
    size: frame.size ?? `over ${maxMessageBytes}`,
    max: maxMessageBytes,
    kept: frame.bytes.length,
    missing: frame.size === undefined ? 'some' : frame.size - frame.bytes.length,
    reason: 'no <length> header',
  });
  const event = baseEvent(raw, receivedAt, input, 'unparsed', 'syslog-framing');
  event.message = raw;
  event.error = { code: error.code, message: error.message };
  return event;
}

function baseEvent(raw: string, receivedAt: string, input: EdgeInput, status: ParseStatus, parser: string): EcsEvent {
  return {
    '@timestamp': receivedAt,
    event: { kind: 'event', created: receivedAt, original: raw },
    vigil: { parse: { status, parser }, input: { type: input } },
  };
}

function applyHeader(event: EcsEvent, syslog: SyslogMessage): void {
  if (syslog.timestamp) event['@timestamp'] = syslog.timestamp;
  event.message = syslog.message;
  const log: NonNullable<NonNullable<EcsEvent['log']>['syslog']> = {};
  if (syslog.priority) Object.assign(log, syslog.priority);
  if (syslog.version) log.version = syslog.version;
  if (syslog.hostname) {
    log.hostname = syslog.hostname;
    event.host = { hostname: syslog.hostname };
  }
  if (syslog.appname) log.appname = syslog.appname;
  if (syslog.procid) log.procid = syslog.procid;
  if (syslog.msgid) log.msgid = syslog.msgid;
  if (syslog.structuredData) log.structured_data = syslog.structuredData;
  event.log = { syslog: log };
  if (syslog.appname) {
    event.process = { name: syslog.appname };
    if (syslog.procid && /^\d{1,10}$/.test(syslog.procid)) event.process.pid = Number(syslog.procid);
  }
  event.event!.dataset = 'syslog';
}

/** Merges a parser's fields (our own code's keys, never input keys) one field set deep. */
function merge(event: EcsEvent, fields: EcsEvent): void {
  const target = event as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) {
    const existing = target[key];
    if (existing && typeof existing === 'object' && !Array.isArray(existing) && value && typeof value === 'object' && !Array.isArray(value)) {
      target[key] = { ...existing, ...value };
    } else {
      target[key] = value;
    }
  }
}
