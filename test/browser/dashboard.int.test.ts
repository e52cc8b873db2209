import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '@vigil/schema';
import { launchChromium, openWatched, signIn, type WatchedPage } from '@vigil/web/testing';
import { ADMIN_PASSWORD, REPO_ROOT, allocatePorts, apiClient, makeDataDir, removeDataDir, startVigil, stopVigil, waitFor, type RunningVigil } from '../e2e/harness.ts';
import { sendTcpOctetCounted } from '../e2e/syslog-client.ts';

/**
 * The web app in Debian's Chromium against a real `vigil start` (edge, engine, indexer, API, SQLite
 * store): traffic goes in over syslog and HTTP, alerts come out of the rule pack, and an analyst,
 * a viewer and an admin use what the process serves, and the audit log shows what they did. Screenshots of the main pages go to
 * docs/screenshots/ (the README shows them).
 */

const SCREENSHOTS = join(REPO_ROOT, 'docs', 'screenshots');
const USERS = { alice: { password: 'analyst-pass-2026', role: 'analyst' }, victor: { password: 'viewer-pass-2026', role: 'viewer' } } as const;
const ATTACKER = '203.0.113.66';
const PROBER = '198.51.100.77';
/** Attacks while an analyst has the queue open. */
const LATE_ATTACKER = '203.0.113.99';
/** Attacks while the brute-force rule is turned off, and a probe sent right after it. */
const QUIET_ATTACKER = '203.0.113.120';
const MARKER = '198.51.100.120';
const SCRIPT = '<script>alert(1)</script>';
const IMAGE = '<img/src=x/onerror=alert(2)>';
/** The line an integrator sends over HTTP: markup with spaces, as a message field carries it. */
const HTTP_MESSAGE = 'comment posted: <img src=x onerror=alert(3)> <script>alert(4)</script>';

type Api = Awaited<ReturnType<typeof apiClient>>;

let vigil: RunningVigil;
let dataDir: string;
let api: Api;
let browser: Browser;
let webhook: Server | undefined;
const webhookBodies: string[] = [];
const opened: Page[] = [];

/** Twelve failed SSH logins from `source`, a second apart, ending now. */
function bruteForce(source: string): string[] {
  const now = Date.now();
  return Array.from({ length: 12 }, (_, i) => `<38>1 ${new Date(now - (12 - i) * 1000).toISOString()} web-1 sshd 4123 - - Failed password for invalid user admin${i} from ${source} port ${52000 + i} ssh2`);
}

/** An nginx request from `source` carrying script (the pack's XSS rules raise on it). */
function probe(source: string): string {
  const at = new Date();
  const clf = `${String(at.getUTCDate()).padStart(2, '0')}/${at.toLocaleString('en', { month: 'short', timeZone: 'UTC' })}/${at.getUTCFullYear()}:${at.toISOString().slice(11, 19)} +0000`;
  return `<190>1 ${at.toISOString()} web-1 nginx - - - ${source} - - [${clf}] "GET /search?q=${SCRIPT}${IMAGE} HTTP/1.1" 404 153 "-" "curl/8.5.0"`;
}

/** A brute force from the attacker, and one nginx request carrying script. */
function traffic(): string[] {
  return [...bruteForce(ATTACKER), probe(PROBER)];
}

async function alertsFor(rule: string): Promise<Alert[]> {
  return (await api<{ alerts: Alert[] }>(`/api/v1/alerts?${new URLSearchParams({ q: `rule.name:"${rule}" OR rule.id:"${rule}"`, size: '50' })}`)).body.alerts;
}

/** The brute-force alert of the first attacker. */
async function attackerAlert(): Promise<Alert> {
  const alert = (await alertsFor('SSH brute force')).find((candidate) => candidate.vigil.alert.group['source.ip'] === ATTACKER);
  if (!alert) throw new Error(`no brute-force alert for ${ATTACKER}`);
  return alert;
}

