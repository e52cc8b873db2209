import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Metrics, parseConfig, silentLogger } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import { processingConfigSchema, type ProcessingConfigInput } from './config.ts';
import { loadOrCreateKeyFile } from './key-file.ts';
import { ProcessingPipeline } from './pipeline.ts';
import { PSEUDONYMISED_TAG, Pseudonymiser } from './pseudonymise.ts';
import { LINES, counterValue, problems, syslogEvent } from './test-support.ts';

const KEY = Buffer.from('f3c1a9e0b27d4c58a1e6d0b9c4f2a7e85d3b6c9a0e1f4d7b2c5a8e3f6b9d0c1a', 'hex');
const OTHER_KEY = Buffer.from('0b9c4f2a7e85d3b6c9a0e1f4d7b2c5a8e3f6b9d0c1af3c1a9e0b27d4c58a1e6d', 'hex');
const FIELDS = ['user.name', 'source.ip', 'user.target.name', 'host.hostname'];

function pseudonymised(line: string, key = KEY, fields = FIELDS): EcsEvent {
  const event = syslogEvent(line);
  new Pseudonymiser(fields, key).apply(event);
  return event;
}

describe('pseudonymisation', () => {
  it('gives the same value the same pseudonym under one key, and a different one under another key', () => {
    const first = pseudonymised(LINES.failedPassword);
    const again = pseudonymised(LINES.failedPasswordRepeated);
    const otherKey = pseudonymised(LINES.failedPassword, OTHER_KEY);
    expect(first.user!.name).toMatch(/^pseud:[A-Za-z0-9_-]{20}$/);
    expect(again.user!.name).toBe(first.user!.name);
    expect(again.source!.ip).toBe(first.source!.ip);
    expect(otherKey.user!.name).not.toBe(first.user!.name);
    expect(otherKey.source!.ip).not.toBe(first.source!.ip);
    expect(new Pseudonymiser(FIELDS, KEY).keyword('deploy')).not.toBe(first.user!.name);
  });

  it('keeps IP fields IP addresses in fd00::/8, and every event still validates', () => {
    for (const line of [LINES.failedPassword, LINES.failedPasswordV6, LINES.acceptedKey]) {
      const event = pseudonymised(line);
      expect(isIP(event.source!.ip!), line).toBe(6);
      expect(event.source!.ip).toMatch(/^fd[0-9a-f]{2}:/);
      expect(problems(event)).toEqual([]);
    }
    const pseudonymiser = new Pseudonymiser(['host.ip'], KEY);
    const event: EcsEvent = { message: 'NIC up', host: { hostname: 'db-1', ip: ['10.1.2.3', '2001:DB8:0:0::1', '::ffff:10.1.2.3'] } };
    pseudonymiser.apply(event);
    expect(problems(event)).toEqual([]);
    const [v4, v6, mapped] = event.host!.ip!;
    expect(isIP(v4!)).toBe(6);
    // Text forms of one address correlate: ::ffff:10.1.2.3 is 10.1.2.3; 2001:DB8:0:0::1 is 2001:db8::1.
    expect(mapped).toBe(v4);
    expect(v6).toBe(pseudonymiser.ip('2001:db8::1'));
  });

  it('scrubs the values from message and event.original and tags the event', () => {
    const event = pseudonymised(LINES.failedPassword);
    const user = event.user!.name!;
    const ip = event.source!.ip!;
    expect(event.message).toBe(`Failed password for invalid user ${user} from ${ip} port 51122 ssh2`);
    expect(event.event!.original).toBe(`<38>Mar 14 12:00:01 ${event.host!.hostname} sshd[4211]: Failed password for invalid user ${user} from ${ip} port 51122 ssh2`);
    expect(JSON.stringify(event)).not.toMatch(/alice|203\.0\.113\.7|bastion-01/);
    expect(event.tags).toEqual([PSEUDONYMISED_TAG]);
  });

  it('replaces copies of a value in other fields: related.*, source.address, log.syslog.hostname', () => {
    const event = pseudonymised(LINES.acceptedKey);
    expect(event.related).toEqual({ ip: [event.source!.ip], user: [event.user!.name] });
    expect(event.source!.address).toBe(event.source!.ip);
    expect(event.log!.syslog!.hostname).toBe(event.host!.hostname);
    expect(event.host!.hostname).toMatch(/^pseud:/);
    // Vigil's own fields and unrelated values stay.
    expect(event.vigil!.parse).toEqual({ status: 'parsed', parser: 'sshd' });
    expect(event.labels!.ssh_key_fingerprint).toBe('SHA256:3n2QjLbFqA0uU9y1kZtq8wXx');
    expect(problems(event)).toEqual([]);
  });

  it('replaces whole words only, so a short value does not mangle longer words or addresses', () => {
    const pseudonymiser = new Pseudonymiser(['user.name', 'source.ip'], KEY);
    const line = 'session for root opened by chroot-helper from 10.0.0.1 (not 10.0.0.12), mail root@example.org';
    const event: EcsEvent = { message: line, event: { original: line }, user: { name: 'root' }, source: { ip: '10.0.0.1' } };
    pseudonymiser.apply(event);
    const root = pseudonymiser.keyword('root');
    const ip = pseudonymiser.ip('10.0.0.1');
    expect(event.message).toBe(`session for ${root} opened by chroot-helper from ${ip} (not 10.0.0.12), mail ${root}@example.org`);
  });

  it('handles array keyword fields and user.target.name', () => {
    const pseudonymiser = new Pseudonymiser(['user.target.name', 'user.roles'], KEY);
    const line = 'usermod: add carol to group wheel';
    const event: EcsEvent = { message: line, user: { name: 'root', target: { name: 'carol' }, roles: ['wheel', 'admin'] }, related: { user: ['root', 'carol'] } };
    pseudonymiser.apply(event);
    expect(event.user).toEqual({ name: 'root', target: { name: pseudonymiser.keyword('carol') }, roles: [pseudonymiser.keyword('wheel'), pseudonymiser.keyword('admin')] });
    expect(event.related!.user).toEqual(['root', pseudonymiser.keyword('carol')]);
    expect(event.message).toBe(`usermod: add ${pseudonymiser.keyword('carol')} to group ${pseudonymiser.keyword('wheel')}`);
    expect(problems(event)).toEqual([]);
  });

  it('leaves events without the fields untouched and untagged', () => {
    const event = pseudonymised(LINES.cron, KEY, ['user.name', 'source.ip']);
    expect(event).toEqual(syslogEvent(LINES.cron));
  });

  it('refuses keys shorter than 32 bytes', () => {
    expect(() => new Pseudonymiser(['user.name'], Buffer.alloc(16, 1))).toThrow('at least 32');
  });
});

