import { IDS } from './event-fixtures.ts';

/** One query-language case: the query and exactly the fixture events it must return. */
export interface QueryCase {
  query: string;
  ids: readonly string[];
}

const { sshFail, sshOk, sudo, web, firewall } = IDS;
const [fail1, fail2, fail3, fail4, fail5, fail6] = sshFail as [string, string, string, string, string, string];
const webIds = (...numbers: number[]) => numbers.map((n) => `web-${String(n).padStart(2, '0')}`);
const fwIds = (...numbers: number[]) => numbers.map((n) => `fw-0${n}`);
const allBut = (excluded: readonly string[]) => IDS.all.filter((id) => !excluded.includes(id));

/** Every form of the query language against `FIXTURE_EVENTS`. Both stores must return exactly these ids. */
export const QUERY_CASES: readonly QueryCase[] = [
  // match all
  { query: '', ids: IDS.all },
  { query: '*', ids: IDS.all },
  { query: '*:*', ids: IDS.all },
  // field:value, case-insensitive, dotted names, numbers
  { query: 'user.name:root', ids: [fail1, fail2, fail6] },
  { query: 'user.name:ROOT', ids: [fail1, fail2, fail6] },
  { query: 'user.name:oracle', ids: [fail5] },
  { query: 'user.name:"Oracle"', ids: [fail5] },
  { query: 'user.name:jürgen', ids: ['sudo-04'] },
  { query: 'user.name:JÜRGEN', ids: ['sudo-04'] },
  { query: 'user.effective.name:root', ids: sudo },
  { query: 'event.outcome:failure', ids: [...sshFail, 'sudo-03'] },
  { query: 'destination.port:22', ids: ['fw-01'] },
  { query: 'source.port:51122', ids: [fail1] },
  { query: 'http.request.method:post', ids: webIds(3) },
  { query: 'host.hostname:web-01', ids: [...web, 'app-01'] },
  // wildcards and exists
  { query: 'user.name:adm*', ids: [fail3, fail4] },
  { query: 'user.name:adm?n', ids: [fail3] },
  { query: 'host.hostname:WEB-0?', ids: [...web, 'app-01'] },
  { query: 'url.path:/api/v1/*', ids: webIds(2, 3, 6, 7, 8) },
  { query: 'url.path:*.php', ids: webIds(4) },
  { query: 'http.response.status_code:5*', ids: webIds(6, 7, 8) },
  { query: 'user.name:*', ids: [...sshFail, ...sshOk, ...sudo] },
  { query: 'http.response.status_code:*', ids: web },
  { query: 'nosuch.field:*', ids: [] },
  { query: 'NOT nosuch.field:*', ids: IDS.all },
  // quoted values and escapes
  { query: 'url.path:"/api/v1/orders"', ids: webIds(6, 7) },
  { query: 'process.command_line:/bin/cat\\ /etc/shadow', ids: ['sudo-02'] },
  { query: 'process.command_line:"/usr/bin/journalctl -u sshd"', ids: ['sudo-04'] },
  // IP addresses and networks; arrays match when any element does
  { query: 'source.ip:203.0.113.7', ids: [fail1, fail2, fail3, ...webIds(3, 11), 'fw-04'] },
  { query: 'source.ip:2001:db8::17', ids: [fail6] },
  { query: 'source.ip:10.0.0.0/8', ids: [...sshOk, ...webIds(1, 2, 6, 7, 8, 10), 'fw-07', 'fw-08'] },
  { query: 'source.ip:2001:db8::/32', ids: [fail6] },
  { query: 'related.ip:192.0.2.10', ids: firewall },
  { query: 'related.ip:198.51.100.0/24', ids: [fail4, fail5, ...webIds(4, 5, 9), ...fwIds(1, 2, 3)] },
  { query: 'related.user:root', ids: [fail1, fail2, fail6, ...sudo] },
  { query: 'event.type:denied', ids: firewall },
  { query: 'event.category:authentication', ids: [...sshFail, ...sshOk] },
  // ranges: numbers compare numerically, strings as strings, @timestamp as an instant
  { query: 'destination.port:[1000 TO 2000]', ids: fwIds(4, 5, 6) },
  { query: 'destination.port:{1000 TO 2000}', ids: fwIds(4) },
  { query: 'destination.port:[1000 TO 2000}', ids: fwIds(4, 5) },
  { query: 'destination.port:{1000 TO 2000]', ids: fwIds(4, 6) },
  { query: 'destination.port:[2000 TO *]', ids: fwIds(3, 6, 7, 8) },
  { query: 'destination.port:[* TO 23]', ids: fwIds(1, 2) },
  { query: 'destination.port:[100 TO 9000]', ids: fwIds(3, 4, 5, 6, 7, 8) },
  { query: 'http.response.status_code>=500', ids: webIds(6, 7, 8) },
  { query: 'http.response.status_code>500', ids: webIds(7, 8) },
  { query: 'http.response.status_code<300', ids: webIds(1, 2) },
  { query: 'http.response.status_code:<=301', ids: webIds(1, 2, 10) },
  { query: 'http.response.status_code:404', ids: webIds(4, 5) },
  { query: 'http.response.status_code:[400 TO 499]', ids: webIds(3, 4, 5, 9, 11) },
  { query: 'user.name:[a TO b}', ids: [fail3, fail4, 'ssh-ok-02', 'sudo-01'] },
  { query: '@timestamp>=2024-05-14T08:08:00Z', ids: [...firewall, 'app-01'] },
  { query: '@timestamp<2024-05-14T08:00:06Z', ids: [fail1, fail2] },
  { query: '@timestamp:2024-05-14T08:08:04Z', ids: fwIds(5, 6) },
  { query: '@timestamp:[2024-05-14T08:08:30Z TO 2024-05-14T08:09:10Z]', ids: ['fw-08'] },
  { query: '@timestamp:[2024-05-14T10:06:00+02:00 TO 2024-05-14T08:06:02Z}', ids: webIds(1, 2) },
  // boolean structure
  { query: 'event.outcome:failure AND NOT user.name:root', ids: [fail3, fail4, fail5, 'sudo-03'] },
  { query: 'event.outcome:failure -user.name:root', ids: [fail3, fail4, fail5, 'sudo-03'] },
  { query: 'user.name:(root OR admin)', ids: [fail1, fail2, fail3, fail6] },
  { query: 'user.name:(NOT root) AND event.category:authentication', ids: [fail3, fail4, fail5, ...sshOk] },
  { query: 'NOT event.category:network', ids: allBut(firewall) },
  { query: 'event.category:web AND NOT http.response.status_code:[200 TO 399]', ids: webIds(3, 4, 5, 6, 7, 8, 9, 11) },
  { query: 'password AND source.ip:198.51.100.23', ids: [fail4, fail5] },
  { query: 'accepted OR failed root', ids: [...sshOk, fail1, fail2, fail6] },
  { query: '(accepted OR failed) root', ids: [fail1, fail2, fail6] },
  // free text over message and event.original, case-insensitive
  { query: 'password', ids: [...sshFail, 'ssh-ok-02'] },
  { query: 'ACCEPTED', ids: sshOk },
  { query: '"invalid user"', ids: [fail3, fail4, fail5] },
  { query: 'failed root', ids: [fail1, fail2, fail6] },
  { query: 'failed and root', ids: [] },
  { query: 'Accept*', ids: sshOk },
  { query: 'FAIL*', ids: [...sshFail, 'app-01'] },
  { query: 'shadow', ids: ['sudo-02'] },
  { query: 'pass', ids: [] },
  { query: 'JÜRGEN', ids: ['sudo-04'] },
  { query: 'jurgen', ids: ['sudo-04'] },
  { query: '"203.0.113.7"', ids: [fail1, fail2, fail3, ...webIds(3, 11), 'fw-04'] },
  { query: 'sshd', ids: [...sshFail, ...sshOk, 'sudo-04'] },
  { query: 'message:sshd', ids: ['sudo-04'] },
  { query: 'event.original:sshd', ids: [...sshFail, ...sshOk, 'sudo-04'] },
  { query: 'message:"Failed password for root"', ids: [fail1, fail2, fail6] },
  { query: 'message:accept*', ids: sshOk },
  // hostile text is text
  { query: `"'; DROP TABLE users; --"`, ids: webIds(9) },
  { query: `'; DROP TABLE events; --`, ids: [] },
  { query: `url.query:"q=1'; DROP TABLE users; --"`, ids: webIds(9) },
  { query: '"NEAR("', ids: ['app-01'] },
  { query: 'NEAR', ids: ['app-01'] },
  { query: 'NEAR/3', ids: [] },
  { query: '"expected one of {AND, OR}"', ids: ['app-01'] },
  { query: 'config ^', ids: ['app-01'] },
];
