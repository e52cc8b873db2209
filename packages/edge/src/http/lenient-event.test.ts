import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeTimestamp, toLenientEvent } from './lenient-event.ts';

const LIMITS = { maxFields: 1000, maxDepth: 20 };

/** The source lines (every second line) of a bulk fixture. */
function sources(fixture: string): string[] {
  const lines = readFileSync(join(import.meta.dirname, 'testdata', fixture), 'utf8').trim().split('\n');
  return lines.filter((_line, index) => index % 2 === 1);
}

function convert(text: string) {
  const result = toLenientEvent(JSON.parse(text) as Record<string, unknown>, text, LIMITS);
  if (!result.ok) throw result.error;
  return result;
}

describe('lenient ECS conversion', () => {
  it('keeps what a Filebeat document has in ECS and moves the rest into labels', () => {
    const [text] = sources('filebeat-bulk.ndjson');
    const { event, moved } = convert(text!);
    expect(event).toMatchObject({
      '@timestamp': '2025-03-14T10:15:02.123Z',
      message: expect.stringContaining('Failed password for invalid user admin'),
      ecs: { version: '8.0.0' },
      host: { name: 'web-01', hostname: 'web-01', id: '4f1d2c3b5a6e7f8091a2b3c4d5e6f708', ip: ['10.0.4.21', 'fe80::216:3eff:fe12:3456'], mac: ['00-16-3E-12-34-56'] },
      log: { file: { path: '/var/log/auth.log' } },
    });
    expect(event.labels).toMatchObject({
      'log.offset': '18233',
      'input.type': 'filestream',
      'agent.type': 'filebeat',
      'agent.version': '8.17.0',
      'host.architecture': 'x86_64',
      'host.os.name': 'Debian GNU/Linux',
      'host.containerized': 'false',
      'fields.env': 'prod',
      'fields.team': 'platform',
    });
    expect(moved).toBe(Object.keys(event.labels!).length);
    // The message is the raw line Filebeat read; it is the event's original.
    expect(event.event?.original).toBe(event.message);
  });

  it('reads a Logstash document as Elasticsearch would index it', () => {
    const [first, second] = sources('logstash-bulk.ndjson');
    const syslog = convert(first!).event;
    expect(syslog.event?.original).toBe('<38>Mar 14 10:16:40 fw-edge-2 sshd[991]: Accepted publickey for deploy from 198.51.100.20 port 40022 ssh2');
    expect(syslog.host?.ip).toEqual(['192.0.2.44']);
    expect(syslog.tags).toEqual(['syslog', '_grokparsefailure']);
    expect(syslog.log?.syslog?.priority).toBe(38);
    expect(syslog.labels).toMatchObject({ '@version': '1', type: 'syslog', 'data_stream.dataset': 'generic', 'service.type': 'system' });
    const login = convert(second!).event;
    expect(login.source).toEqual({ ip: '203.0.113.9', port: 51122 });
    expect(login.user).toEqual({ name: 'alice', id: '1001' });
    expect(login.event?.outcome).toBe('failure');
  });

  it('understands Vector: host as a string, timestamp instead of @timestamp', () => {
    const [file, syslog] = sources('vector-bulk.ndjson');
    const access = convert(file!).event;
    expect(access.host).toEqual({ hostname: 'web-02' });
    expect(access['@timestamp']).toBe('2025-03-14T10:17:05.338912Z');
    expect(access.labels).toEqual({ timestamp: '2025-03-14T10:17:05.338912Z', source_type: 'file', file: '/var/log/nginx/access.log' });
    const ssh = convert(syslog!).event;
    expect(ssh.labels).toMatchObject({ appname: 'sshd', procid: '4121', hostname: 'bastion', source_ip: '10.1.2.3' });
    expect(ssh.message).toBe('Invalid user oracle from 203.0.113.50 port 33120');
  });

  it("takes Fluent Bit's log field as the message", () => {
    const [text] = sources('fluent-bit-bulk.ndjson');
    const { event } = convert(text!);
    expect(event.message).toMatch(/^2025-03-14T10:18:00.000Z level=warn/);
    expect(event.event?.original).toBe(event.message);
    expect(event.labels).toEqual({ stream: 'stderr', 'kubernetes.pod_name': 'auth-7d9f6c5b8-x2kqp', 'kubernetes.namespace_name': 'prod', 'kubernetes.labels.app': 'auth' });
  });

  it('keeps the whole document as event.original when it has no raw text of its own', () => {
    const text = '{"user":{"name":"bob"},"metric":{"cpu":0.93},"source":{"ip":"not-an-ip"}}';
    const { event } = convert(text);
    expect(event.event?.original).toBe(text);
    expect(event.user).toEqual({ name: 'bob' });
    expect(event.labels).toEqual({ 'metric.cpu': '0.93', 'source.ip': 'not-an-ip' });
  });

  it('moves fields only Vigil sets, bad enum values and wrong shapes into labels instead of rejecting', () => {
    const text = JSON.stringify({
      message: 'm',
      event: { id: 'theirs', created: '2025-01-01T00:00:00Z', ingested: '2025-01-01T00:00:01Z', kind: 'bogus', action: 'x' },
      vigil: { edge: { id: 'spoofed' } },
      source: { geo: { location: { lat: 48.1 } } },
      tags: 'single',
      process: { args: ['a', { nested: true }] },
    });
    const { event } = convert(text);
    expect(event.event).toEqual({ action: 'x', original: 'm' });
    expect(event.vigil).toBeUndefined();
    expect(event.tags).toEqual(['single']);
    expect(event.labels).toEqual({
      'event.id': 'theirs',
      'event.created': '2025-01-01T00:00:00Z',
      'event.ingested': '2025-01-01T00:00:01Z',
      'event.kind': 'bogus',
      'vigil.edge.id': 'spoofed',
      'source.geo.location.lat': '48.1',
      'process.args': '["a",{"nested":true}]',
    });
  });

  it('moves keys named like Object methods as plain fields', () => {
    const { event } = convert('{"message":"m","toString":"x","hasOwnProperty":1,"host":{"valueOf":"y","name":"h"}}');
    expect(event.host).toEqual({ name: 'h' });
    expect(event.labels).toEqual({ toString: 'x', hasOwnProperty: '1', 'host.valueOf': 'y' });
  });

  it("keeps the document's own labels first and never overwrites one", () => {
    const { event } = convert('{"labels":{"env":"prod","count":3},"env":"staging","message":"m"}');
    expect(event.labels).toEqual({ env: 'prod', count: '3', 'env~2': 'staging' });
  });

  it('reads dates without a zone or in epoch numbers, keeping what was sent', () => {
    const local = convert('{"@timestamp":"2025-03-14 10:00:00.5","message":"m"}').event;
    expect(local['@timestamp']).toBe('2025-03-14T10:00:00.5Z');
    expect(local.labels).toEqual({ '@timestamp': '2025-03-14 10:00:00.5' });
    const epoch = convert('{"@timestamp":1741946400000,"event":{"start":1741946400},"message":"m"}').event;
    expect(epoch['@timestamp']).toBe('2025-03-14T10:00:00.000Z');
    expect(epoch.event?.start).toBe('2025-03-14T10:00:00.000Z');
    expect(normalizeTimestamp('2025-03-14T10:00:00+0200')).toBe('2025-03-14T10:00:00+02:00');
    expect(normalizeTimestamp('yesterday')).toBeUndefined();
    const unreadable = convert('{"@timestamp":"yesterday","message":"m"}').event;
    expect(unreadable['@timestamp']).toBeUndefined();
    expect(unreadable.labels).toEqual({ '@timestamp': 'yesterday' });
  });

  it('refuses documents over the field or depth limits', () => {
    const wide = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, i]));
    const tooWide = toLenientEvent(wide, JSON.stringify(wide), { maxFields: 20, maxDepth: 20 });
    expect(tooWide).toMatchObject({ ok: false, error: { code: 'VIGIL_ERR_EDGE_EVENT_TOO_MANY_FIELDS', message: 'event has 30 fields, more than 20' } });
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 25; i++) deep = { level: deep };
    const tooDeep = toLenientEvent(deep, JSON.stringify(deep), LIMITS);
    expect(tooDeep).toMatchObject({ ok: false, error: { code: 'VIGIL_ERR_EDGE_EVENT_TOO_DEEP' } });
    const nestedArrays = JSON.parse(`{"a":${'['.repeat(30)}1${']'.repeat(30)}}`) as Record<string, unknown>;
    expect(toLenientEvent(nestedArrays, '', LIMITS)).toMatchObject({ ok: false, error: { code: 'VIGIL_ERR_EDGE_EVENT_TOO_DEEP' } });
  });

  it('refuses keys that could reach a prototype, at any depth, without polluting anything', () => {
    for (const text of ['{"__proto__":{"polluted":"yes"}}', '{"fields":{"constructor":{"prototype":{"polluted":"yes"}}}}', '{"a":[{"b":{"__proto__":{"x":1}}}]}']) {
      const result = toLenientEvent(JSON.parse(text) as Record<string, unknown>, text, LIMITS);
      expect(result).toMatchObject({ ok: false, error: { code: 'VIGIL_ERR_EDGE_EVENT_UNSAFE_KEY' } });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