describe('the key file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-pseudonym-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function pipeline(config: ProcessingConfigInput, out: EcsEvent[], metrics = new Metrics({ defaultMetrics: false })) {
    return new ProcessingPipeline(parseConfig(processingConfigSchema, config), { metrics, logger: silentLogger(), emit: (event) => out.push(event) });
  }

  it('is created 0600 with 32 random bytes when missing, and reused so pseudonyms survive a restart', async () => {
    const keyFile = join(dir, 'secrets', 'pseudonym.key');
    const config = { pseudonymise: { fields: ['user.name'], keyFile } };
    const out: EcsEvent[] = [];
    const metrics = new Metrics({ defaultMetrics: false });
    pipeline(config, out, metrics).process(syslogEvent(LINES.failedPassword), 'syslog_udp');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'secrets')).mode & 0o077).toBe(0);
    const content = readFileSync(keyFile, 'utf8');
    expect(Buffer.from(content.trim(), 'base64url')).toHaveLength(32);
    pipeline(config, out).process(syslogEvent(LINES.failedPassword), 'syslog_udp');
    expect(readFileSync(keyFile, 'utf8')).toBe(content);
    expect(out[1]!.user!.name).toBe(out[0]!.user!.name);
    expect(await counterValue(metrics, 'vigil_edge_pseudonymised_total')).toBe(1);
  });

  it('keeps every byte of a binary key, and ignores the newline of a text key', () => {
    const binary = join(dir, 'binary.key');
    const bytes = Buffer.concat([Buffer.alloc(31, 0xa5), Buffer.from([0x0a])]);
    writeFileSync(binary, bytes, { mode: 0o600 });
    expect(loadOrCreateKeyFile(binary)).toEqual(bytes);
    const text = join(dir, 'text.key');
    writeFileSync(text, `${'k'.repeat(40)}\r\n`, { mode: 0o600 });
    expect(loadOrCreateKeyFile(text).toString()).toBe('k'.repeat(40));
  });

  it('refuses a key file that is too short, saying what to do', () => {
    const keyFile = join(dir, 'short.key');
    writeFileSync(keyFile, 'hunter2\n', { mode: 0o600 });
    expect(() => pipeline({ pseudonymise: { fields: ['user.name'], keyFile } }, [])).toThrow(/holds 7 bytes; it needs at least 32 random bytes \(remove it/);
  });

  it('needs a key file or a key from the host when fields are set', () => {
    expect(() => pipeline({ pseudonymise: { fields: ['user.name'] } }, [])).toThrow('set pseudonymise.keyFile');
    const out: EcsEvent[] = [];
    new ProcessingPipeline(parseConfig(processingConfigSchema, { pseudonymise: { fields: ['user.name'] } }), {
      metrics: new Metrics({ defaultMetrics: false }),
      logger: silentLogger(),
      emit: (event) => out.push(event),
      pseudonymKey: KEY,
    }).process(syslogEvent(LINES.failedPassword), 'syslog_tcp');
    expect(out[0]!.user!.name).toBe(new Pseudonymiser(['user.name'], KEY).keyword('alice'));
    expect(existsSync(join(dir, 'pseudonym.key'))).toBe(false);
  });
});
