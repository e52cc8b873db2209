import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_ALERTS, engineAlert } from '../contract/alert-fixtures.ts';
import { createOpenSearchStore, type OpenSearchStore } from './opensearch-store.ts';
import { dropPrefix, openSearchUrl, testOptions, uniquePrefix } from './test-helpers.ts';

const url = openSearchUrl();

describe('opensearch store: alerts under concurrent writers', () => {
  const prefix = uniquePrefix();
  let analystApi: OpenSearchStore;
  let otherApi: OpenSearchStore;
  let indexer: OpenSearchStore;

  beforeAll(async () => {
    // Three processes (two API replicas and an indexer) sharing one cluster.
    const open = () => createOpenSearchStore(testOptions(url, prefix, { retry: { maxAttempts: 20, baseDelayMs: 5, maxDelayMs: 50 } }));
    analystApi = await open();
    otherApi = await open();
    indexer = await open();
    await analystApi.init();
    await otherApi.init();
    await indexer.init();
    await indexer.upsertAlerts([...FIXTURE_ALERTS]);
  });
  afterAll(async () => {
    for (const store of [analystApi, otherApi, indexer]) await store?.close();
    await dropPrefix(url, prefix);
  });

  it('keeps every analyst comment when two API processes change one alert at the same moment', async () => {
    const at = new Date('2024-05-14T08:20:00Z');
    await Promise.all([
      analystApi.updateAlert('al-web-scan', { comment: 'Scanner is a known pentest vendor' }, 'alice', at),
      otherApi.updateAlert('al-web-scan', { comment: 'Ticket SEC-4211 opened' }, 'bob', at),
      analystApi.updateAlert('al-web-scan', { assignee: 'carol' }, 'alice', at),
      otherApi.updateAlert('al-web-scan', { status: 'acknowledged' }, 'bob', at),
    ]);
    const state = (await indexer.getAlert('al-web-scan'))!.vigil.alert;
    expect(state.comments.map((comment) => comment.text).sort()).toEqual(['Scanner is a known pentest vendor', 'Ticket SEC-4211 opened']);
    expect(state).toMatchObject({ assignee: 'carol', status: 'acknowledged' });
    expect(state.history).toHaveLength(4);
  });

  it('never lets an engine update overwrite an analyst change made while it was merging', async () => {
    const updates = Array.from({ length: 6 }, (_, i) =>
      engineAlert({
        id: 'al-ssh-brute-2',
        ruleId: 'vigil-ssh-brute-force',
        ruleName: 'SSH brute force',
        severity: 'high',
        message: `SSH brute force from 198.51.100.23: ${3 + i} failed logins`,
        firstSeen: '2024-05-14T08:00:12Z',
        lastSeen: `2024-05-14T08:1${i}:00Z`,
        count: 3 + i,
        eventIds: [`ssh-fail-1${i}`],
        group: { 'source.ip': '198.51.100.23' },
        technique: 'T1110.001',
      }),
    );
    await Promise.all([
      ...updates.map((update) => indexer.upsertAlerts([update])),
      analystApi.updateAlert('al-ssh-brute-2', { status: 'closed', comment: 'Blocked at the firewall' }, 'alice', new Date('2024-05-14T08:12:00Z')),
    ]);
    const stored = (await otherApi.getAlert('al-ssh-brute-2'))!;
    expect(stored.vigil.alert).toMatchObject({ status: 'closed', count: 8, last_seen: '2024-05-14T08:15:00Z' });
    expect(stored.vigil.alert.comments.map((comment) => comment.text)).toEqual(['Blocked at the firewall']);
    // Every engine update was merged in, in whatever order they won.
    expect([...stored.vigil.alert.event_ids].sort()).toEqual(['ssh-fail-04', 'ssh-fail-05', ...updates.map((_, i) => `ssh-fail-1${i}`)]);
    expect(stored.vigil.alert.group).toEqual({ 'source.ip': '198.51.100.23' });
    expect((await otherApi.searchAlerts({ status: 'closed', size: 10 })).alerts.map((alert) => alert.id)).toEqual(['al-ssh-brute-2']);
  });

  it('stores group keys with dots and searches them, and alert free text folds non-ASCII case', async () => {
    const alert = engineAlert({
      id: 'al-sudo-juergen',
      ruleId: 'vigil-sudo-journal',
      ruleName: 'Sudo journal read by Jürgen',
      severity: 'low',
      message: 'JÜRGEN read the sshd journal with sudo on bastion-01 (a.b*c?)',
      firstSeen: '2024-05-14T08:05:45Z',
      lastSeen: '2024-05-14T08:05:45Z',
      count: 1,
      eventIds: ['sudo-04'],
      group: { 'user.name': 'Jürgen', user: 'juergen' },
    });
    await indexer.upsertAlerts([alert]);
    expect(await indexer.getAlert('al-sudo-juergen')).toEqual(alert);
    const ids = async (q: string) => (await indexer.searchAlerts({ q, size: 10 })).alerts.map((found) => found.id);
    expect(await ids('vigil.alert.group.user.name:JÜRGEN')).toEqual(['al-sudo-juergen']);
    expect(await ids('vigil.alert.group.user:juergen')).toEqual(['al-sudo-juergen']);
    expect(await ids('jürgen')).toEqual(['al-sudo-juergen']);
    expect(await ids('message:"(a.b*c?)"')).toEqual(['al-sudo-juergen']);
    expect(await ids('"jürgen read"')).toEqual(['al-sudo-juergen']);
    expect(await ids('rule.name:*jÜrgen')).toEqual(['al-sudo-juergen']);
    expect(await ids('vigil.alert.group:juergen')).toEqual([]);
  });
});
