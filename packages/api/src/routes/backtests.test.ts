import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRules, type BacktestReport } from '@vigil/engine';
import { createSqliteStore, type StorableEvent, type Store } from '@vigil/store';
import type { ApiConfigInput } from '../config.ts';
import { bearer, createTestApi, type TestApi } from '../testing/harness.ts';

const PROBE_RULE = `title: Web path probe
id: 9d1c3e5f-7a9b-4c1d-8e3f-5a7b9c1d3e01
name: web_path_probe
level: low
logsource: {category: webserver}
detection:
  sel:
    url.path: [/wp-login.php, /.env, /.git/config, /phpmyadmin/]
    http.response.status_code: 404
  condition: sel
`;

const SCAN_RULE = `title: Web vulnerability scan
id: 4b6d8f0a-2c4e-4f6a-9b0d-2e4f6a8c0e02
name: web_scan
level: medium
correlation: {type: event_count, rules: [web_path_probe], group-by: [source.ip], timespan: 1m, condition: {gte: 3}}
vigil:
  message: 'Web scan from {source.ip}: {count} probes'
`;

const DOTENV_RULE = `title: Dotenv file requested
id: 7e9a1c3b-5d7f-4a9c-8b1d-3f5a7c9e1b03
name: dotenv_request
level: high
logsource: {category: webserver}
detection: {sel: {url.path: /.env}, condition: sel}
vigil: {group-by: [source.ip]}
`;

const at = (time: string) => `2025-06-03T${time}Z`;

function access(id: string, time: string, ip: string, path: string, status: number): StorableEvent {
  const original = `${ip} - - [03/Jun/2025:${time} +0000] "GET ${path} HTTP/1.1" ${status} 153 "-" "Mozilla/5.0 zgrab/0.x"`;
  return {
    '@timestamp': at(time),
    message: original,
    event: { id, kind: 'event', category: ['web'], type: ['access'], dataset: 'nginx.access', module: 'nginx', created: at(time), original },
    host: { hostname: 'www-1' },
    source: { ip },
    url: { path, original: path },
    http: { request: { method: 'GET' }, response: { status_code: status } },
    user_agent: { original: 'Mozilla/5.0 zgrab/0.x' },
  };
}

// A scanner at 10:15 (four probes), a visitor, and probes outside the range asked for.
const EVENTS: StorableEvent[] = [
  access('www-1:b1:1:0', '09:59:58', '198.51.100.77', '/.env', 404),
  access('www-1:b1:2:0', '10:15:01', '198.51.100.23', '/wp-login.php', 404),
  access('www-1:b1:2:1', '10:15:02', '203.0.113.40', '/index.html', 200),
  access('www-1:b1:2:2', '10:15:04', '198.51.100.23', '/.env', 404),
  access('www-1:b1:2:3', '10:15:09', '198.51.100.23', '/.git/config', 404),
  access('www-1:b1:2:4', '10:15:30', '198.51.100.23', '/phpmyadmin/', 404),
  access('www-1:b1:2:5', '10:16:00', '203.0.113.40', '/about.html', 200),
  access('www-1:b1:3:0', '11:00:00', '198.51.100.77', '/wp-login.php', 404),
];

const RANGE = { from: at('10:00:00'), to: at('11:00:00') };

let dir: string;
let store: Store;
let api: TestApi<Store>;
let analyst: string;

async function startApi(config: ApiConfigInput = {}): Promise<TestApi<Store>> {
  return createTestApi(config, undefined, undefined, { store, backtest: { loadRules: () => loadRules(join(dir, 'rules'), { pipelineDirs: [] }) } });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-backtest-api-'));
  const rules = join(dir, 'rules');
  mkdirSync(rules);
  writeFileSync(join(rules, 'web_path_probe.yml'), PROBE_RULE);
  writeFileSync(join(rules, 'web_scan.yml'), SCAN_RULE);
  writeFileSync(join(rules, 'dotenv_request.yml'), DOTENV_RULE);
  store = await createSqliteStore({ path: join(dir, 'store', 'vigil.db') });
  await store.init();
  await store.writeEvents(EVENTS);
  api = await startApi();
  analyst = await api.login('alice');
});

