import type { Alert } from '@vigil/schema';
import type { StorableEvent } from '@vigil/store';

/** Real-looking events and alerts for the API tests and the dashboard browser test. */

function sshFailure(index: number, at: string, user: string): StorableEvent {
  const original = `<38>1 ${at} web-1 sshd 4123 - - Failed password for invalid user ${user} from 203.0.113.50 port ${51000 + index} ssh2`;
  return {
    '@timestamp': at,
    message: `Failed password for invalid user ${user} from 203.0.113.50 port ${51000 + index} ssh2`,
    event: {
      id: `edge-dc1:boot-7f3a:41:${index}`,
      kind: 'event',
      category: ['authentication'],
      type: ['start'],
      action: 'ssh_login',
      outcome: 'failure',
      created: at,
      ingested: at,
      dataset: 'sshd.auth',
      original,
    },
    host: { name: 'web-1', hostname: 'web-1' },
    source: { ip: '203.0.113.50', port: 51000 + index },
    user: { name: user },
    process: { name: 'sshd', pid: 4123 },
    log: { syslog: { facility: { code: 4, name: 'auth' }, severity: { code: 6, name: 'info' }, priority: 38, hostname: 'web-1', appname: 'sshd', procid: '4123' } },
    vigil: {
      edge: { id: 'edge-dc1', boot_id: 'boot-7f3a' },
      batch: { sequence: 41, position: index },
      signature: { status: 'verified', key_id: '9c1e5a0b7d2f4e3a8b6c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a' },
      parse: { status: 'parsed', parser: 'syslog-rfc5424' },
      input: { type: 'syslog-udp' },
    },
  };
}

/** Five failed SSH logins from one address, a sudo event, and a web request carrying a script tag. */
export function sampleEvents(): StorableEvent[] {
  const users = ['admin', 'oracle', 'test', 'ubuntu', 'postgres'];
  const failures = users.map((user, index) => sshFailure(index, `2025-03-14T09:26:${String(10 + index * 3).padStart(2, '0')}.000Z`, user));
  const sudo: StorableEvent = {
    '@timestamp': '2025-03-14T08:02:44.000Z',
    message: 'alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx',
    event: { id: 'edge-dc1:boot-7f3a:40:0', kind: 'event', category: ['process'], action: 'sudo', outcome: 'success', created: '2025-03-14T08:02:44.120Z', original: '<85>Mar 14 08:02:44 db-2 sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx' },
    host: { name: 'db-2' },
    user: { name: 'alice' },
    vigil: { edge: { id: 'edge-dc1', boot_id: 'boot-7f3a' }, batch: { sequence: 40, position: 0 }, signature: { status: 'verified' } },
  };
  const xss: StorableEvent = {
    '@timestamp': '2025-03-14T09:30:01.000Z',
    message: 'GET /search?q=<script>alert(1)</script> HTTP/1.1 404',
    event: {
      id: 'edge-dc2:boot-11aa:7:3',
      kind: 'event',
      category: ['web'],
      outcome: 'failure',
      created: '2025-03-14T09:30:01.050Z',
      original: '198.51.100.23 - - [14/Mar/2025:09:30:01 +0000] "GET /search?q=<script>alert(1)</script> HTTP/1.1" 404 153 "-" "curl/8.5.0"',
    },
    host: { name: 'web-2' },
    source: { ip: '198.51.100.23' },
    url: { original: '/search?q=<script>alert(1)</script>' },
    http: { request: { method: 'GET' }, response: { status_code: 404 } },
    vigil: { edge: { id: 'edge-dc2', boot_id: 'boot-11aa' }, batch: { sequence: 7, position: 3 }, signature: { status: 'verified' } },
  };
  return [...failures, sudo, xss];
}

/** An SSH brute-force alert over the five failures above, and a low-severity alert about the web request. */
export function sampleAlerts(): Alert[] {
  const bruteForce: Alert = {
    id: 'alert-ssh-bruteforce-203.0.113.50',
    '@timestamp': '2025-03-14T09:26:22.000Z',
    message: 'SSH brute force from 203.0.113.50 against web-1',
    event: { kind: 'alert', severity: 73, risk_score: 73, created: '2025-03-14T09:26:22.310Z', category: ['authentication'] },
    rule: { id: 'vigil-ssh-bruteforce', name: 'SSH brute force', type: 'event_count', tags: ['attack.credential_access', 'attack.t1110'] },
    threat: { framework: 'MITRE ATT&CK', tactic: { id: ['TA0006'], name: ['Credential Access'] }, technique: { id: ['T1110'], name: ['Brute Force'] } },
    vigil: {
      alert: {
        severity: 'high',
        status: 'open',
        assignee: null,
        dedup_key: 'vigil-ssh-bruteforce|source.ip=203.0.113.50',
        group: { 'source.ip': '203.0.113.50' },
        count: 5,
        first_seen: '2025-03-14T09:26:10.000Z',
        last_seen: '2025-03-14T09:26:22.000Z',
        event_ids: [0, 1, 2, 3, 4].map((index) => `edge-dc1:boot-7f3a:41:${index}`),
        comments: [],
        history: [],
      },
    },
  };
  const webProbe: Alert = {
    id: 'alert-web-xss-probe-198.51.100.23',
    '@timestamp': '2025-03-14T09:30:01.000Z',
    message: 'Script tag in URL from 198.51.100.23: <script>alert(1)</script>',
    event: { kind: 'alert', severity: 21, risk_score: 21, created: '2025-03-14T09:30:01.400Z' },
    rule: { id: 'vigil-web-xss-probe', name: 'XSS probe in URL', type: 'detection' },
    vigil: {
      alert: {
        severity: 'low',
        status: 'open',
        assignee: null,
        dedup_key: 'vigil-web-xss-probe|source.ip=198.51.100.23',
        group: { 'source.ip': '198.51.100.23' },
        count: 1,
        first_seen: '2025-03-14T09:30:01.000Z',
        last_seen: '2025-03-14T09:30:01.000Z',
        event_ids: ['edge-dc2:boot-11aa:7:3'],
        comments: [],
        history: [],
      },
    },
  };
  return [bruteForce, webProbe];
}
