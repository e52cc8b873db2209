import type { StorableEvent } from '../store.ts';

/*
 * 32 events from one morning on a small site, as Vigil's edge would normalise them: sshd
 * logins on a bastion, sudo, nginx access logs, firewall drops and one application error
 * whose message is full of FTS syntax. Ids are readable so failures say which event.
 * Two firewall drops share a timestamp (ordering ties) and one event is written with a +02:00
 * offset (time is compared as an instant, not as text).
 */

const at = (time: string) => `2024-05-14T${time}Z`;

function sshd(id: string, time: string, pid: number, body: string, f: { user: string; ip: string; port: number; outcome: 'success' | 'failure' }): StorableEvent {
  return {
    '@timestamp': at(time),
    message: body,
    event: {
      id,
      kind: 'event',
      category: ['authentication'],
      type: ['start'],
      action: 'ssh_login',
      outcome: f.outcome,
      dataset: 'system.auth',
      module: 'system',
      original: `<38>May 14 ${time} bastion-01 sshd[${pid}]: ${body}`,
    },
    host: { hostname: 'bastion-01' },
    process: { name: 'sshd', pid },
    source: { ip: f.ip, port: f.port },
    user: { name: f.user },
    related: { ip: [f.ip], user: [f.user] },
  };
}

function sudo(id: string, time: string, user: string, body: string, command: string, outcome: 'success' | 'failure'): StorableEvent {
  return {
    '@timestamp': at(time),
    message: body,
    event: {
      id,
      kind: 'event',
      category: ['process'],
      type: ['start'],
      action: 'sudo_command',
      outcome,
      dataset: 'system.auth',
      module: 'system',
      original: `<85>May 14 ${time} bastion-01 sudo[4410]: ${body}`,
    },
    host: { hostname: 'bastion-01' },
    process: { name: 'sudo', command_line: command },
    user: { name: user, effective: { name: 'root' } },
    related: { user: [user, 'root'] },
  };
}

function nginx(id: string, time: string, ip: string, method: string, target: string, status: number, bytes: number, agent: string): StorableEvent {
  const line = `${ip} - - [14/May/2024:${time} +0000] "${method} ${target} HTTP/1.1" ${status} ${bytes} "-" "${agent}"`;
  const [path, query] = target.split('?') as [string, string | undefined];
  return {
    '@timestamp': at(time),
    message: line,
    event: { id, kind: 'event', category: ['web'], type: ['access'], dataset: 'nginx.access', module: 'nginx', original: line },
    host: { hostname: 'web-01' },
    source: { ip },
    http: { version: '1.1', request: { method }, response: { status_code: status, bytes } },
    url: { path, original: target, ...(query !== undefined && { query }) },
    user_agent: { original: agent },
    related: { ip: [ip] },
  };
}

function ufw(id: string, timestamp: string, src: string, spt: number, dpt: number, proto: 'TCP' | 'UDP'): StorableEvent {
  const body =
    `[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:ab:cd:ef:08:00 SRC=${src} DST=192.0.2.10 LEN=60 ` +
    `TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=${proto} SPT=${spt} DPT=${dpt} WINDOW=64240 RES=0x00 SYN URGP=0`;
  return {
    '@timestamp': timestamp,
    message: body,
    event: {
      id,
      kind: 'event',
      category: ['network'],
      type: ['connection', 'denied'],
      action: 'firewall_drop',
      dataset: 'ufw.log',
      original: `<4>May 14 ${timestamp.slice(11, 19)} fw-edge-01 kernel: [1842113.220871] ${body}`,
    },
    host: { hostname: 'fw-edge-01' },
    source: { ip: src, port: spt },
    destination: { ip: '192.0.2.10', port: dpt },
    network: { transport: proto.toLowerCase() },
    related: { ip: [src, '192.0.2.10'] },
  };
}

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

