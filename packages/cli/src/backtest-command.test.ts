import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type StorableEvent } from '@vigil/store';
import { backtestCommand, type BacktestIo } from './backtest-command.ts';
import type { BacktestResult } from './backtest-output.ts';

const RULES = `title: Failed sudo authentication
id: 5a7c9e1b-3d5f-4a7c-9e1b-3d5f7a9c1e11
name: sudo_auth_failure
level: low
logsource: {product: linux, service: sudo}
detection: {sel: {process.name: sudo, event.outcome: failure}, condition: sel}
---
title: Sudo password guessing
id: 8c0e2a4b-6d8f-4c0e-8a2b-4d6f8a0c2e12
name: sudo_password_guessing
level: high
correlation: {type: event_count, rules: [sudo_auth_failure], group-by: [user.name], timespan: 10m, condition: {gte: 20}}
vigil:
  message: 'sudo password guessing by {user.name}: {count} failures'
---
title: Root shell through sudo
id: 1b3d5f7a-9c1e-4b3d-8f7a-9c1e3b5d7f13
name: sudo_root_shell
level: medium
logsource: {product: linux, service: sudo}
detection: {sel: {process.name: sudo, event.outcome: success, process.command_line|endswith: [/bin/bash, /bin/sh]}, condition: sel}
vigil:
  group-by: [user.name]
`;

const START = Date.parse('2025-09-08T06:00:00Z');

function sudo(index: number, user: string, outcome: 'success' | 'failure', command: string): StorableEvent {
  const at = new Date(START + index * 2000).toISOString();
  const message = outcome === 'failure' ? `${user} : 1 incorrect password attempt ; TTY=pts/1 ; PWD=/home/${user} ; USER=root ; COMMAND=${command}` : `${user} : TTY=pts/1 ; PWD=/home/${user} ; USER=root ; COMMAND=${command}`;
  return {
    '@timestamp': at,
    message,
    event: { id: `app-3:boot-9:${Math.floor(index / 50)}:${index % 50}`, kind: 'event', category: ['process'], type: ['start'], action: 'sudo_command', outcome, created: at, original: `<85>Sep  8 06:00:00 app-3 sudo: ${message}` },
    host: { hostname: 'app-3' },
    process: { name: 'sudo', command_line: command },
    user: { name: user, effective: { name: 'root' } },
  };
}

// Two hours of sudo, one event every 2 s: a service account's cron job, and at 07:00 an intern
// guessing passwords for 60 s and then opening a root shell.
const EVENTS: StorableEvent[] = Array.from({ length: 3600 }, (_, i) => {
  if (i >= 1800 && i < 1830) return sudo(i, 'intern', 'failure', '/bin/bash');
  if (i === 1830) return sudo(i, 'intern', 'success', '/bin/bash');
  return sudo(i, 'backup', 'success', '/usr/bin/rsync -a /srv /mnt/backup');
});

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-backtest-cli-'));
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'sudo.yml'), RULES);
  writeFileSync(join(dir, 'vigil.json'), JSON.stringify({ dataDir: join(dir, 'data'), engine: { builtinRules: false, rulesDirs: [join(dir, 'rules')], builtinPipelines: false } }));
  env = { VIGIL_CONFIG: join(dir, 'vigil.json') };
  const store = await createSqliteStore({ path: join(dir, 'data', 'store', 'vigil.db') });
  await store.init();
  await store.writeEvents(EVENTS);
  await store.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], io: Partial<BacktestIo> & { tty?: boolean } = {}): Promise<{ code: number; out: string; writes: string[]; err: string }> {
  const writes: string[] = [];
  const errors: string[] = [];
  const code = await backtestCommand(args, {
    env,
    stdout: { write: (text: string) => writes.push(text), isTTY: io.tty ?? false },
    err: (line) => errors.push(line),
    ...io,
  });
  return { code, out: writes.join(''), writes, err: errors.join('\n') };
}

const RANGE = ['--from', '2025-09-08T06:30:00Z', '--to', '2025-09-08T07:30:00Z'];

