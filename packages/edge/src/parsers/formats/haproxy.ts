import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { EventBuilder, parseInt64, parseUint } from './event-builder.ts';
import { applyRequestLine, applyStatus } from './http-fields.ts';
import { parseClfTime } from './time.ts';

const HEAD = /^(\S{1,64}):(\d{1,5}) \[(\d{1,2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)\] /;
// `%ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq {%hr} {%hs} %{+Q}r`;
// `+` marks values logged early with `option logasap`. A request cut at the line limit has no closing quote.
const HTTP =
  /^(\S{1,128}) ([^\s/]{1,128})\/(\S{1,128}) (-?\d{1,10})\/(-?\d{1,10})\/(-?\d{1,10})\/(-?\d{1,10})\/\+?(-?\d{1,10}) (-?\d{1,3}) \+?(\d{1,18}) \S+ \S+ (\S{4}) (\d{1,10})\/(\d{1,10})\/(\d{1,10})\/(\d{1,10})\/\+?(\d{1,10}) (\d{1,10})\/(\d{1,10})(?: \{([^}]*)\})?(?: \{([^}]*)\})?(?: "([^"]*)"?)?/;
// `%ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq`
const TCP =
  /^(\S{1,128}) ([^\s/]{1,128})\/(\S{1,128}) (-?\d{1,10})\/(-?\d{1,10})\/\+?(-?\d{1,10}) \+?(\d{1,18}) (\S{2}) (\d{1,10})\/(\d{1,10})\/(\d{1,10})\/(\d{1,10})\/\+?(\d{1,10}) (\d{1,10})\/(\d{1,10})$/;
const CONNECTION_ERROR = /^(\S{1,128}): (.+)$/s;
const CONNECT = /^Connect from (\S{1,64}):(\d{1,5}) to (\S{1,64}):(\d{1,5}) \(([^\s/)]{1,128})\/([^\s)]{1,16})\)$/;
const SERVER_STATE = /^(?:\[([A-Z]{4,7})\] \S{1,32} \(\d{1,10}\) : )?Server ([^\s/]{1,128})\/(\S{1,128}) (?:is |was )?(?:going )?(UP|DOWN)\b(.*)$/s;
const NO_SERVER = /^(?:\[([A-Z]{4,7})\] \S{1,32} \(\d{1,10}\) : )?(?:backend|proxy) (\S{1,128}) has no server available!/;
const STATE_REASON = /, reason: ([^,]{1,256})(?:, info: "([^"]{0,512})")?/;
const PROBE = /^\S{1,64}:\d{1,5} \[\d{1,2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2}\.\d{3}\] \S/;

// What the first character of a termination state says about how the session ended.
const TERMINATION: Readonly<Record<string, string>> = {
  C: 'client aborted',
  S: 'server aborted or refused',
  P: 'proxy aborted (deny or internal error)',
  L: 'processed locally by haproxy',
  R: 'proxy resource exhausted',
  I: 'proxy internal error',
  D: 'server went down',
  U: 'backup server came up',
  K: 'killed by an admin',
  c: 'client timeout',
  s: 'server timeout',
};

/**
 * HAProxy logs (program `haproxy`) to ECS: the HTTP and TCP log formats (`source.*`,
 * `@timestamp`, `http.*`, `url.*`, `event.duration`, `destination.address` = the server), the
 * `Connect from` lines of the default format, connection errors, and servers going UP/DOWN.
 * HAProxy's own names go to `labels`: `frontend`, `backend`, `server`, timers (`*_ms`),
 * `termination_state`, connection and queue counts.
 */
export const haproxyParser: MessageParser = {
  name: 'haproxy',
  programs: ['haproxy'],
  probe: (message) => PROBE.test(message),
  parse(message) {
    const head = HEAD.exec(message);
    if (head) return parseTraffic(message, head);
    return parseConnect(message) ?? parseServerState(message);
  },
};

function newEvent(): EventBuilder {
  return new EventBuilder('haproxy', 'haproxy.log');
}