afterAll(async () => {
  await api.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function backtest(payload: unknown, token = analyst, target: TestApi<Store> = api) {
  return target.server.app.inject({ method: 'POST', url: '/api/v1/backtests', headers: bearer(token), payload: payload as Record<string, unknown> });
}

describe('POST /api/v1/backtests', () => {
  it('runs a correlation over the stored events of the range and reports the alert it would have raised, storing none', async () => {
    const response = await backtest({ rules: ['web_scan'], ...RANGE });
    expect(response.statusCode).toBe(200);
    const report = response.json() as BacktestReport & { from: string; to: string; query: string };
    expect(report).toMatchObject({ ...RANGE, query: '', complete: true, stoppedBy: null, eventsRead: 6, firstEventTime: at('10:15:01'), lastEventTime: at('10:16:00'), alertsRaised: 1, alertsOmitted: 0 });
    expect(report.rules.map(({ name, selected, raisesAlerts, matches, alerts }) => ({ name, selected, raisesAlerts, matches, alerts }))).toEqual([
      { name: 'web_path_probe', selected: false, raisesAlerts: false, matches: 4, alerts: 0 },
      { name: 'web_scan', selected: true, raisesAlerts: true, matches: 2, alerts: 1 },
    ]);
    const scan = report.alerts.find((alert) => alert.rule.title === 'Web vulnerability scan');
    expect(scan).toMatchObject({
      group: { 'source.ip': '198.51.100.23' },
      count: 4,
      firstSeen: '2025-06-03T10:15:01.000Z',
      lastSeen: '2025-06-03T10:15:30.000Z',
      severity: 'medium',
      message: 'Web scan from 198.51.100.23: 4 probes',
      eventIds: ['www-1:b1:2:0', 'www-1:b1:2:2', 'www-1:b1:2:3', 'www-1:b1:2:4'],
    });
    expect((await store.searchAlerts({ size: 10 })).total).toBe(0);
  });

  it('takes every rule with "all" and reads only the events the query matches', async () => {
    const response = await backtest({ rules: 'all', ...RANGE, query: 'source.ip:198.51.100.23 AND url.path:(/.env OR /wp-login.php)' });
    expect(response.statusCode).toBe(200);
    const report = response.json() as BacktestReport;
    expect(report).toMatchObject({ eventsRead: 2, alertsRaised: 1 });
    expect(report.rules.map((rule) => [rule.name, rule.selected, rule.matches])).toEqual([
      ['dotenv_request', true, 1],
      ['web_path_probe', true, 2],
      ['web_scan', true, 0],
    ]);
    expect(report.alerts.map((alert) => [alert.rule.title, alert.group])).toEqual([['Dotenv file requested', { 'source.ip': '198.51.100.23' }]]);
  });

  it('lets analysts and admins run backtests, not viewers or ingest keys', async () => {
    expect((await backtest({ rules: 'all', ...RANGE }, await api.login('admin'))).statusCode).toBe(200);
    for (const user of ['victor', 'ivan'] as const) {
      const response = await backtest({ rules: 'all', ...RANGE }, await api.login(user));
      expect(response.statusCode, user).toBe(403);
      expect(response.json().error.code).toBe('VIGIL_ERR_API_FORBIDDEN');
    }
    expect((await api.server.app.inject({ method: 'POST', url: '/api/v1/backtests', payload: { rules: 'all', ...RANGE } })).statusCode).toBe(401);
  });

  it.each([
    [{ rules: [], ...RANGE }, 'body.rules'],
    [{ rules: 'some', ...RANGE }, 'body.rules'],
    [{ rules: 'all', from: RANGE.from }, 'body.to'],
    [{ rules: 'all', from: 'yesterday', to: RANGE.to }, 'body.from'],
    [{ rules: 'all', from: RANGE.to, to: RANGE.from }, 'body.to: must be after from'],
    [{ rules: 'all', ...RANGE, limit: 5 }, 'body: Unrecognized key: "limit"'],
  ])('rejects %j with a 400 naming %s', async (payload, where) => {
    const response = await backtest(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'VIGIL_ERR_API_BAD_REQUEST', message: expect.stringContaining(where) });
  });

  it('names the rules it does not know', async () => {
    const response = await backtest({ rules: ['web_scan', 'ssh_brute_force', 'Web path probe'], ...RANGE });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        code: 'VIGIL_ERR_BACKTEST_UNKNOWN_RULE',
        message: 'unknown rule(s) "ssh_brute_force", "Web path probe": no loaded rule has this id or name',
        details: { unknown: ['ssh_brute_force', 'Web path probe'] },
      },
    });
  });

  it('answers a query the store cannot parse with the store\'s error', async () => {
    const response = await backtest({ rules: 'all', ...RANGE, query: 'url.path:(/.env' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VIGIL_ERR_QUERY_SYNTAX');
  });

  it('uses the rules as they are on disk now, and says what is wrong when they do not load', async () => {
    const rules = join(dir, 'rules');
    writeFileSync(join(rules, 'web_scan.yml'), SCAN_RULE.replace('gte: 3', 'gte: 5'));
    try {
      expect((await backtest({ rules: ['web_scan'], ...RANGE })).json()).toMatchObject({ alertsRaised: 0 });
      writeFileSync(join(rules, 'broken.yml'), 'title: Broken\nid: 1\ndetection: {condition: sel}\n');
      const response = await backtest({ rules: ['web_scan'], ...RANGE });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'VIGIL_ERR_RULES_INVALID', message: expect.stringContaining('broken.yml') });
    } finally {
      writeFileSync(join(rules, 'web_scan.yml'), SCAN_RULE);
      rmSync(join(rules, 'broken.yml'), { force: true });
    }
  });
});

describe('backtest limits', () => {
  let limited: TestApi<Store>;
  let token: string;
  beforeAll(async () => {
    limited = await startApi({ backtest: { maxEvents: 5, maxAlerts: 1, maxConcurrent: 1 } });
    token = await limited.login('alice');
  });
  afterAll(async () => {
    await limited.close();
  });

  it('stops at maxEvents and lists at most maxAlerts alerts, saying how far it got', async () => {
    const report = (await backtest({ rules: 'all', ...RANGE }, token, limited)).json() as BacktestReport;
    expect(report).toMatchObject({ complete: false, stoppedBy: 'event-limit', eventsRead: 5, lastEventTime: at('10:15:30'), alertsRaised: 2, alertsOmitted: 1 });
    expect(report.alerts.map((alert) => alert.rule.title)).toEqual(['Dotenv file requested']);
  });

  it('answers 429 with Retry-After while maxConcurrent backtests run', async () => {
    const [first, second] = await Promise.all([backtest({ rules: 'all', ...RANGE }, token, limited), backtest({ rules: 'all', ...RANGE }, token, limited)]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([200, 429]);
    const busy = first.statusCode === 429 ? first : second;
    expect(busy.json().error.code).toBe('VIGIL_ERR_API_BACKTEST_BUSY');
    expect(busy.headers['retry-after']).toBe('5');
    expect((await backtest({ rules: 'all', ...RANGE }, token, limited)).statusCode).toBe(200);
  });
});
