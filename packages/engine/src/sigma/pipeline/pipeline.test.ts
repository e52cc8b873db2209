import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EcsEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { DetectionEngine } from '../../alerts/detection-engine.ts';
import { formatProblem, lintRules, parseRuleSources } from '../loader.ts';
import type { Ruleset } from '../ruleset.ts';

const PIPELINE = `
name: test-web
priority: 10
vars:
  admin_paths: [/admin, /wp-admin]
transformations:
  - id: web_only
    type: add_condition
    conditions:
      event.category: web
    rule_conditions:
      - {type: logsource, category: webserver}
  - id: w3c
    type: field_name_mapping
    mapping:
      cs-uri-query: url.query
      c-ip: source.ip
      cs-host: [url.domain, destination.domain]
    rule_conditions:
      - {type: logsource, category: webserver}
`;

function rule(body: string, logsource = '{category: webserver}'): string {
  return `title: t\nid: t-rule\nlogsource: ${logsource}\ndetection:\n${body.replace(/^/gm, '  ')}\n`;
}

function load(rules: string, pipelines: string[] = [PIPELINE]): Ruleset {
  const { ruleset, problems } = parseRuleSources(
    [{ file: 'rules.yml', text: rules }],
    pipelines.map((text, index) => ({ file: `pipeline-${index}.yml`, text })),
  );
  expect(problems.map(formatProblem)).toEqual([]);
  return ruleset;
}

/** The rule ids that fire on each event, through a real engine (logsource conditions included). */
function firing(ruleset: Ruleset, events: EcsEvent[]): string[][] {
  const fired: string[][] = [];
  const engine = new DetectionEngine(ruleset, { onHit: (hit) => fired.at(-1)!.push(hit.rule.id) });
  for (const event of events) {
    fired.push([]);
    engine.process(event);
  }
  return fired;
}

const web = (query: string, extra: EcsEvent = {}): EcsEvent => ({ '@timestamp': '2026-11-25T10:00:00Z', event: { kind: 'event', category: ['web'] }, url: { query }, source: { ip: '203.0.113.9' }, ...extra });

describe('processing pipelines', () => {
  it("map a Sigma rule's W3C field names to ECS and keep its rules to the logsource's events", () => {
    const ruleset = load(rule("select:\n  cs-uri-query|contains: 'union select'\ncondition: select"));
    const notWeb: EcsEvent = { '@timestamp': '2026-11-25T10:00:00Z', event: { kind: 'event', category: ['network'] }, url: { query: 'id=1 union select 1' } };
    expect(firing(ruleset, [web('id=1 UNION SELECT password'), web('q=unions selected'), notWeb])).toEqual([['t-rule'], [], []]);
  });

  it('match a field mapped to several ECS fields when any of them matches', () => {
    const ruleset = load(rule('select:\n  cs-host: evil.example\ncondition: select'));
    expect(firing(ruleset, [web('', { url: { domain: 'evil.example' } }), web('', { destination: { domain: 'EVIL.example' } }), web('', { url: { domain: 'good.example' } })])).toEqual([
      ['t-rule'],
      ['t-rule'],
      [],
    ]);
  });

  it('leave rules of other logsources alone', () => {
    const ruleset = load(rule('select:\n  url.query|contains: passwd\ncondition: select', '{product: linux, service: sshd}'));
    expect(ruleset.detections[0]!.mapping.condition).toBeUndefined();
    expect(firing(ruleset, [web('file=/etc/passwd')])).toEqual([['t-rule']]);
  });

  it("fill 'expand' placeholders from the pipelines' vars, each value an alternative", () => {
    const ruleset = load(rule("select:\n  url.path|expand|startswith: '%admin_paths%'\ncondition: select"));
    const path = (value: string) => web('', { url: { path: value } });
    expect(firing(ruleset, [path('/wp-admin/setup.php'), path('/admin'), path('/blog/admin')])).toEqual([['t-rule'], ['t-rule'], []]);
  });

  it('report a placeholder no pipeline defines, at its rule line', () => {
    const { problems } = parseRuleSources([{ file: 'rules.yml', text: rule("select:\n  url.path|expand: '%nowhere%'\ncondition: select") }], [{ file: 'p.yml', text: PIPELINE }]);
    expect(problems.map(formatProblem)).toEqual(["rules.yml:6:22: placeholder '%nowhere%' has no value: define it under vars in a pipeline in 'url.path|expand' [t-rule]"]);
  });

  it("group a correlation by the mapped field, so 'c-ip' counts per source.ip", () => {
    const rules = `${rule("select:\n  cs-uri-query|contains: '../'\ncondition: select").replace('id: t-rule', 'id: t-rule\nname: traversal')}---
title: traversal burst
id: burst
correlation:
  type: event_count
  rules: [traversal]
  group-by: [c-ip]
  timespan: 1m
  condition: {gte: 3}
`;
    const ruleset = load(rules);
    const alerts = new DetectionEngine(ruleset);
    const from = (ip: string) => web('f=../../etc/passwd', { source: { ip } });
    const raised = [from('203.0.113.1'), from('203.0.113.2'), from('203.0.113.1'), from('203.0.113.1')].flatMap((event) => alerts.process(event));
    const burst = raised.filter((alert) => alert.rule.id === 'burst');
    expect(burst.map((alert) => alert.vigil.alert.group)).toEqual([{ 'c-ip': '203.0.113.1' }]);
  });

  it('chain in priority order and rename by prefix', () => {
    const first = 'name: first\npriority: 20\ntransformations:\n  - type: field_name_mapping\n    mapping: {SrcAddr: src_ip}\n';
    const second = 'name: second\npriority: 30\ntransformations:\n  - type: field_name_mapping\n    mapping: {src_ip: source.ip}\n  - type: field_name_prefix_mapping\n    mapping: {"win.": "winlog.event_data."}\n';
    const ruleset = load(rule('select:\n  SrcAddr: 198.51.100.4\n  win.User: bob\ncondition: select', '{product: any}'), [second, first]);
    const mapping = ruleset.detections[0]!.mapping;
    expect(mapping.fieldNames('SrcAddr')).toEqual(['source.ip']);
    expect(mapping.fieldNames('win.User')).toEqual(['winlog.event_data.User']);
  });

  it('report every problem of a pipeline with its file and line', () => {
    const broken = `name: broken
priority: high
transformations:
  - type: drop_detection_item
  - type: field_name_mapping
    mapping: {a: ''}
  - type: add_condition
    rule_conditions:
      - {type: processing_item_applied, category: webserver}
`;
    const { problems } = parseRuleSources([], [{ file: 'broken.yml', text: broken }]);
    expect(problems.map(formatProblem)).toEqual([
      'broken.yml:2:11: priority must be an integer [broken]',
      "broken.yml:4:11: transformation type 'drop_detection_item' is not supported (Vigil supports field_name_mapping, field_name_prefix_mapping, add_condition) [broken]",
      'broken.yml:6:18: mapping.a must be a non-empty string [broken]',
      "broken.yml:9:9: only 'type: logsource' rule conditions are supported [broken]",
      'broken.yml:7:5: add_condition needs conditions (a mapping of fields to values, or a list of such mappings: any) [broken]',
    ]);
  });

  it("ship Vigil's own pipelines without problems", async () => {
    const empty = await mkdtemp(join(tmpdir(), 'vigil-pipelines-'));
    try {
      expect((await lintRules(empty)).map(formatProblem)).toEqual([]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