describe('vigil backtest', () => {
  it('prints the report as JSON with --json: events read, matches per rule and the alerts, none of them stored', async () => {
    const { code, out } = await run(['--rules', 'sudo_password_guessing,sudo_root_shell', ...RANGE, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(out) as BacktestResult;
    expect(result).toMatchObject({ from: '2025-09-08T06:30:00Z', to: '2025-09-08T07:30:00Z', query: '', complete: true, eventsRead: 1800, alertsRaised: 2 });
    expect(result.rules.map((rule) => [rule.name, rule.selected, rule.matches, rule.alerts])).toEqual([
      ['sudo_auth_failure', false, 30, 0],
      ['sudo_password_guessing', true, 11, 1],
      ['sudo_root_shell', true, 1, 1],
    ]);
    expect(result.alerts.map((alert) => [alert.rule.title, alert.group, alert.count, alert.firstSeen, alert.lastSeen])).toEqual([
      ['Sudo password guessing', { 'user.name': 'intern' }, 30, '2025-09-08T07:00:00.000Z', '2025-09-08T07:00:58.000Z'],
      ['Root shell through sudo', { 'user.name': 'intern' }, 1, '2025-09-08T07:01:00.000Z', '2025-09-08T07:01:00.000Z'],
    ]);
    const store = await createSqliteStore({ path: join(dir, 'data', 'store', 'vigil.db') });
    await store.init();
    expect((await store.searchAlerts({ size: 1 })).total).toBe(0);
    await store.close();
  });

  it('draws a progress line in place on a terminal, then prints the report as a table', async () => {
    const { code, out, writes } = await run(['--all', '--from', '2025-09-08', '--to', '2025-09-09'], { tty: true, progressIntervalMs: 0 });
    expect(code).toBe(0);
    const redraw = '\r\x1b[2K';
    const progress = writes.filter((text) => text.startsWith(`${redraw}backtest: `)).map((text) => text.slice(redraw.length));
    expect(progress.length).toBeGreaterThanOrEqual(6);
    // Events start at 06:00 and come every 2 s: 512 reach 06:17:02, 3,584 reach 07:59:26, a third of the day asked for.
    expect(progress[0]).toMatch(/^backtest: 512 events read \([\d,]+\/s\), 26% of the range, 0 alert\(s\) in \d+s$/);
    expect(progress.at(-1)).toMatch(/3,584 events read \([\d,]+\/s\), 33% of the range, 2 alert\(s\)/);
    expect(writes).toContain(redraw);
    const table = writes.at(-1)!;
    expect(table).toContain('backtest 2025-09-08T00:00:00Z → 2025-09-09T00:00:00Z');
    expect(table).toContain('read 3600 event(s) in');
    expect(table).toMatch(/RULE\s+KIND\s+LEVEL\s+MATCHES\s+ALERTS\n/);
    expect(table).toMatch(/sudo_auth_failure\s+detection\s+low\s+30\s+-\n/);
    expect(table).toMatch(/sudo_password_guessing\s+correlation\s+high\s+11\s+1\n/);
    expect(table).toContain('2 alert(s) would have been raised');
    expect(table).toMatch(/2025-09-08T07:00:00.000Z\s+2025-09-08T07:00:58.000Z\s+high\s+\d+\s+30\s+Sudo password guessing\s+user.name=intern/);
    expect(out.indexOf('\r')).toBeLessThan(out.indexOf('backtest 2025'));
  });

  it('prints only the table when stdout is not a terminal, and narrows the events with --query', async () => {
    const { code, out } = await run(['--rules', 'sudo_root_shell', ...RANGE, '--query', 'user.name:intern']);
    expect(code).toBe(0);
    expect(out).not.toContain('\r');
    expect(out).toContain('(query: user.name:intern)');
    expect(out).toContain('read 31 event(s)');
    expect(out).toContain('1 alert(s) would have been raised');
  });

  it('takes times relative to now', async () => {
    const { code, out } = await run(['--all', '--from', 'now-1h', '--to', 'now', '--json'], { now: () => Date.parse('2025-09-08T07:00:00Z') });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ from: '2025-09-08T06:00:00.000Z', to: '2025-09-08T07:00:00.000Z', eventsRead: 1800, alertsRaised: 0 });
  });

  it('stops when interrupted, prints what it found so far and exits 130', async () => {
    const stop = new AbortController();
    const writes: string[] = [];
    const code = await backtestCommand(['--all', ...RANGE], {
      env,
      stdout: { isTTY: true, write: (text: string) => (writes.push(text), text.includes('1,024 events read') && stop.abort()) },
      err: () => {},
      signal: stop.signal,
      progressIntervalMs: 0,
    });
    expect(code).toBe(130);
    expect(writes.at(-1)).toContain('read 1024 event(s)');
    expect(writes.at(-1)).toContain('stopped early (cancelled); events up to 2025-09-08T07:04:06.000Z were read');
  });

  it.each([
    [['--from', '2025-09-08', '--to', '2025-09-09'], 'name the rules with --rules'],
    [['--all', '--rules', 'sudo_root_shell', '--from', '2025-09-08', '--to', '2025-09-09'], 'not both'],
    [['--all', '--to', '2025-09-09'], '--from: missing'],
    [['--all', '--from', 'yesterday', '--to', '2025-09-09'], '--from: yesterday is not a time'],
    [['--all', '--from', '2025-09-08T10:00:00', '--to', '2025-09-09'], '--from: 2025-09-08T10:00:00 is not a time'],
    [['--all', '--from', '2025-09-09', '--to', '2025-09-08'], '--to: 2025-09-08 is not after --from 2025-09-09'],
    [['--all', '--from', '2025-09-08', '--to', '2025-09-09', '--max-alerts', '0'], '--max-alerts 0'],
    [['--all', '--from', '2025-09-08', '--to', '2025-09-09', '--since', '1h'], "Unknown option '--since'"],
  ])('answers bad usage %j with exit code 2 and the usage', async (args, problem) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toContain(problem);
    expect(err).toContain('usage: vigil backtest');
  });

  it('fails with exit code 1 naming unknown rules, a bad query, or a missing store', async () => {
    const unknown = await run(['--rules', 'sudo_root_shell,ssh_brute_force', ...RANGE]);
    expect(unknown).toMatchObject({ code: 1, err: 'vigil backtest: unknown rule(s) "ssh_brute_force": no loaded rule has this id or name' });
    const query = await run(['--all', ...RANGE, '--query', 'user.name:(intern']);
    expect(query.code).toBe(1);
    expect(query.err).toContain('vigil backtest: expected');
    const elsewhere = await run(['--all', ...RANGE], { env: { ...env, VIGIL_DATA_DIR: join(dir, 'nothing-here') } });
    expect(elsewhere).toMatchObject({ code: 1, err: `vigil backtest: no store at ${join(dir, 'nothing-here', 'store', 'vigil.db')}; set VIGIL_DATA_DIR to the data directory of the Vigil whose events to read` });
  });
});
