import type { Alert, EcsEvent } from '@vigil/schema';

/** Test fixtures of the partitioned engine: sshd traffic over several edges, and a comparable summary of alerts. */

/** When the traffic starts. */
export const T0 = Date.parse('2026-11-20T03:00:00Z');

/** The hosts; each is an edge, and so a partition of the events topic. */
export const HOSTS = ['web-1', 'web-2', 'db-1', 'mail-1'];

/**
 * A morning of sshd traffic on four hosts, each host an edge (and so a partition of the events
 * topic): a brute force from one address spread over all four hosts (each sees too few failures
 * for the threshold) that ends in a login, a distributed invalid-user campaign on one host, and
 * ordinary logins and typos. Returned per host, in time order.
 */
export function sshdAttackTraffic(): EcsEvent[][] {
  const perHost: EcsEvent[][] = HOSTS.map(() => []);
  let id = 0;
  const add = (seconds: number, host: number, action: string, outcome: 'success' | 'failure', ip: string, user: string) => {
    const at = new Date(T0 + seconds * 1000).toISOString();
    perHost[host]!.push({
      '@timestamp': at,
      message: `${action} ${outcome} for ${user} from ${ip}`,
      event: { id: `ev-${++id}`, kind: 'event', category: ['authentication'], action, outcome, created: at },
      host: { hostname: HOSTS[host]! },
      process: { name: 'sshd', pid: 1000 + id },
      source: { ip, port: 40_000 + id },
      user: { name: user },
    });
  };
  // Brute force from 198.51.100.9: 16 failures over 4 minutes round the hosts, then a login on db-1.
  for (let i = 0; i < 16; i++) add(10 + i * 15, i % 4, 'ssh_login', 'failure', '198.51.100.9', ['root', 'admin', 'oracle'][i % 3]!);
  add(260, 2, 'ssh_login', 'success', '198.51.100.9', 'admin');
  // A second wave from the same address a day later: a new alert, not an update.
  for (let i = 0; i < 12; i++) add(86_400 + i * 10, (i + 1) % 4, 'ssh_login', 'failure', '198.51.100.9', 'root');
  // Nine addresses ask mail-1 for the non-existent user oracle.
  for (let i = 0; i < 9; i++) add(400 + i * 20, 3, 'ssh_invalid_user', 'failure', `203.0.113.${10 + i}`, 'oracle');
  // Ordinary traffic: logins and the odd typo, everywhere.
  for (let i = 0; i < 200; i++) add(i * 19, i % 4, 'ssh_login', i % 7 === 0 ? 'failure' : 'success', `10.1.${i % 5}.${i % 50}`, `user${i % 11}`);
  for (const events of perHost) events.sort((a, b) => Date.parse(a['@timestamp']!) - Date.parse(b['@timestamp']!));
  return perHost;
}

/** An alert as far as two runs must agree on it. */
export interface AlertSummary {
  id: string;
  rule: string;
  key: string;
  count: number;
  first: string;
  last: string;
  events: string[];
}

/** What makes two alert sets the same: ids, rules, groups, counts, times and the events behind them. */
export function alertSummary(alerts: ReadonlyMap<string, Alert>): AlertSummary[] {
  return [...alerts.values()]
    .map((alert) => ({
      id: alert.id,
      rule: alert.rule.name,
      key: alert.vigil.alert.dedup_key,
      count: alert.vigil.alert.count,
      first: alert.vigil.alert.first_seen,
      last: alert.vigil.alert.last_seen,
      events: [...alert.vigil.alert.event_ids].sort(),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