async function open(username: string, password: string): Promise<WatchedPage> {
  const watched = await openWatched(browser, vigil.apiUrl('/'));
  opened.push(watched.page);
  await signIn(watched.page, username, password);
  return watched;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  dataDir = makeDataDir();
  // A webhook receiver the admin tests from the Notifications page.
  webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      webhookBodies.push(body);
      response.writeHead(204).end();
    });
  });
  webhook.listen(0, '127.0.0.1');
  await once(webhook, 'listening');
  const config = { engine: { notify: { channels: [{ kind: 'webhook', name: 'soc-webhook', url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/vigil`, secret: 'browser-test-webhook-secret-0123', minSeverity: 'critical' }] } } };
  writeFileSync(join(dataDir, 'vigil.json'), JSON.stringify(config));
  vigil = await startVigil({ dataDir, ports: await allocatePorts(), env: { VIGIL_CONFIG: join(dataDir, 'vigil.json') } });
  api = await apiClient(vigil);
  for (const [username, { password, role }] of Object.entries(USERS)) {
    expect((await api('/api/v1/users', { method: 'POST', body: JSON.stringify({ username, password, role }) })).status).toBe(201);
  }
  const key = (await api<{ key: string }>('/api/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'browser-test-ingest', role: 'ingest' }) })).body.key;
  const ingested = await fetch(vigil.ingestUrl('/api/v1/events'), {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message: HTTP_MESSAGE, event: { category: ['web'] }, source: { ip: PROBER }, user: { name: 'mallory' } }),
  });
  expect(ingested.status).toBe(202);
  await sendTcpOctetCounted(vigil.ports.syslog, traffic());
  await waitFor(() => alertsFor('SSH brute force'), (alerts) => alerts.length === 1, 60_000, 'the brute-force alert');
  browser = await launchChromium();
});

afterAll(async () => {
  webhook?.close();
  await browser?.close();
  if (vigil) expect(await stopVigil(vigil)).toBe(0);
  if (dataDir) removeDataDir(dataDir);
});

describe('the web app on vigil start', () => {
  it('an analyst sees the alert the traffic raised, acknowledges it, and reaches its raw events with their provenance', async () => {
    const { page, problems } = await open('alice', USERS.alice.password);
    const row = page.getByTestId('alert-row').filter({ hasText: 'SSH brute force' });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getByTestId('alert-message').textContent()).toContain(ATTACKER);
    await row.getByTestId('alert-ack').click();
    await expect.poll(() => row.getByTestId('alert-status').textContent()).toBe('acknowledged');
    const alert = await attackerAlert();
    expect(alert.vigil.alert.history.at(-1)).toMatchObject({ actor: 'alice', field: 'status', to: 'acknowledged' });

    await row.click();
    const detail = page.getByTestId('alert-detail');
    await expect.poll(() => detail.getByTestId('event-raw').count()).toBeGreaterThanOrEqual(10);
    expect(await detail.getByTestId('event-raw').first().textContent()).toMatch(new RegExp(`Failed password for invalid user admin\\d+ from ${ATTACKER.replace(/\./g, '\\.')}`));
    const provenance = await detail.getByTestId('event-provenance').first().textContent();
    expect(provenance).toMatch(/edge \S+ · batch \d+ · signature verified · source time .+ · received .+ · stored .+/);
    expect(await detail.getByTestId('detail-attack').textContent()).toContain('T1110');
    await detail.getByTestId('comment-text').fill('Blocked at the firewall; watching for a successful login.');
    await detail.getByTestId('comment-submit').click();
    await expect.poll(() => detail.getByTestId('detail-history').textContent()).toContain('alice: Blocked at the firewall');
    await detail.getByTestId('detail-assign').click();
    await expect.poll(() => detail.textContent()).toContain('Assigneealice');
    await screenshot(page, 'alert-detail');

    // Filters: mine, seen in the last hour, and someone else's (none).
    await page.getByTestId('detail-close').click();
    // Both in one task, before the first click's `hashchange` renders: the second must not undo the first.
    await page.evaluate(`{
      document.querySelector('[data-testid="alert-filter-mine"]').click();
      const seen = document.querySelector('[data-testid="alert-filter-seen"]');
      seen.value = '60';
      seen.dispatchEvent(new Event('change', { bubbles: true }));
    }`);
    await expect.poll(() => page.getByTestId('alert-filter-seen').inputValue()).toBe('60');
    expect(new URL(page.url()).hash).toMatch(/assignee=alice.*seen=60/);
    await expect.poll(() => page.getByTestId('alert-row').count()).toBe(1);
    expect(await page.getByTestId('alert-row').textContent()).toContain(`SSH brute force from ${ATTACKER}`);
    await page.getByTestId('alert-filter-assignee').fill('nobody');
    await expect.poll(() => page.getByTestId('alert-row').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('pivots from the alert to a search on its source, filters a value out, exports what it found and saves the search', async () => {
    const { page, problems } = await open('alice', USERS.alice.password);
    await page.getByTestId('alert-row').filter({ hasText: 'SSH brute force' }).click();
    await page.getByTestId('detail-pivot').first().click();
    await expect.poll(() => page.getByTestId('search-input').inputValue()).toBe(`source.ip:"${ATTACKER}"`);
    await expect.poll(() => page.getByTestId('search-total').textContent()).toBe('12 events');
    // The histogram over the range counts the same events.
    await expect.poll(() => page.getByTestId('search-histogram').getAttribute('data-total')).toBe('12');
    await page.getByTestId('search-row').first().click();
    const userRow = page.getByTestId('search-detail').locator('tr', { hasText: 'user.name' });
    const user = await userRow.locator('td.value').textContent();
    await userRow.getByTestId('filter-out').click();
    await expect.poll(() => page.getByTestId('search-total').textContent()).toBe('11 events');
    expect(await page.getByTestId('search-input').inputValue()).toBe(`source.ip:"${ATTACKER}" AND NOT user.name:"${user}"`);
    const download = page.waitForEvent('download');
    await page.getByTestId('export-ndjson').click();
    const lines = (await (await download).createReadStream()).toArray();
    const exported = Buffer.concat(await lines).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as { source: { ip: string }; user: { name: string } });
    expect(exported).toHaveLength(11);
    expect(exported.every((event) => event.source.ip === ATTACKER && event.user.name !== user)).toBe(true);

    // Saved, it runs again from the list later.
    await page.getByTestId('saved-search-new').click();
    await page.getByTestId('saved-search-name').fill('attacker, one user left out');
    await page.getByTestId('saved-search-save').click();
    await page.getByTestId('nav-alerts').click();
    await page.getByTestId('nav-search').click();
    await expect.poll(() => page.getByTestId('saved-search-select').locator('option').allTextContents()).toContain('attacker, one user left out');
    await page.getByTestId('saved-search-select').selectOption({ label: 'attacker, one user left out' });
    await expect.poll(() => page.getByTestId('search-total').textContent()).toBe('11 events');
    await page.getByTestId('search-row').first().click();
    await screenshot(page, 'search');
    expect(problems).toEqual([]);
  });

  it('shows markup from events as text, never as HTML, in search and in alert detail', async () => {
    const { page, problems } = await open('alice', USERS.alice.password);
    const xss = page.getByTestId('alert-row').filter({ hasText: PROBER });
    await expect.poll(() => xss.count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    await xss.first().click();
    const detail = page.getByTestId('alert-detail');
    await expect.poll(() => detail.getByTestId('event-raw').count()).toBe(1);
    expect(await detail.getByTestId('event-raw').textContent()).toContain(`GET /search?q=${SCRIPT}${IMAGE} HTTP/1.1`);
    expect(await detail.getByTestId('detail-title').textContent()).toContain(SCRIPT);
    expect(await detail.locator('script, img').count()).toBe(0);

    await page.getByTestId('nav-search').click();
    await page.getByTestId('search-input').fill(`source.ip:"${PROBER}"`);
    await page.getByTestId('search-submit').click();
    await expect.poll(() => page.getByTestId('search-total').textContent()).toBe('2 events');
    const messages = await page.getByTestId('search-row').locator('td.message').allTextContents();
    expect(messages).toContain(HTTP_MESSAGE);
    expect(messages.some((message) => message.includes(SCRIPT + IMAGE))).toBe(true);
    expect(await page.locator('main script, main img').count()).toBe(0);
    // An alert() that ran would have opened a dialog.
    expect(problems).toEqual([]);
  });

  it('shows a new alert in an open queue as the engine raises it, without a reload (the live stream)', async () => {
    const { page, problems } = await open('alice', USERS.alice.password);
    await expect.poll(() => page.getByTestId('live-state').textContent()).toBe('● live');
    await page.getByTestId('alert-row').first().waitFor();
    const rows = await page.getByTestId('alert-row').count();
    await sendTcpOctetCounted(vigil.ports.syslog, bruteForce(LATE_ATTACKER));
    // The queue refreshes by itself only once a minute while it is live: a row within 20 s came from the stream.
    await expect.poll(() => page.getByTestId('alert-row').filter({ hasText: LATE_ATTACKER }).count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByTestId('alert-row').count()).toBe(rows + 1);
    expect(problems).toEqual([]);
  });

  it('an analyst reads a rule\'s YAML, runs its tests and backtests it over the stored events', async () => {
    const { page, problems } = await open('alice', USERS.alice.password);
    await page.getByTestId('nav-rules').click();
    await page.getByTestId('rules-filter').fill('brute force');
    const row = page.getByTestId('rule-row').filter({ hasText: 'SSH brute force' }).first();
    await expect.poll(() => row.textContent()).toContain('T1110.001');
    await row.getByTestId('rule-link').click();
    await expect.poll(() => page.getByTestId('rule-source').textContent()).toContain('type: event_count');
    await page.getByTestId('rule-run-tests').click();
    await expect.poll(() => page.getByTestId('rule-tests-summary').textContent()).toMatch(/^All \d+ cases passed\.$/);
    await page.getByTestId('backtest-run').click();
    // Over the last 24 hours: the brute force the traffic made (and the one sent while the queue was open, when that test ran first).
    await expect.poll(() => page.getByTestId('backtest-result').textContent(), { timeout: 30_000 }).toMatch(/[1-9]\d* alerts? would have been raised/);
    expect(await page.getByTestId('backtest-result').textContent()).toContain(`source.ip=${ATTACKER}`);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'rules');

    // Turned off, the rule raises nothing for a new attack; turned on again, it does.
    await page.getByTestId('rule-turn-off').click();
    await page.getByTestId('rule-off-reason').fill('pen test this afternoon');
    await page.getByTestId('rule-off-confirm').click();
    await expect.poll(() => page.getByTestId('rule-state').textContent()).toMatch(/^off since .* \(alice: pen test this afternoon\)/);
    await expect.poll(async () => (await fetch(vigil.apiUrl('/metrics'))).text()).toMatch(/^vigil_engine_rules_disabled 1$/m);
    await sendTcpOctetCounted(vigil.ports.syslog, [...bruteForce(QUIET_ATTACKER), probe(MARKER)]);
    // The probe after the attack, on the same connection, raises its alert: by then the attack was matched too.
    const allAlerts = async () => (await api<{ alerts: Alert[] }>('/api/v1/alerts?size=200')).body.alerts;
    await waitFor(allAlerts, (alerts) => alerts.some((alert) => alert.vigil.alert.group['source.ip'] === MARKER), 30_000, 'the marker probe\'s alert');
    expect((await alertsFor('SSH brute force')).some((alert) => alert.vigil.alert.group['source.ip'] === QUIET_ATTACKER)).toBe(false);
    await page.getByTestId('rule-turn-on').click();
    await expect.poll(() => page.getByTestId('rule-state').textContent()).toMatch(/^on/);
    await expect.poll(async () => (await fetch(vigil.apiUrl('/metrics'))).text()).toMatch(/^vigil_engine_rules_disabled 0$/m);
    expect(problems).toEqual([]);
  });

  it('a viewer sees alerts but cannot change one, in the app or by calling the API with its session', async () => {
    const { page, problems } = await open('victor', USERS.victor.password);
    const row = page.getByTestId('alert-row').filter({ hasText: `SSH brute force from ${ATTACKER}` });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getByTestId('alert-close').isDisabled()).toBe(true);
    await row.click();
    expect(await page.getByTestId('detail-assign').isDisabled()).toBe(true);
    expect(await page.getByTestId('comment-text').isDisabled()).toBe(true);
    expect(await page.getByTestId('nav-users').count()).toBe(0);
    const alert = await attackerAlert();
    // Page code is passed as a string: this project's TypeScript for tests has no DOM types.
    const status = await page.evaluate<number>(`fetch('/api/v1/alerts/${alert.id}', { method: 'PATCH', headers: { authorization: 'Bearer ' + sessionStorage.getItem('vigil.token'), 'content-type': 'application/json' }, body: JSON.stringify({ status: 'closed', resolution: 'false_positive' }) }).then((r) => r.status)`);
    expect(status).toBe(403);
    expect((await attackerAlert()).vigil.alert.status).toBe('acknowledged');
    expect(problems).toEqual([]);
  });

  it('an admin creates an API key (shown once), and sees the overview, the edges and the users', async () => {
    const { page, problems } = await open('admin', ADMIN_PASSWORD);
    await page.getByTestId('nav-api-keys').click();
    await page.getByTestId('key-name').fill('soar-integration');
    await page.getByTestId('key-role').selectOption('analyst');
    await page.getByTestId('key-create').click();
    await expect.poll(() => page.getByTestId('key-secret').textContent()).toMatch(/^vgl_/);
    const key = (await page.getByTestId('key-secret').textContent())!;
    const response = await fetch(vigil.apiUrl('/api/v1/auth/me'), { headers: { authorization: `Bearer ${key}` } });
    expect(await response.json()).toMatchObject({ kind: 'api-key', name: 'soar-integration', role: 'analyst' });
    await screenshot(page, 'api-keys');

    await page.getByTestId('nav-overview').click();
    await page.getByTestId('overview').waitFor();
    await expect.poll(() => page.getByTestId('tile-acknowledged').textContent()).toMatch(/^1\s*acknowledged/);
    // Every event the test sent is in the last 24 hours' histogram.
    const stored = (await api<{ total: number }>('/api/v1/events?size=1')).body.total;
    await expect.poll(() => page.getByTestId('overview-events').getAttribute('data-total')).toBe(String(stored));
    await screenshot(page, 'overview');

    await page.getByTestId('nav-edges').click();
    await expect.poll(() => page.getByTestId('edge-row').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'edges');

    await page.getByTestId('nav-users').click();
    await expect.poll(() => page.getByTestId('user-row').count()).toBe(3);

    // The configured webhook, tested from the Notifications page (it takes only critical alerts, so this is its first delivery).
    await page.getByTestId('nav-notifications').click();
    await page.getByTestId('channel-row').filter({ hasText: 'soc-webhook' }).getByTestId('channel-test').click();
    await expect.poll(() => page.getByTestId('channel-test-result').textContent()).toBe('Test notification delivered on soc-webhook.');
    expect(webhookBodies).toHaveLength(1);
    expect(JSON.parse(webhookBodies[0]!).alert.message).toBe('Vigil test notification, sent by admin: this channel works');

    // The audit log has the analyst's triage and comment, the viewer's refused change and the key just made.
    await page.getByTestId('nav-audit').click();
    const audit = page.getByTestId('audit-row');
    await expect.poll(() => audit.filter({ hasText: 'createApiKey' }).count()).toBe(2);
    expect(await audit.filter({ hasText: 'alice' }).filter({ hasText: 'updateAlert' }).count()).toBeGreaterThanOrEqual(2);
    expect(await audit.filter({ hasText: 'victor' }).filter({ hasText: 'VIGIL_ERR_API_FORBIDDEN' }).count()).toBe(1);
    expect(await page.locator('main').textContent()).not.toContain(USERS.alice.password);
    await screenshot(page, 'audit');
    await page.getByTestId('nav-alerts').click();
    await page.getByTestId('alert-row').first().waitFor();
    await screenshot(page, 'alerts');
    expect(problems).toEqual([]);
  });
});