/** The contract's events (see the top of this file); ids are unique and readable. */
export const FIXTURE_EVENTS: readonly StorableEvent[] = [
  sshd('ssh-fail-01', '08:00:00', 2211, 'Failed password for root from 203.0.113.7 port 51122 ssh2', { user: 'root', ip: '203.0.113.7', port: 51122, outcome: 'failure' }),
  sshd('ssh-fail-02', '08:00:05', 2213, 'Failed password for root from 203.0.113.7 port 51130 ssh2', { user: 'root', ip: '203.0.113.7', port: 51130, outcome: 'failure' }),
  sshd('ssh-fail-03', '08:00:09', 2215, 'Failed password for invalid user admin from 203.0.113.7 port 51144 ssh2', { user: 'admin', ip: '203.0.113.7', port: 51144, outcome: 'failure' }),
  sshd('ssh-fail-04', '08:00:12', 2218, 'Failed password for invalid user administrator from 198.51.100.23 port 40022 ssh2', { user: 'administrator', ip: '198.51.100.23', port: 40022, outcome: 'failure' }),
  sshd('ssh-fail-05', '08:01:00', 2230, 'Failed password for invalid user Oracle from 198.51.100.23 port 40030 ssh2', { user: 'Oracle', ip: '198.51.100.23', port: 40030, outcome: 'failure' }),
  sshd('ssh-fail-06', '08:01:30', 2241, 'Failed password for root from 2001:db8::17 port 41000 ssh2', { user: 'root', ip: '2001:db8::17', port: 41000, outcome: 'failure' }),
  sshd('ssh-ok-01', '08:02:00', 2250, 'Accepted publickey for deploy from 10.0.4.21 port 55012 ssh2: ED25519 SHA256:Jq3bX0cT4pNfW2m9Vd1kLr8sYh5uQe7aZo6Gi0xBtCw', { user: 'deploy', ip: '10.0.4.21', port: 55012, outcome: 'success' }),
  sshd('ssh-ok-02', '08:03:30', 2262, 'Accepted password for alice from 10.0.4.35 port 60111 ssh2', { user: 'alice', ip: '10.0.4.35', port: 60111, outcome: 'success' }),
  sudo('sudo-01', '08:04:00', 'alice', 'alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx', '/usr/bin/systemctl restart nginx', 'success'),
  sudo('sudo-02', '08:05:00', 'deploy', 'deploy : TTY=pts/1 ; PWD=/srv/app ; USER=root ; COMMAND=/bin/cat /etc/shadow', '/bin/cat /etc/shadow', 'success'),
  sudo('sudo-03', '08:05:30', 'mallory', 'mallory : user NOT in sudoers ; TTY=pts/2 ; PWD=/tmp ; USER=root ; COMMAND=/bin/bash', '/bin/bash', 'failure'),
  sudo('sudo-04', '08:05:45', 'Jürgen', 'Jürgen : TTY=pts/3 ; PWD=/home/juergen ; USER=root ; COMMAND=/usr/bin/journalctl -u sshd', '/usr/bin/journalctl -u sshd', 'success'),
  nginx('web-01', '08:06:00', '10.0.4.21', 'GET', '/index.html', 200, 5120, CHROME),
  nginx('web-02', '08:06:01', '10.0.4.21', 'GET', '/api/v1/users', 200, 912, 'curl/8.5.0'),
  nginx('web-03', '08:06:02', '203.0.113.7', 'POST', '/api/v1/login', 401, 32, 'python-requests/2.31.0'),
  nginx('web-04', '08:06:03', '198.51.100.23', 'GET', '/wp-login.php', 404, 153, 'Mozilla/5.0 zgrab/0.x'),
  nginx('web-05', '08:06:04', '198.51.100.23', 'GET', '/.env', 404, 153, 'Mozilla/5.0 zgrab/0.x'),
  nginx('web-06', '08:06:05', '10.0.4.35', 'GET', '/api/v1/orders', 500, 287, CHROME),
  nginx('web-07', '08:06:06', '10.0.4.35', 'GET', '/api/v1/orders', 502, 157, CHROME),
  nginx('web-08', '08:06:07', '10.0.4.21', 'GET', '/api/v1/health', 503, 197, 'kube-probe/1.29'),
  nginx('web-09', '08:06:08', '198.51.100.23', 'GET', "/search?q=1'; DROP TABLE users; --", 400, 157, 'sqlmap/1.7.2#stable (https://sqlmap.org)'),
  nginx('web-10', '08:06:09', '10.0.4.21', 'HEAD', '/', 301, 0, 'kube-probe/1.29'),
  nginx('web-11', '08:07:00', '203.0.113.7', 'GET', '/admin/', 403, 153, 'python-requests/2.31.0'),
  ufw('fw-01', at('08:08:00'), '198.51.100.23', 40022, 22, 'TCP'),
  ufw('fw-02', at('08:08:01'), '198.51.100.23', 40023, 23, 'TCP'),
  ufw('fw-03', at('08:08:02'), '198.51.100.23', 40024, 3389, 'TCP'),
  ufw('fw-04', at('08:08:03'), '203.0.113.7', 51200, 1433, 'TCP'),
  ufw('fw-05', at('08:08:04'), '192.0.2.200', 5353, 1000, 'UDP'),
  ufw('fw-06', at('08:08:04'), '192.0.2.201', 5353, 2000, 'UDP'),
  ufw('fw-07', at('08:08:05'), '10.9.8.7', 33000, 2001, 'TCP'),
  ufw('fw-08', '2024-05-14T10:09:00+02:00', '10.9.8.7', 33001, 8080, 'TCP'),
  {
    '@timestamp': at('08:09:30'),
    message: 'config reload failed: unexpected token "NEAR(" at line 12 col 3; expected one of {AND, OR} ^ *',
    event: {
      id: 'app-01',
      kind: 'event',
      category: ['configuration'],
      type: ['error'],
      dataset: 'vigil.app',
      original: '2024-05-14T08:09:30.000Z ERROR config reload failed: unexpected token "NEAR(" at line 12 col 3; expected one of {AND, OR} ^ *',
    },
    host: { hostname: 'web-01' },
    log: { level: 'error' },
  },
];

/** Ids of the fixture events by group, for building expected sets. */
export const IDS = {
  sshFail: ['ssh-fail-01', 'ssh-fail-02', 'ssh-fail-03', 'ssh-fail-04', 'ssh-fail-05', 'ssh-fail-06'],
  sshOk: ['ssh-ok-01', 'ssh-ok-02'],
  sudo: ['sudo-01', 'sudo-02', 'sudo-03', 'sudo-04'],
  web: ['web-01', 'web-02', 'web-03', 'web-04', 'web-05', 'web-06', 'web-07', 'web-08', 'web-09', 'web-10', 'web-11'],
  firewall: ['fw-01', 'fw-02', 'fw-03', 'fw-04', 'fw-05', 'fw-06', 'fw-07', 'fw-08'],
  app: ['app-01'],
  get all(): string[] {
    return [...this.sshFail, ...this.sshOk, ...this.sudo, ...this.web, ...this.firewall, ...this.app];
  },
};
