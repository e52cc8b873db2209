import { describe, expect, it } from 'vitest';
import { loadRules, parseRuleSources } from './loader.ts';
import { BUILTIN_RULES_DIR } from '../detection-setup.ts';
import type { EventContext } from './event-context.ts';
import { alternativesOf, requirementsOf, type Requirement } from './requirement.ts';
import type { Ruleset } from './ruleset.ts';

/** The requirements of one rule's detection, as `field ∈ literals` texts. */
function requirements(detection: string): string[] {
  const yaml = `title: requirement\nid: requirement-rule\nlogsource: {product: linux}\ndetection:\n${detection}\n`;
  const { ruleset, problems } = parseRuleSources([{ file: 'requirement.yml', text: yaml }]);
  expect(problems).toEqual([]);
  return describeRequirements(ruleset, 0);
}

function describeRequirements(ruleset: Ruleset, index: number): string[] {
  return requirementsOf(ruleset.detections[index]!.matcher).map((requirement) => describe1(ruleset, requirement));
}

function describe1(ruleset: Ruleset, { slot, literals }: Requirement): string {
  return `${ruleset.fields.paths[slot]!.join('.')} ∈ ${[...literals].sort().join(',')}`;
}

/** The alternatives of one rule's detection (one of them holds whenever it matches), as texts; undefined when none can be told. */
function alternatives(detection: string): string[] | undefined {
  const yaml = `title: requirement\nid: requirement-rule\nlogsource: {product: linux}\ndetection:\n${detection}\n`;
  const { ruleset, problems } = parseRuleSources([{ file: 'requirement.yml', text: yaml }]);
  expect(problems).toEqual([]);
  return alternativesOf(ruleset.detections[0]!.matcher)?.map((requirement) => describe1(ruleset, requirement));
}

/** Whether the event in `ctx` meets `requirement` (its field, lowercased, is one of the literals). */
function meetsRequirement(ctx: EventContext, { slot, literals }: Requirement): boolean {
  const value = ctx.lower(slot);
  return typeof value === 'string' ? literals.has(value) : value !== undefined && value.some((element) => element !== undefined && literals.has(element));
}

