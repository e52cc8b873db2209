import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@vigil/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { intelConfigSchema, type IntelConfigInput } from './config.ts';
import { IndicatorStore } from './indicator-store.ts';
import { IntelFeeds, type RefreshReport } from './intel-feeds.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');
const NOW = Date.parse('2026-03-01T00:00:00Z');

/** Records what was logged, by level. */
function recordingLogger(): { logger: Logger; lines: { level: string; fields: Record<string, unknown>; message: string }[] } {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const log = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
  const logger = { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') } as unknown as Logger;
  return { logger, lines };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('intel feeds', () => {
  let dir: string;
  let server: Server;
  let baseUrl: string;
  let httpStatus: number;
  let feeds: IntelFeeds | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-intel-'));
    await writeFile(join(dir, 'soc.csv'), 'type,value,confidence\nipv4,198.51.100.7,90\ndomain,evil.example,70\n');
    httpStatus = 200;
    const bundle = readFileSync(join(TESTDATA, 'bundle.json'));
    server = createServer((request, response) => {
      if (httpStatus !== 200) return void response.writeHead(httpStatus).end('upstream down');
      if (request.url === '/stix/bundle.json') return void response.writeHead(200, { 'content-type': 'application/json' }).end(bundle);
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await feeds?.stop();
    feeds = undefined;
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  function setUp(input: IntelConfigInput) {
    const store = new IndicatorStore({ maxIndicatorsPerFeed: 1_000, now: () => NOW });
    const reports: RefreshReport[] = [];
    const { logger, lines } = recordingLogger();
    feeds = new IntelFeeds(intelConfigSchema.parse(input), { store, logger, now: () => NOW, onRefresh: (report) => reports.push(report) });
    return { store, reports, lines, feeds };
  }

  it('loads file, directory and HTTP feeds at start', async () => {
    const { store, reports, feeds } = setUp({
      feeds: [
        { name: 'soc', kind: 'csv', path: join(dir, 'soc.csv') },
        { name: 'example-cert', kind: 'stix', url: `${baseUrl}/stix/bundle.json` },
        { name: 'misp-osint', kind: 'misp', path: join(TESTDATA, 'misp') },
      ],
    });
    await feeds.start();
    expect(reports).toHaveLength(3);
    expect(feeds.lastReports().map((report) => [report.feed, report.ok, report.indicators])).toEqual([
      ['soc', true, 2],
      ['example-cert', true, 11],
      ['misp-osint', true, 7],
    ]);
    expect(feeds.lastReports()[1]!.load).toMatchObject({ entries: 11, unsupported: 3, revoked: 1, expired: 1, rejected: 1 });
    expect(store.lookup('domain', 'a.evil.example').map((hit) => hit.source)).toEqual(['soc']);
    expect(store.lookup('ip', '203.0.113.200').map((hit) => hit.source)).toEqual(['example-cert']);
    expect(store.lookup('hash', '1524b178288a3d4bfdafd6391bb5b8a96434d67cdbc85f1f5234c46866b6fc7c').map((hit) => hit.source)).toEqual(['misp-osint']);
  });

  it('keeps the previous indicators when a refresh fails, logs the failure once, and recovers', async () => {
    const { store, reports, lines, feeds } = setUp({
      feeds: [
        { name: 'soc', kind: 'csv', path: join(dir, 'soc.csv') },
        { name: 'example-cert', kind: 'stix', url: `${baseUrl}/stix/bundle.json` },
      ],
    });
    await feeds.start();

    await writeFile(join(dir, 'soc.csv'), '<html>maintenance</html>\n');
    httpStatus = 503;
    const failed = await feeds.refresh('soc');
    await feeds.refresh('soc');
    const httpFailed = await feeds.refresh('example-cert');
    expect(failed).toMatchObject({ ok: false, indicators: 2, consecutiveFailures: 1, failures: 1, error: { code: 'VIGIL_ERR_INTEL_FEED_UNREADABLE' } });
    expect(failed.error!.message).toMatch(/soc\.csv is unreadable: the header \(line 1\) has no 'value' column$/);
    expect(httpFailed).toMatchObject({ ok: false, indicators: 11, error: { message: expect.stringMatching(/bundle\.json is unreadable: HTTP 503 Service Unavailable$/) } });
    expect(reports.at(-2)).toMatchObject({ feed: 'soc', ok: false, consecutiveFailures: 2, failures: 2 });
    expect(store.lookup('ip', '198.51.100.7').map((hit) => hit.source).sort()).toEqual(['example-cert', 'soc']);
    expect(lines.filter((line) => line.level === 'warn').map((line) => [line.fields.feed, line.fields.code])).toEqual([
      ['soc', 'VIGIL_ERR_INTEL_FEED_UNREADABLE'],
      ['example-cert', 'VIGIL_ERR_INTEL_FEED_UNREADABLE'],
    ]);

    await writeFile(join(dir, 'soc.csv'), 'value\n192.0.2.1\n');
    expect(await feeds.refresh('soc')).toMatchObject({ ok: true, indicators: 1, consecutiveFailures: 0, failures: 2 });
    expect(store.lookup('ip', '198.51.100.7').map((hit) => hit.source)).toEqual(['example-cert']);
    expect(lines.some((line) => line.message === 'threat-intel feed readable again' && line.fields.feed === 'soc')).toBe(true);
  });

  it('starts even when a feed is down, and shares a refresh already running', async () => {
    const { store, reports, feeds } = setUp({ feeds: [{ name: 'missing', kind: 'csv', path: join(dir, 'nope.csv') }] });
    await feeds.start();
    expect(reports[0]).toMatchObject({ ok: false, indicators: 0, error: { message: expect.stringContaining('ENOENT') } });
    expect(store.feedSize('missing')).toBeUndefined();
    const [a, b] = [feeds.refresh('missing'), feeds.refresh('missing')];
    expect(a).toBe(b);
    await a;
    expect(feeds.lastReports()).toHaveLength(1);
    await expect(feeds.refresh('other')).rejects.toThrow("no threat-intel feed named 'other'");
  });

  it('refreshes each feed on its interval until stopped', async () => {
    const { reports, feeds } = setUp({ feeds: [{ name: 'soc', kind: 'csv', path: join(dir, 'soc.csv'), refreshIntervalMs: 1_000 }] });
    await feeds.start();
    await writeFile(join(dir, 'soc.csv'), 'value\n192.0.2.1\n192.0.2.2\n192.0.2.3\n');
    await until(() => reports.length >= 2, 'the scheduled refresh');
    expect(reports[1]).toMatchObject({ ok: true, indicators: 3 });
    await feeds.stop();
    const count = reports.length;
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(reports).toHaveLength(count);
  });
});
