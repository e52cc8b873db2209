import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { textReader } from './feed-source.ts';
import { loadMispFeed } from './misp-feed.ts';

const NOW = Date.parse('2026-03-01T00:00:00Z');
const directory = join(import.meta.dirname, 'testdata', 'misp');
const read = textReader({ maxBytes: 1_000_000, timeoutMs: 5_000 });
const options = { source: 'misp-osint', defaultConfidence: 40, location: directory, nowMs: NOW };

describe('MISP feed', () => {
  it('reads the to_ids attributes of every event in the manifest, objects included', async () => {
    const result = await loadMispFeed((name) => read(join(directory, name)), options);
    expect(result.indicators.map((indicator) => [indicator.type, indicator.value, indicator.confidence, indicator.severity])).toEqual([
      ['ipv4', '192.0.2.10', 90, 'high'],
      ['domain', 'cdn-invoices.bad.example', 90, 'high'],
      ['sha256', '1524b178288a3d4bfdafd6391bb5b8a96434d67cdbc85f1f5234c46866b6fc7c', 90, 'high'],
      ['sha1', '6cce1e91a09ef6a109e6e99169b1feda5c4a769a', 90, 'high'],
      ['domain', 'webmail-verify.example', 40, undefined],
      ['ipv4', '203.0.113.80', 40, undefined],
      ['domain', 'kit.webmail-verify.example', 40, undefined],
    ]);
    expect(result.indicators[1]).toEqual({
      type: 'domain',
      value: 'cdn-invoices.bad.example',
      source: 'misp-osint',
      confidence: 90,
      severity: 'high',
      description: 'QakBot distribution campaign, February 2026',
      last_seen: '2026-02-19T00:00:00.000Z',
      tags: ['tlp:green', 'malware:qakbot', 'kill-chain:delivery'],
      id: '9f1a2b3c-4d5e-4f60-8a1b-2c3d4e5f6a71',
    });
    expect(result.indicators[0]!.description).toBe('C2 over HTTPS');
  });

  it('counts a bad attribute, an unsupported type and unreadable events, and never reads outside the feed', async () => {
    const asked: string[] = [];
    const result = await loadMispFeed((name) => {
      asked.push(name);
      return read(join(directory, name));
    }, options);
    expect(asked).not.toContain('../../../etc/passwd.json');
    expect(result).toMatchObject({ entries: 8, rejected: 3, unsupported: 1, expired: 0 });
    expect(result.problems).toEqual([
      { kind: 'rejected', entry: 'event 41c2633e-1683-40cd-b983-b4f392aa49e9 Attribute[4]', reason: "'192.0.2.256' is not an IP address" },
      { kind: 'unsupported', entry: 'event 67aeb96d-4438-442e-936b-00f4b80cbd58 Attribute[2]', reason: "attribute type 'email-src' is not one Vigil matches on" },
      { kind: 'rejected', entry: 'event 24fbbc38-4ede-4f18-8d29-b734515d73dd', reason: expect.stringMatching(/^event file unreadable: threat-intel feed .*24fbbc38-4ede-4f18-8d29-b734515d73dd\.json is unreadable: ENOENT/) },
      { kind: 'rejected', entry: 'event ../../../etc/passwd', reason: 'event file unreadable: the manifest key is not an event uuid' },
    ]);
  });

  it('throws when the manifest cannot be read', async () => {
    await expect(loadMispFeed(async () => readFile(join(directory, 'missing-manifest.json'), 'utf8'), options)).rejects.toThrow(/unreadable: manifest\.json: ENOENT/);
    await expect(loadMispFeed(async () => '{"41c2633e-1683-40cd-b983-b4f392aa49e9": ', options)).rejects.toThrow(/manifest\.json is not JSON/);
    await expect(loadMispFeed(async () => '[1, 2]', options)).rejects.toThrow('manifest.json is not an object of events');
  });
});