describe('what a match requires', () => {
  it('plain equality items, lowercased, through ANDs', () => {
    expect(requirements('  sel: {process.name: sshd, event.action: [SSH_Login, ssh_invalid_user]}\n  condition: sel')).toEqual(['process.name ∈ sshd', 'event.action ∈ ssh_invalid_user,ssh_login']);
    expect(requirements('  sel: {process.name: sshd}\n  filter: {user.name: root}\n  condition: sel and not filter')).toEqual(['process.name ∈ sshd']);
    expect(requirements('  sel: {process.name: sshd}\n  other: {user.name: root}\n  condition: all of them')).toEqual(['process.name ∈ sshd', 'user.name ∈ root']);
  });

  it('an OR requires only a field every branch requires, with all their literals', () => {
    expect(requirements('  a: {process.name: sshd, user.name: root}\n  b: {process.name: su}\n  condition: a or b')).toEqual(['process.name ∈ sshd,su']);
    expect(requirements('  sel:\n    - {process.name: sshd}\n    - {process.name: sudo, user.name: root}\n  condition: sel')).toEqual(['process.name ∈ sshd,sudo']);
    expect(requirements('  a: {process.name: sshd}\n  b: {user.name: root}\n  condition: 1 of them')).toEqual([]);
    expect(requirements('  a: {process.name: sshd}\n  b: {user.name: root}\n  condition:\n    - a\n    - b')).toEqual([]);
  });

  it('an OR over different fields: one of the branches\' requirements holds', () => {
    expect(alternatives('  a: {process.name: sshd, user.name: root}\n  b: {event.module: SSHD}\n  condition: a or b')).toEqual(['process.name ∈ sshd', 'event.module ∈ sshd']);
    expect(alternatives('  sel:\n    - {process.name: sshd}\n    - {log.syslog.appname: [sshd, sshd-session]}\n  condition: sel')).toEqual(['process.name ∈ sshd', 'log.syslog.appname ∈ sshd,sshd-session']);
    // A field every branch requires is one requirement, not alternatives.
    expect(alternatives('  a: {process.name: sshd}\n  b: {process.name: su}\n  condition: a or b')).toEqual(['process.name ∈ sshd,su']);
    // An AND of such ORs: the alternatives of one of them (the fewest).
    expect(alternatives('  a: [{process.name: sshd}, {event.module: sshd}]\n  b: [{user.name: root}, {user.id: "0"}, {group.name: wheel}]\n  condition: a and b')).toEqual(['process.name ∈ sshd', 'event.module ∈ sshd']);
    // A branch that can be told nothing of leaves nothing to tell.
    expect(alternatives('  a: {process.name: sshd}\n  b: {process.name|startswith: ssh}\n  condition: a or b')).toBeUndefined();
    expect(alternatives('  a: {process.name: sshd}\n  condition: not a')).toBeUndefined();
  });

  it('nothing from items that are not plain equality: wildcards, modifiers, null, numbers, keywords, NOT', () => {
    for (const item of ['process.name: ssh*', 'process.name|contains: ssh', 'process.name|cased: sshd', 'process.name|re: ^sshd$', 'process.name: null', 'destination.port: 22', 'process.name|all: [a, b]', 'process.name|neq: sshd', 'source.ip|cidr: 10.0.0.0/8']) {
      expect(requirements(`  sel: {${item}}\n  condition: sel`), item).toEqual([]);
    }
    expect(requirements('  keywords: [sshd]\n  condition: keywords')).toEqual([]);
    expect(requirements('  sel: {process.name: sshd}\n  condition: not sel')).toEqual([]);
  });

  // The pack's own rule tests (a positive and a negative per rule) run through the indexed engine too (`rule-tests.ts`).
  it('never skips a match: an event a pack rule matches, in any letter case or as a list field, meets all its requirements', async () => {
    const pack = await loadRules(BUILTIN_RULES_DIR);
    const ctx = pack.createContext();
    const events = [
      { process: { name: 'sshd' }, event: { action: 'ssh_login', outcome: 'failure', dataset: 'system.auth' }, source: { ip: '203.0.113.7' }, user: { name: 'root' } },
      { process: { name: 'SSHD' }, event: { action: ['SSH_LOGIN'], outcome: 'FAILURE', dataset: 'SYSTEM.AUTH' }, user: { name: 'Root' } },
      { event: { action: 'group_member_added', outcome: 'success', dataset: 'system.auth' }, group: { name: 'WHEEL' }, user: { name: 'mallory' } },
    ];
    let checked = 0;
    for (const rule of pack.detections) {
      for (const event of events) {
        ctx.reset(event);
        if (!rule.matcher(ctx)) continue;
        checked++;
        for (const requirement of requirementsOf(rule.matcher)) expect(meetsRequirement(ctx, requirement), rule.title).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('reads a list field lowercased, the same list when it is lowercase already, from text or object', () => {
    const yaml = 'title: lists\nid: list-rule\nlogsource: {product: linux}\ndetection: {sel: {event.category: process}, condition: sel}\n';
    const { ruleset } = parseRuleSources([{ file: 'lists.yml', text: yaml }]);
    const ctx = ruleset.createContext();
    const [requirement] = requirementsOf(ruleset.detections[0]!.matcher);
    const slot = requirement!.slot;
    ctx.resetText('{"event":{"category":["Process","Network"]}}');
    expect(ctx.lower(slot)).toEqual(['process', 'network']);
    expect(meetsRequirement(ctx, requirement!)).toBe(true);
    ctx.resetText('{"event":{"category":["process",7]}}');
    expect(ctx.lower(slot)).toEqual(['process', '7']);
    ctx.resetText('{"event":{"category":["file","process"]}}');
    expect(ctx.lower(slot)).toBe(ctx.raw(slot));
    ctx.reset({ event: { category: ['PROCESS'] } });
    expect(ctx.lower(slot)).toEqual(['process']);
  });

  it('never skips a logsource: an event that meets a pipeline condition meets one of its alternatives', async () => {
    const pack = await loadRules(BUILTIN_RULES_DIR);
    const ctx = pack.createContext();
    const events = [
      { process: { name: 'SSHD' }, event: { module: 'system', dataset: 'system.auth', category: ['authentication'] } },
      { log: { syslog: { appname: 'sudo', facility: { name: 'AuthPriv' } } }, process: { name: 'apt', parent: { name: 'sudo' } } },
      { observer: { type: 'firewall' }, event: { category: ['network'], module: 'iptables' } },
      { event: { category: ['network'], module: 'CEF' } },
      { event: { category: ['web'], dataset: 'nginx.access' } },
      { event: { module: 'auditd', category: ['process'], type: ['start'] } },
      { process: { name: 'crond' }, event: { dataset: 'system.cron' } },
    ];
    const conditions = new Set(pack.detections.map((rule) => rule.mapping.condition).filter((condition) => condition !== undefined));
    let checked = 0;
    for (const condition of conditions) {
      const choices = alternativesOf(condition);
      if (choices === undefined) continue;
      for (const event of events) {
        ctx.reset(event);
        if (!condition(ctx)) continue;
        checked++;
        expect(choices.some((requirement) => meetsRequirement(ctx, requirement))).toBe(true);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(events.length);
  });
});
