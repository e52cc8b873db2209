import { describe, expect, it } from 'vitest';
import { validateEvent } from '@vigil/schema';
import { FIXTURE_FILES, loadFixtures, normalize } from './fixtures.ts';
import { SYSTEM_PARSERS } from './index.ts';

const LINES = FIXTURE_FILES.flatMap((file) => loadFixtures(file).map((c) => c.line));
const NASTY = ['"', "'", '=', ' ', '(', ')', '[', ']', ':', ';', '\x1d', '\0', 'é', '#012', '`'];

function expectValid(line: string): void {
  const { event } = normalize(line);
  const validation = validateEvent(event);
  expect(validation.ok ? [] : validation.problems, line).toEqual([]);
  expect(event.event?.original).toBe(line);
}

describe('malformed system log lines', () => {
  it('every truncation of every fixture line gives a valid event and never throws', () => {
    for (const line of LINES) for (let end = 0; end <= line.length; end++) expectValid(line.slice(0, end));
  });

  it('fixture lines with quotes, separators and control characters put in anywhere give valid events', () => {
    for (const line of LINES) {
      for (let at = 0; at < line.length; at += 3) {
        const nasty = NASTY[at % NASTY.length]!;
        expectValid(line.slice(0, at) + nasty + line.slice(at + 1));
        expectValid(line.slice(0, at) + nasty + line.slice(at));
      }
    }
  });

  it('long adversarial lines finish and give valid events (no catastrophic backtracking)', () => {
    const n = 20_000;
    const lines = [
      `<86>Mar 14 11:50:01 web01 sudo: ${'a : '.repeat(n)}`,
      `<86>Mar 14 11:50:01 web01 sudo: alice : ${'TTY=x ; '.repeat(n)}`,
      `<86>Mar 14 11:50:01 web01 su[1]: (to ${')'.repeat(n)} on`,
      `<86>Mar 14 11:50:01 web01 su[1]: FAILED SU (to root) ${'x on '.repeat(n)}`,
      `<86>Mar 14 11:50:01 web01 login[1]: pam_unix(login:session): session opened for user ${'(uid=1)'.repeat(n)} by ${' by '.repeat(n)}`,
      `<86>Mar 14 11:50:01 web01 usermod[1]: change user '${"a' ".repeat(n)}`,
      `<86>Mar 14 11:50:01 web01 groupmod[1]: group changed in /etc/group (group a/1${', x'.repeat(n)}`,
      `<86>Mar 14 11:50:01 web01 gpasswd[1]: members of group g set by ${'r to '.repeat(n)}`,
      `<78>Mar 14 11:50:01 web01 CRON[1]: (root) ${'A '.repeat(n)}(x`,
      `<30>Mar 14 11:50:01 web01 systemd[1]: ${'a.service.'.repeat(n)}service: x`,
      `<30>Mar 14 11:50:01 web01 systemd[1]: Started ${'a.service - '.repeat(n)}`,
      `<4>Mar 14 11:50:01 fw01 kernel: ${'IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 '.repeat(n)}`,
      `<4>Mar 14 11:50:01 fw01 kernel: [${'1'.repeat(n)}.1] IN=a OUT= SRC=1.2.3.4 DST=5.6.7.8`,
      `<14>Mar 14 11:50:01 web01 audisp-syslog: type=SYSCALL msg=audit(1700000000.123:1): ${'a="'.repeat(n)}`,
      `<14>Mar 14 11:50:01 web01 audisp-syslog: type=EXECVE msg=audit(1700000000.123:1): argc=999999 ${'a0[0]=41 '.repeat(n)}`,
      `<14>Mar 14 11:50:01 web01 audit[1]: USER_AVC msg='${'avc:  denied  { '.repeat(n)}`,
    ];
    for (const line of lines) expectValid(line);
  });

  it('audit field names that are Object.prototype names are data, not prototype writes', () => {
    const line = '<14>Mar 14 16:00:00 web01 audisp-syslog: type=SYSCALL msg=audit(1700000000.123:1): __proto__=x constructor="y" toString=z hasOwnProperty=1 pid=42';
    const { event, status } = normalize(line);
    expect(status).toBe('parsed');
    expect(event.process?.pid).toBe(42);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(validateEvent(event).ok).toBe(true);
  });
});

describe('system parsers called directly', () => {
  it.each(SYSTEM_PARSERS.map((parser) => [parser.name, parser] as const))('%s returns null for empty and unrelated text', (_name, parser) => {
    for (const text of ['', ' ', ':', '(', '[', 'type=', 'pam_unix(', 'Connection closed by 203.0.113.5 port 22', '{"level":"info","msg":"ok"}']) {
      expect(parser.parse(text), JSON.stringify(text)).toBeNull();
    }
  });

  it('events do not share arrays or objects: changing one leaves the next one alone', () => {
    const line = '<86>Mar 14 11:50:01 web01 su[1]: (to root) alice on pts/1';
    const first = normalize(line).event;
    first.event!.category!.push('tampered');
    first.event!.type!.length = 0;
    const second = normalize(line).event;
    expect(second.event?.category).toEqual(['authentication']);
    expect(second.event?.type).toEqual(['start']);
  });
});
