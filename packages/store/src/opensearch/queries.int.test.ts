import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorableEvent } from '../store.ts';
import { createOpenSearchStore, type OpenSearchStore } from './opensearch-store.ts';
import { dropPrefix, openSearchUrl, testOptions, uniquePrefix } from './test-helpers.ts';

const url = openSearchUrl();

const EVENTS: StorableEvent[] = [
  {
    '@timestamp': '2024-05-14T09:12:03.120Z',
    message: 'Café login by Zoë from kiosk-3 (regex chars: .*[a-z]{5}|ü)',
    event: {
      id: 'app-login-01',
      kind: 'event',
      category: ['authentication'],
      outcome: 'success',
      risk_score: 12.5,
      original: '2024-05-14T09:12:03.120Z INFO Café login by Zoë from kiosk-3 (regex chars: .*[a-z]{5}|ü)',
    },
    user: { name: 'Zoë', roles: ['Kiosk', 'Ångström-Lab'] },
    labels: { 'app-name': 'Billing', 'k8s.namespace': 'pos-prod' },
    log: { syslog: { structured_data: { 'origin@32473': { ip: '192.0.2.44', software: 'kiosk-agent' } } } },
  },
  {
    '@timestamp': '2024-05-14T09:12:04Z',
    message: 'Logout by zoe',
    event: { id: 'app-logout-01', kind: 'event', category: ['authentication'], outcome: 'success', risk_score: 7 },
    user: { name: 'zoe' },
    labels: { 'app-name': 'billing-legacy' },
  },
];

describe('opensearch store: query forms that depend on OpenSearch mappings', () => {
  const prefix = uniquePrefix();
  let store: OpenSearchStore;

  beforeAll(async () => {
    store = await createOpenSearchStore(testOptions(url, prefix));
    await store.init();
    await store.writeEvents(structuredClone(EVENTS));
  });
  afterAll(async () => {
    await store?.close();
    await dropPrefix(url, prefix);
  });

  const ids = async (query: string) => (await store.searchEvents({ query, size: 10 })).events.map((event) => event.event?.id);

  it('searches labels and syslog structured data by key, including keys with dots', async () => {
    expect(await ids('labels.app-name:BILLING')).toEqual(['app-login-01']);
    expect(await ids('labels.app-name:billing*')).toEqual(['app-logout-01', 'app-login-01']);
    expect(await ids('labels.k8s.namespace:pos-prod')).toEqual(['app-login-01']);
    expect(await ids('labels.k8s.namespace:*')).toEqual(['app-login-01']);
    expect(await ids('log.syslog.structured_data.origin@32473.software:kiosk-agent')).toEqual(['app-login-01']);
    expect(await ids('labels:billing')).toEqual([]);
  });

  it('matches non-ASCII values ignoring case, with regular-expression characters taken literally', async () => {
    expect(await ids('user.name:ZOË')).toEqual(['app-login-01']);
    expect(await ids('user.name:zo?')).toEqual(['app-logout-01', 'app-login-01']);
    expect(await ids('user.roles:ångström*')).toEqual(['app-login-01']);
    expect(await ids('user.roles:"ångström.lab"')).toEqual([]);
    expect(await ids('"regex chars: .*[a-z]{5}|ü"')).toEqual(['app-login-01']);
    expect(await ids('zoe')).toEqual(['app-logout-01', 'app-login-01']);
    expect(await ids('cafe')).toEqual(['app-login-01']);
  });

  it('compares fractional numbers numerically, and by their text for field:value', async () => {
    expect(await ids('event.risk_score>10')).toEqual(['app-login-01']);
    expect(await ids('event.risk_score:[7 TO 7]')).toEqual(['app-logout-01']);
    expect(await ids('event.risk_score:12.5')).toEqual(['app-login-01']);
    expect(await ids('event.risk_score:12*')).toEqual(['app-login-01']);
    expect(await ids('@timestamp:2024-05-14T09:12:03.12Z')).toEqual(['app-login-01']);
  });

  it('answers message:* from the search words and refuses a query with more clauses than OpenSearch allows', async () => {
    expect(await ids('message:* AND NOT event.original:*')).toEqual(['app-logout-01']);
    const huge = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ');
    await expect(store.searchEvents({ query: huge, size: 10 })).rejects.toMatchObject({ code: 'VIGIL_ERR_QUERY_TOO_COMPLEX', status: 400 });
  });
});
