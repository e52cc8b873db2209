import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '@vigil/schema';
import type { AlertSearchRequest, Store } from '../store.ts';
import { engineAlert, FIXTURE_ALERTS } from './alert-fixtures.ts';
import type { StoreFactory } from './store-contract.ts';

const ALL_ALERT_IDS = FIXTURE_ALERTS.map((alert) => alert.id);

/** Alert behaviour: upsert and merge, analyst changes, filters, order and paging. */
export function describeAlertContract(factory: StoreFactory): void {
  describe('alerts', () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    async function storeWithAlerts(): Promise<Store> {
      const { store, cleanup } = await factory();
      cleanups.push(cleanup);
      await store.init();
      await store.upsertAlerts([...FIXTURE_ALERTS]);
      return store;
    }

    async function ids(store: Store, request: Omit<AlertSearchRequest, 'size'>): Promise<string[]> {
      const result = await store.searchAlerts({ size: 100, ...request });
      expect(result.total).toBe(result.alerts.length);
      return result.alerts.map((alert) => alert.id);
    }

    it('stores alerts as given and returns them by id; an unknown id is null', async () => {
      const store = await storeWithAlerts();
      expect(await store.getAlert('al-sudo-shadow')).toEqual(FIXTURE_ALERTS[2]);
      expect(await store.getAlert('al-nope')).toBeNull();
    });

    it('lists the most recently seen alerts first', async () => {
      const store = await storeWithAlerts();
      expect(await ids(store, {})).toEqual(ALL_ALERT_IDS);
    });

    it('filters by status, severity, rule id or exact rule name, and combinations', async () => {
      const store = await storeWithAlerts();
      expect(await ids(store, { status: 'open' })).toEqual(ALL_ALERT_IDS);
      expect(await ids(store, { status: 'closed' })).toEqual([]);
      expect(await ids(store, { severity: 'high' })).toEqual(['al-ssh-brute-2', 'al-ssh-brute-1']);
      expect(await ids(store, { severity: 'critical' })).toEqual(['al-sudo-shadow']);
      expect(await ids(store, { rule: 'vigil-ssh-brute-force' })).toEqual(['al-ssh-brute-2', 'al-ssh-brute-1']);
      expect(await ids(store, { rule: 'SSH brute force' })).toEqual(['al-ssh-brute-2', 'al-ssh-brute-1']);
      expect(await ids(store, { rule: 'ssh brute' })).toEqual([]);
      expect(await ids(store, { rule: 'Port sweep blocked', severity: 'low', status: 'open' })).toEqual(['al-fw-sweep']);
      expect(await ids(store, { rule: 'Port sweep blocked', severity: 'high' })).toEqual([]);
    });

    it.each([
      ['shadow', ['al-sudo-shadow']],
      ['BRUTE', ['al-ssh-brute-2', 'al-ssh-brute-1']],
      ['"198.51.100.23"', ['al-fw-sweep', 'al-web-scan', 'al-ssh-brute-2']],
      ['198.51.100.23 AND NOT rule.name:"SSH brute force"', ['al-fw-sweep', 'al-web-scan']],
      ['scan*', ['al-web-scan']],
      ['rule.name:"port sweep blocked"', ['al-fw-sweep']],
      ['message:probed', ['al-web-scan']],
      ['vigil.alert.severity:(high OR critical)', ['al-sudo-shadow', 'al-ssh-brute-2', 'al-ssh-brute-1']],
      ['vigil.alert.count>=3', ['al-fw-sweep', 'al-web-scan', 'al-ssh-brute-1']],
      ['vigil.alert.event_ids:web-05', ['al-web-scan']],
      ['threat.technique.id:T1110*', ['al-ssh-brute-2', 'al-ssh-brute-1']],
      ['vigil.alert.last_seen:[2024-05-14T08:05:00Z TO 2024-05-14T08:07:00Z]', ['al-web-scan', 'al-sudo-shadow']],
      [`'; DROP TABLE alerts; --`, []],
    ])('q=%s finds exactly the matching alerts', async (q, expected) => {
      const store = await storeWithAlerts();
      expect(await ids(store, { q })).toEqual(expected);
    });

    it('rejects a malformed q with the query error code', async () => {
      const store = await storeWithAlerts();
      await expect(store.searchAlerts({ q: 'rule.name:(brute', size: 10 })).rejects.toMatchObject({ code: 'VIGIL_ERR_QUERY_SYNTAX', status: 400 });
    });

    it('pages with a cursor without duplicates or gaps, counting every match', async () => {
      const store = await storeWithAlerts();
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await store.searchAlerts({ size: 2, ...(cursor !== undefined && { cursor }) });
        expect(result.total).toBe(5);
        seen.push(...result.alerts.map((alert) => alert.id));
        if (result.cursor === null) break;
        cursor = result.cursor;
      }
      expect(seen).toEqual(ALL_ALERT_IDS);
      await expect(store.searchAlerts({ size: 2, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_BAD_CURSOR' });
    });

    it("records an analyst's change in the history and leaves unchanged fields out of it", async () => {
      const store = await storeWithAlerts();
      const at = new Date('2024-05-14T08:10:00Z');
      const updated = await store.updateAlert('al-ssh-brute-1', { status: 'acknowledged', assignee: 'alice', comment: 'Blocking 203.0.113.7 at the edge' }, 'alice', at);
      const state = updated!.vigil.alert;
      expect(state.status).toBe('acknowledged');
      expect(state.assignee).toBe('alice');
      expect(state.comments).toEqual([{ at: '2024-05-14T08:10:00.000Z', author: 'alice', text: 'Blocking 203.0.113.7 at the edge' }]);
      expect(state.history).toEqual([
        { at: '2024-05-14T08:10:00.000Z', actor: 'alice', field: 'status', from: 'open', to: 'acknowledged' },
        { at: '2024-05-14T08:10:00.000Z', actor: 'alice', field: 'assignee', from: null, to: 'alice' },
        { at: '2024-05-14T08:10:00.000Z', actor: 'alice', field: 'comment', from: null, to: 'Blocking 203.0.113.7 at the edge' },
      ]);
      expect(await store.getAlert('al-ssh-brute-1')).toEqual(updated);

      const again = await store.updateAlert('al-ssh-brute-1', { status: 'acknowledged', assignee: 'alice' }, 'bob', new Date('2024-05-14T08:12:00Z'));
      expect(again!.vigil.alert.history).toHaveLength(3);
      expect(await ids(store, { status: 'acknowledged' })).toEqual(['al-ssh-brute-1']);
      expect(await ids(store, { status: 'open' })).toEqual(ALL_ALERT_IDS.filter((id) => id !== 'al-ssh-brute-1'));
      expect(await store.updateAlert('al-nope', { status: 'closed' }, 'alice')).toBeNull();
    });

    it("merges an engine update without touching the analyst's status, assignee, comments or history", async () => {
      const store = await storeWithAlerts();
      const acknowledged = await store.updateAlert('al-ssh-brute-1', { status: 'acknowledged', assignee: 'alice', comment: 'Watching this one' }, 'alice', new Date('2024-05-14T08:10:00Z'));
      const update = engineAlert({
        id: 'al-ssh-brute-1',
        ruleId: 'vigil-ssh-brute-force',
        ruleName: 'SSH brute force',
        severity: 'critical',
        message: 'SSH brute force from 203.0.113.7: 5 failed logins',
        firstSeen: '2024-05-14T08:00:05Z',
        lastSeen: '2024-05-14T08:11:00Z',
        count: 5,
        eventIds: ['ssh-fail-03', 'ssh-fail-07', 'ssh-fail-08'],
        group: { 'source.ip': '203.0.113.7' },
        technique: 'T1110.001',
      });
      await store.upsertAlerts([update]);
      const stored = (await store.getAlert('al-ssh-brute-1'))!;
      const state = stored.vigil.alert;
      expect(state).toMatchObject({ status: 'acknowledged', assignee: 'alice', severity: 'critical', count: 5 });
      expect(state.comments).toEqual(acknowledged!.vigil.alert.comments);
      expect(state.history).toEqual(acknowledged!.vigil.alert.history);
      expect(state.first_seen).toBe('2024-05-14T08:00:00Z');
      expect(state.last_seen).toBe('2024-05-14T08:11:00Z');
      expect(state.event_ids).toEqual(['ssh-fail-01', 'ssh-fail-02', 'ssh-fail-03', 'ssh-fail-07', 'ssh-fail-08']);
      expect(stored.message).toBe('SSH brute force from 203.0.113.7: 5 failed logins');
      expect(stored['@timestamp']).toBe('2024-05-14T08:00:00Z');
      // Filters and order follow the merged document.
      expect((await ids(store, {}))[0]).toBe('al-ssh-brute-1');
      expect(await ids(store, { severity: 'critical' })).toEqual(['al-ssh-brute-1', 'al-sudo-shadow']);
      expect(await ids(store, { status: 'acknowledged' })).toEqual(['al-ssh-brute-1']);
    });

    it('keeps the reason a closed alert was closed through engine updates, and clears it when the alert is reopened', async () => {
      const store = await storeWithAlerts();
      await store.updateAlert('al-ssh-brute-1', { status: 'closed', resolution: 'true_positive' }, 'alice', new Date('2024-05-14T08:10:00Z'));
      await store.upsertAlerts([
        engineAlert({
          id: 'al-ssh-brute-1',
          ruleId: 'vigil-ssh-brute-force',
          ruleName: 'SSH brute force',
          severity: 'high',
          message: 'SSH brute force from 203.0.113.7: 6 failed logins',
          firstSeen: '2024-05-14T08:00:05Z',
          lastSeen: '2024-05-14T08:12:00Z',
          count: 6,
          eventIds: ['ssh-fail-09'],
          group: { 'source.ip': '203.0.113.7' },
          technique: 'T1110.001',
        }),
      ]);
      expect((await store.getAlert('al-ssh-brute-1'))!.vigil.alert).toMatchObject({ status: 'closed', resolution: 'true_positive', count: 6 });
      const reopened = await store.updateAlert('al-ssh-brute-1', { status: 'acknowledged' }, 'bob', new Date('2024-05-14T08:20:00Z'));
      expect(reopened!.vigil.alert).toMatchObject({ status: 'acknowledged', resolution: null });
      expect(reopened!.vigil.alert.history.slice(-2)).toEqual([
        { at: '2024-05-14T08:20:00.000Z', actor: 'bob', field: 'status', from: 'closed', to: 'acknowledged' },
        { at: '2024-05-14T08:20:00.000Z', actor: 'bob', field: 'resolution', from: 'true_positive', to: null },
      ]);
    });

    it('merges two updates of one alert within a single upsert', async () => {
      const store = await storeWithAlerts();
      const base = FIXTURE_ALERTS[0]!;
      const later = (count: number, lastSeen: string, eventId: string): Alert => ({
        ...base,
        vigil: { alert: { ...base.vigil.alert, count, last_seen: lastSeen, event_ids: [eventId] } },
      });
      await store.upsertAlerts([later(4, '2024-05-14T08:08:03Z', 'fw-04'), later(6, '2024-05-14T08:08:05Z', 'fw-07')]);
      const state = (await store.getAlert('al-fw-sweep'))!.vigil.alert;
      expect(state.count).toBe(6);
      expect(state.last_seen).toBe('2024-05-14T08:08:05Z');
      expect(state.event_ids).toEqual(['fw-01', 'fw-02', 'fw-03', 'fw-04', 'fw-07']);
      expect((await store.searchAlerts({ size: 10 })).total).toBe(5);
    });
  });
}
