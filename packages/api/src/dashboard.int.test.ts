import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createSqliteStore, type Store } from '@vigil/store';
import { WEB_APP_DIR } from '@vigil/web';
import { launchChromium, openWatched, signIn, type WatchedPage } from '@vigil/web/testing';
import { sampleAlerts, sampleEvents } from './testing/fixtures.ts';
import { PASSWORDS, createTestApi, type TestApi } from './testing/harness.ts';

/** The web app as built (bin/test builds it) in a real browser (Debian's Chromium) against a real API server and SQLite store. */

let api: TestApi<Store>;
let browser: Browser;
let baseUrl: string;
const dir = mkdtempSync(join(tmpdir(), 'vigil-dashboard-'));

beforeAll(async () => {
  const store = await createSqliteStore({ path: join(dir, 'vigil.db') });
  await store.init();
  await store.writeEvents(sampleEvents());
  await store.upsertAlerts(sampleAlerts());
  api = await createTestApi({}, undefined, undefined, { store });
  await api.server.start();
  baseUrl = `http://127.0.0.1:${api.server.addresses()[0]!.port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await api?.store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<WatchedPage> {
  return openWatched(browser, baseUrl + '/');
}

async function login(page: Page, username: keyof typeof PASSWORDS): Promise<void> {
  await signIn(page, username, PASSWORDS[username]);
}

describe('dashboard', () => {
  it('logs in, lists alerts, acknowledges and closes one, and shows an alert\'s raw events as text', async () => {
    const { page, problems } = await open();
    await login(page, 'alice');
    const rows = page.getByTestId('alert-row');
    await expect.poll(() => rows.count()).toBe(2);
    const bruteForce = rows.filter({ hasText: 'SSH brute force' });
    await expect.poll(() => bruteForce.textContent()).toContain('high');
    expect(await bruteForce.textContent()).toContain('2025-03-14 09:26:10Z');

    await bruteForce.getByTestId('alert-ack').click();
    await expect.poll(() => bruteForce.getByTestId('alert-status').textContent()).toBe('acknowledged');
    expect((await api.store.getAlert('alert-ssh-bruteforce-203.0.113.50'))?.vigil.alert.history.at(-1)).toMatchObject({ actor: 'alice', to: 'acknowledged' });
    // Closing asks why.
    await bruteForce.getByTestId('alert-close').selectOption('true_positive');
    await expect.poll(() => bruteForce.getByTestId('alert-status').textContent()).toBe('closed');
    expect((await api.store.getAlert('alert-ssh-bruteforce-203.0.113.50'))?.vigil.alert).toMatchObject({ status: 'closed', resolution: 'true_positive' });

    const probe = rows.filter({ hasText: 'XSS probe' });
    expect(await probe.getByTestId('alert-message').textContent()).toBe('Script tag in URL from 198.51.100.23: <script>alert(1)</script>');
    await probe.click();
    const raw = page.getByTestId('alert-detail').getByTestId('event-raw');
    await expect.poll(() => raw.count()).toBe(1);
    expect(await raw.textContent()).toBe('198.51.100.23 - - [14/Mar/2025:09:30:01 +0000] "GET /search?q=<script>alert(1)</script> HTTP/1.1" 404 153 "-" "curl/8.5.0"');
    expect(await page.getByTestId('alert-detail').locator('script').count()).toBe(0);
    expect(await page.getByTestId('detail-title').textContent()).toBe('Script tag in URL from 198.51.100.23: <script>alert(1)</script>');

    await bruteForce.click();
    await expect.poll(() => raw.count()).toBe(5);
    expect(await raw.first().textContent()).toContain('Failed password for invalid user admin from 203.0.113.50');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('searches events and shows a bad query\'s error', async () => {
    const { page, problems } = await open();
    await login(page, 'victor');
    await expect.poll(() => page.getByTestId('alert-row').count()).toBe(2);

    await page.getByTestId('nav-search').click();
    await page.getByTestId('search-input').fill('source.ip:203.0.113.50 user.name:ubuntu');
    await page.getByTestId('search-submit').click();
    await expect.poll(() => page.getByTestId('search-total').textContent()).toBe('1 event');
    const row = page.getByTestId('search-row');
    expect(await row.locator('td').allTextContents()).toEqual([
      '2025-03-14 09:26:19Z',
      'web-1',
      '203.0.113.50',
      'ubuntu',
      'Failed password for invalid user ubuntu from 203.0.113.50 port 51003 ssh2',
    ]);

    await page.getByTestId('search-input').fill('message:"Failed password');
    await page.getByTestId('search-submit').click();
    await expect.poll(() => page.getByTestId('search-error').textContent()).toContain('unterminated quoted phrase');
    expect(await page.getByTestId('search-row').count()).toBe(0);

    await page.getByTestId('search-input').fill('url.original:*script*');
    await page.getByTestId('search-submit').click();
    await expect.poll(() => page.getByTestId('search-row').count()).toBe(1);
    expect(await page.getByTestId('search-row').locator('td').last().textContent()).toBe('GET /search?q=<script>alert(1)</script> HTTP/1.1 404');
    expect(await page.getByTestId('search-error').textContent()).toBe('');

    // A viewer sees alerts but cannot triage them.
    await page.getByTestId('nav-alerts').click();
    await expect.poll(() => page.getByTestId('alert-row').count()).toBe(2);
    expect(await page.getByTestId('alert-ack').first().isDisabled()).toBe(true);
    expect(await page.getByTestId('alert-close').first().isDisabled()).toBe(true);
    expect(await page.getByTestId('nav-api-keys').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a failed login and keeps the token only for the session', async () => {
    const { page } = await open();
    await page.getByTestId('login-username').fill('alice');
    await page.getByTestId('login-password').fill('wrong-password');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toBe('invalid username or password');

    await login(page, 'alice');
    await expect.poll(() => page.getByTestId('alert-row').count()).toBe(2);
    // Page code is passed as strings: this package's TypeScript has no DOM types.
    expect(await page.evaluate('Object.keys(localStorage)')).toEqual([]);
    const token = await page.evaluate<string | null>("sessionStorage.getItem('vigil.token')");
    expect(token).toMatch(/^vgs_/);

    await page.getByTestId('logout').click();
    await expect.poll(() => page.getByTestId('login-submit').isVisible()).toBe(true);
    expect(await page.evaluate<string | null>("sessionStorage.getItem('vigil.token')")).toBeNull();
    expect(await api.auth.authenticate(token!)).toBeNull();
    await page.close();
  });

  it('pivots from an alert to a search for its source, and filters a field value in and out', async () => {
    const { page, problems } = await open();
    await login(page, 'alice');
    await page.getByTestId('alert-row').filter({ hasText: 'SSH brute force' }).click();
    await page.getByTestId('detail-pivot').first().click();
    await expect.poll(() => page.getByTestId('search-input').inputValue()).toBe('source.ip:"203.0.113.50"');
    await expect.poll(() => page.getByTestId('search-total').textContent()).toBe('5 events');
    // The first event's fields, and "filter out" on its user.name.
    await page.getByTestId('search-row').first().click();
    const userRow = page.getByTestId('search-detail').locator('tr', { hasText: 'user.name' });
    const user = await userRow.locator('td.value').textContent();
    await userRow.getByTestId('filter-out').click();
    await expect.poll(() => page.getByTestId('search-input').inputValue()).toBe(`source.ip:"203.0.113.50" AND NOT user.name:"${user}"`);
    await expect.poll(() => page.getByTestId('search-total').textContent()).toBe('4 events');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lets an admin create an API key, shown once, and revoke it', async () => {
    const { page, problems } = await open();
    await login(page, 'admin');
    await page.getByTestId('nav-api-keys').click();
    await page.getByTestId('key-name').fill('soar-integration');
    await page.getByTestId('key-role').selectOption('analyst');
    await page.getByTestId('key-create').click();
    const secret = page.getByTestId('key-secret');
    await expect.poll(() => secret.textContent()).toMatch(/^vgl_/);
    const key = (await secret.textContent())!;
    expect(await api.auth.authenticate(key)).toMatchObject({ kind: 'api-key', name: 'soar-integration', role: 'analyst' });
    const row = page.getByTestId('key-row').filter({ hasText: 'soar-integration' });
    expect(await row.textContent()).not.toContain(key);
    await row.getByTestId('key-revoke').click();
    await expect.poll(() => row.textContent()).toContain('revoked');
    expect(await api.auth.authenticate(key)).toBeNull();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('is built without inline scripts or styles (the CSP forbids them)', () => {
    const html = readFileSync(join(WEB_APP_DIR, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });
});