function parseTraffic(message: string, head: RegExpExecArray): EcsEvent | null {
  const when = parseClfTime(head[3]!);
  const port = parseUint(head[2]!);
  if (!when || port > 65535) return null;
  const rest = message.slice(head[0].length);
  const b = newEvent();
  b.timestamp(when.timestamp);
  if (!b.ip(b.source(), head[1]!)) b.source().address = head[1]!;
  b.source().port = port;
  const event = b.event();
  let m = HTTP.exec(rest);
  if (m) {
    event.category = ['web'];
    event.type = ['access'];
    route(b, m[1]!, m[2]!, m[3]!);
    timers(b, ['request_ms', 'queue_ms', 'connect_ms', 'response_ms', 'active_ms'], [m[4]!, m[5]!, m[6]!, m[7]!, m[8]!]);
    const status = Number(m[9]);
    if (status >= 100) applyStatus(b, status);
    b.http().response = { ...b.http().response, bytes: Number(m[10]) };
    termination(b, m[11]!);
    counts(b, [m[12]!, m[13]!, m[14]!, m[15]!, m[16]!, m[17]!, m[18]!]);
    if (m[19]) b.label('captured_request_headers', m[19]);
    if (m[20]) b.label('captured_response_headers', m[20]);
    b.network().protocol = 'http';
    const request = m[21];
    if (request !== undefined && request.length > 0 && !applyRequestLine(b, request)) b.label('request', request);
    return b.build();
  }
  m = TCP.exec(rest);
  if (m) {
    event.category = ['network'];
    event.type = ['connection', 'end'];
    route(b, m[1]!, m[2]!, m[3]!);
    timers(b, ['queue_ms', 'connect_ms', 'total_ms'], [m[4]!, m[5]!, m[6]!]);
    b.destination().bytes = Number(m[7]);
    termination(b, m[8]!);
    event.outcome = m[8]!.charCodeAt(0) === 0x2d /* - */ ? 'success' : 'failure';
    counts(b, [m[9]!, m[10]!, m[11]!, m[12]!, m[13]!, m[14]!, m[15]!]);
    b.network().transport = 'tcp';
    return b.build();
  }
  m = CONNECTION_ERROR.exec(rest);
  if (m) {
    event.category = ['network'];
    event.type = ['connection'];
    event.action = 'connection-error';
    event.outcome = 'failure';
    const frontend = m[1]!;
    const slash = frontend.indexOf('/');
    b.label('frontend', slash > 0 ? frontend.slice(0, slash) : frontend);
    if (slash > 0) b.label('bind', frontend.slice(slash + 1));
    event.reason = m[2]!;
    return b.build();
  }
  return null;
}

function route(b: EventBuilder, frontend: string, backend: string, server: string): void {
  // `~` after the frontend name means the client connection was TLS.
  const tls = frontend.endsWith('~');
  b.label('frontend', tls ? frontend.slice(0, -1) : frontend);
  if (tls) b.url().scheme = 'https';
  b.label('backend', backend);
  b.label('server', server);
  if (server !== '<NOSRV>') b.destination().address = server;
}

function timers(b: EventBuilder, names: readonly string[], values: readonly string[]): void {
  for (let i = 0; i < names.length; i++) b.label(names[i]!, values[i]!);
  // The last timer is the session's total (Ta / Tt); -1 means it did not complete.
  const total = parseInt64(values[values.length - 1]!);
  if (total !== null && total >= 0) b.event().duration = total * 1_000_000;
}

function termination(b: EventBuilder, state: string): void {
  b.label('termination_state', state);
  const reason = TERMINATION[state.charAt(0)];
  if (reason) b.event().reason = reason;
}

const COUNT_NAMES = ['actconn', 'feconn', 'beconn', 'srv_conn', 'retries', 'srv_queue', 'backend_queue'] as const;

function counts(b: EventBuilder, values: readonly string[]): void {
  for (let i = 0; i < COUNT_NAMES.length; i++) b.label(COUNT_NAMES[i]!, values[i]!);
}

function parseConnect(message: string): EcsEvent | null {
  const m = CONNECT.exec(message);
  if (!m) return null;
  const b = newEvent();
  const event = b.event();
  event.category = ['network'];
  event.type = ['connection', 'start'];
  event.action = 'connection-accepted';
  if (!b.ip(b.source(), m[1]!)) b.source().address = m[1]!;
  if (!b.port(b.source(), m[2]!)) return null;
  if (!b.ip(b.destination(), m[3]!)) b.destination().address = m[3]!;
  if (!b.port(b.destination(), m[4]!)) return null;
  b.label('frontend', m[5]!);
  const mode = m[6]!.toLowerCase();
  b.network().transport = 'tcp';
  if (mode === 'http') b.network().protocol = 'http';
  return b.build();
}

function parseServerState(message: string): EcsEvent | null {
  const b = newEvent();
  const event = b.event();
  event.category = ['network'];
  event.type = ['info'];
  let m = SERVER_STATE.exec(message);
  if (m) {
    if (m[1]) b.log().level = m[1].toLowerCase();
    b.label('backend', m[2]!);
    b.label('server', m[3]!);
    b.destination().address = m[3]!;
    const up = m[4] === 'UP';
    event.action = up ? 'server-up' : 'server-down';
    const reason = STATE_REASON.exec(m[5]!);
    if (reason) event.reason = reason[2] ? `${reason[1]}: ${reason[2]}` : reason[1]!;
    else if (m[5]!.startsWith(' for maintenance')) event.reason = 'maintenance';
    return b.build();
  }
  m = NO_SERVER.exec(message);
  if (m) {
    if (m[1]) b.log().level = m[1].toLowerCase();
    b.label('backend', m[2]!);
    event.action = 'backend-down';
    event.reason = 'no server available';
    return b.build();
  }
  return null;
}
