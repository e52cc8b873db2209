import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { validateEvent } from '@vigil/schema';
import type { MessageParser } from '../parsers/parser.ts';
import { ParserRegistry } from '../parsers/registry.ts';
import { sshdParser } from '../parsers/sshd.ts';
import { metricValue } from '../test-support.ts';
import { KEYS, call, edgeStarter } from './test-harness.ts';

const startEdge = edgeStarter();

/** A parser of our own, to test a registry the edge does not ship with. */
const tinyParser: MessageParser = {
  name: 'tiny.kv',
  programs: ['tinyapp'],
  probe: (message) => message.startsWith('tinykv '),
  parse(message) {
    const match = /^tinykv user=(\S+) action=(\S+)$/.exec(message);
    return match ? { user: { name: match[1]! }, event: { action: match[2]! } } : null;
  },
};
const parsers = new ParserRegistry([sshdParser, tinyParser]);

function raw(url: string, query: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return call(url, `/api/v1/events/raw${query}`, { method: 'POST', body, headers: { authorization: `Bearer ${KEYS.filebeat}`, 'content-type': 'text/plain', ...headers } });
}

describe('POST /api/v1/events/raw', () => {
  it('parses syslog lines with the program parser and keeps every original', async () => {
    const { url, producer, metrics } = await startEdge({}, { parsers });
    const lines = [
      '<38>Mar 14 10:15:02 bastion sshd[2211]: Failed password for invalid user admin from 203.0.113.7 port 52311 ssh2',
      '<38>Mar 14 10:15:03 bastion sshd[2211]: Server listening on 0.0.0.0 port 22.',
    ];
    const answer = await raw(url, '?format=syslog', `${lines.join('\n')}\n`);
    expect([answer.status, answer.body]).toEqual([202, { accepted: 2, rejected: 0, errors: [] }]);
    const [failed, listening] = producer.events();
    expect(failed).toMatchObject({
      host: { hostname: 'bastion' },
      process: { name: 'sshd', pid: 2211 },
      source: { ip: '203.0.113.7', port: 52311 },
      event: { action: 'ssh_login', outcome: 'failure', original: lines[0] },
      vigil: { parse: { status: 'parsed', parser: 'sshd' }, input: { type: 'http_raw' } },
    });
    expect(listening).toMatchObject({ event: { original: lines[1] }, vigil: { parse: { status: 'partial', parser: 'sshd' } } });
    for (const event of producer.events()) expect(validateEvent(event).ok).toBe(true);
    expect(await metricValue(metrics, 'vigil_edge_received_total', { source: 'http_raw' })).toBe(2);
    expect(await metricValue(metrics, 'vigil_edge_parse_partial_total', { parser: 'sshd' })).toBe(1);
  });

  it('applies a named parser to bare lines, keeps lines it does not know, and sets host and dataset', async () => {
    const { url, producer } = await startEdge({}, { parsers });
    const lines = ['Failed password for root from 198.51.100.4 port 40022 ssh2', 'Connection from 198.51.100.4 port 40022 on 10.0.0.5 port 22 rdomain ""'];
    const answer = await raw(url, '?format=sshd&host=bastion-2.example.net&dataset=sshd.forwarded', lines.join('\r\n'));
    expect(answer.body).toEqual({ accepted: 2, rejected: 0, errors: [] });
    const [parsed, unknown] = producer.events();
    expect(parsed).toMatchObject({ message: lines[0], user: { name: 'root' }, event: { action: 'ssh_login', dataset: 'sshd.forwarded', original: lines[0] }, host: { hostname: 'bastion-2.example.net' } });
    expect(unknown).toMatchObject({ message: lines[1], event: { original: lines[1] }, vigil: { parse: { status: 'partial', parser: 'sshd' } } });
  });

  it('uses a parser from the registry it is given', async () => {
    const { url, producer } = await startEdge({}, { parsers });
    const answer = await raw(url, '?format=tiny.kv', 'tinykv user=carol action=export\ntinykv garbage\n');
    expect(answer.body.accepted).toBe(2);
    expect(producer.events().map((event) => [event.user?.name, event.event?.action, event.vigil?.parse?.status])).toEqual([
      ['carol', 'export', 'parsed'],
      [undefined, undefined, 'partial'],
    ]);
  });

  it('without a format, reads syslog headers when there are some and otherwise probes the content', async () => {
    const { url, producer, metrics } = await startEdge({}, { parsers });
    const lines = [
      '<86>1 2025-03-14T10:20:00.000Z db-1 tinyapp 77 - - tinykv user=dave action=drop',
      'tinykv user=erin action=read',
      'Accepted publickey for deploy from 192.0.2.30 port 50000 ssh2',
      '',
      '   ',
      'just some words nobody parses',
    ];
    const answer = await raw(url, '', lines.join('\n'), { 'content-type': 'text/plain; charset=utf-8' });
    expect(answer.body).toEqual({ accepted: 4, rejected: 0, errors: [] });
    const events = producer.events();
    expect(events.map((event) => [event.vigil?.parse?.status, event.vigil?.parse?.parser])).toEqual([
      ['parsed', 'tiny.kv'],
      ['parsed', 'tiny.kv'],
      ['parsed', 'sshd'],
      ['unparsed', 'none'],
    ]);
    expect(events[0]).toMatchObject({ host: { hostname: 'db-1' }, user: { name: 'dave' }, log: { syslog: { appname: 'tinyapp' } } });
    expect(events[3]).toMatchObject({ message: 'just some words nobody parses', event: { original: 'just some words nobody parses' } });
    expect(await metricValue(metrics, 'vigil_edge_parse_failures_total', { reason: 'no_parser' })).toBe(1);
  });

  it('answers 400 for an unknown format, listing the known ones', async () => {
    const { url, producer } = await startEdge({}, { parsers });
    const answer = await raw(url, '?format=nginx.access', 'x\n');
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({ code: 'VIGIL_ERR_EDGE_HTTP_UNKNOWN_FORMAT', message: 'unknown format nginx.access; known formats: syslog, sshd, tiny.kv' });
    const twice = await raw(url, '?format=sshd&format=syslog', 'x\n');
    expect([twice.status, twice.body.error.code]).toEqual([400, 'VIGIL_ERR_EDGE_HTTP_BAD_PARAMETER']);
    const badHost = await raw(url, '?host=a%20b', 'x\n');
    expect(badHost.body.error.message).toMatch(/^query parameter host must match/);
    expect(producer.events()).toHaveLength(0);
  });

  it('takes gzip, rejects oversized lines on their own, and refuses other media types and too many lines', async () => {
    const { url, producer } = await startEdge({ http: { maxEventBytes: 1024, maxLinesPerRequest: 5 } }, { parsers });
    const body = gzipSync(['tinykv user=a action=b', 'z'.repeat(2000), 'tinykv user=c action=d'].join('\n'));
    const answer = await raw(url, '?format=tiny.kv', body, { 'content-encoding': 'gzip' });
    expect(answer.body).toEqual({ accepted: 2, rejected: 1, errors: [{ index: 1, code: 'VIGIL_ERR_EDGE_EVENT_TOO_LARGE', message: 'event of 2000 bytes exceeds maxEventBytes 1024' }] });
    expect(producer.events().map((event) => event.user?.name)).toEqual(['a', 'c']);
    const allTooLarge = await raw(url, '', 'q'.repeat(1500));
    expect([allTooLarge.status, allTooLarge.body.error.code, allTooLarge.body.rejected]).toEqual([400, 'VIGIL_ERR_EDGE_HTTP_NO_VALID_EVENTS', 1]);
    const json = await raw(url, '', '{"message":"x"}', { 'content-type': 'application/json' });
    expect([json.status, json.body.error.message]).toEqual([415, 'content type application/json is not accepted here; send text/plain']);
    const many = await raw(url, '', 'a\nb\nc\nd\ne\nf\n');
    expect([many.status, many.body.error.code]).toEqual([413, 'VIGIL_ERR_EDGE_HTTP_TOO_MANY_LINES']);
    const blank = await raw(url, '', '\n\n');
    expect([blank.status, blank.body.error.code]).toEqual([400, 'VIGIL_ERR_EDGE_HTTP_EMPTY_BODY']);
  });

  it('needs an ingest key and answers only once the lines are on the bus', async () => {
    const { url, producer } = await startEdge({}, { parsers });
    const anonymous = await raw(url, '', 'x', { authorization: '' });
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    const release = producer.hold();
    let answered = false;
    const pending = raw(url, '?format=syslog', '<13>Mar 14 10:30:00 app-1 cron[77]: (root) CMD (run-parts /etc/cron.hourly)').then((answer) => {
      answered = true;
      return answer;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answered).toBe(false);
    release();
    expect((await pending).status).toBe(202);
    expect(producer.events()[0]?.process?.name).toBe('cron');
  });
});
