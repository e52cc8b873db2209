import { SEVERITY_SCORE, type Alert, type AlertSeverity } from '@vigil/schema';

interface AlertSpec {
  id: string;
  ruleId: string;
  ruleName: string;
  severity: AlertSeverity;
  message: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  eventIds: string[];
  group: Record<string, string>;
  technique?: string;
}

/** An alert as the engine emits it: open, unassigned, no comments or history yet. */
export function engineAlert(spec: AlertSpec): Alert {
  return {
    id: spec.id,
    '@timestamp': spec.firstSeen,
    message: spec.message,
    event: { kind: 'alert', severity: SEVERITY_SCORE[spec.severity], risk_score: SEVERITY_SCORE[spec.severity], created: spec.firstSeen },
    rule: { id: spec.ruleId, name: spec.ruleName, type: 'sigma' },
    ...(spec.technique !== undefined && {
      threat: { framework: 'MITRE ATT&CK', technique: { id: [spec.technique] } },
    }),
    vigil: {
      alert: {
        severity: spec.severity,
        status: 'open',
        assignee: null,
        dedup_key: `${spec.ruleId}|${Object.values(spec.group).join('|')}`,
        group: spec.group,
        count: spec.count,
        first_seen: spec.firstSeen,
        last_seen: spec.lastSeen,
        event_ids: spec.eventIds,
        comments: [],
        history: [],
      },
    },
  };
}

const BRUTE = { ruleId: 'vigil-ssh-brute-force', ruleName: 'SSH brute force', severity: 'high', technique: 'T1110.001' } as const;

/** Five alerts from the fixture morning, newest `last_seen` first in the order listed below. */
export const FIXTURE_ALERTS: readonly Alert[] = [
  engineAlert({
    id: 'al-fw-sweep',
    ruleId: 'vigil-port-sweep',
    ruleName: 'Port sweep blocked',
    severity: 'low',
    message: 'Port sweep from 198.51.100.23 against 192.0.2.10 (3 ports)',
    firstSeen: '2024-05-14T08:08:00Z',
    lastSeen: '2024-05-14T08:08:02Z',
    count: 3,
    eventIds: ['fw-01', 'fw-02', 'fw-03'],
    group: { 'source.ip': '198.51.100.23' },
    technique: 'T1046',
  }),
  engineAlert({
    id: 'al-web-scan',
    ruleId: 'vigil-web-scanner',
    ruleName: 'Web vulnerability scan',
    severity: 'medium',
    message: 'Web scanner 198.51.100.23 probed /wp-login.php and /.env',
    firstSeen: '2024-05-14T08:06:03Z',
    lastSeen: '2024-05-14T08:06:08Z',
    count: 3,
    eventIds: ['web-04', 'web-05', 'web-09'],
    group: { 'source.ip': '198.51.100.23' },
    technique: 'T1595.002',
  }),
  engineAlert({
    id: 'al-sudo-shadow',
    ruleId: 'vigil-sudo-sensitive-file',
    ruleName: 'Sudo read of sensitive file',
    severity: 'critical',
    message: 'deploy read /etc/shadow with sudo on bastion-01',
    firstSeen: '2024-05-14T08:05:00Z',
    lastSeen: '2024-05-14T08:05:00Z',
    count: 1,
    eventIds: ['sudo-02'],
    group: { 'user.name': 'deploy' },
    technique: 'T1003.008',
  }),
  engineAlert({
    ...BRUTE,
    id: 'al-ssh-brute-2',
    message: 'SSH brute force from 198.51.100.23: 2 failed logins',
    firstSeen: '2024-05-14T08:00:12Z',
    lastSeen: '2024-05-14T08:01:00Z',
    count: 2,
    eventIds: ['ssh-fail-04', 'ssh-fail-05'],
    group: { 'source.ip': '198.51.100.23' },
  }),
  engineAlert({
    ...BRUTE,
    id: 'al-ssh-brute-1',
    message: 'SSH brute force from 203.0.113.7: 3 failed logins',
    firstSeen: '2024-05-14T08:00:00Z',
    lastSeen: '2024-05-14T08:00:09Z',
    count: 3,
    eventIds: ['ssh-fail-01', 'ssh-fail-02', 'ssh-fail-03'],
    group: { 'source.ip': '203.0.113.7' },
  }),
];
