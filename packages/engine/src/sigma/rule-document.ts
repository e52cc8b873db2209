import { ALERT_SEVERITIES, type AlertSeverity } from '@vigil/schema';
import type { Node } from 'yaml';
import { parseTimespan } from '../correlation/timespan.ts';
import { compileDetection, validFieldPath } from './detection.ts';
import type { FieldTable } from './event-context.ts';
import type { Pipelines } from './pipeline/pipeline.ts';
import {
  CONDITION_OPERATORS,
  CORRELATION_TYPES,
  RULE_STATUSES,
  type ConditionOperator,
  type ConditionTerm,
  type CorrelationSpec,
  type CorrelationType,
  type RuleMeta,
  type RuleStatus,
  type SigmaRule,
} from './types.ts';
import type { YamlReader } from './yaml-reader.ts';

/**
 * Turns one YAML document into a detection or correlation rule, recording every problem with
 * its position. Unknown top-level attributes are allowed (Sigma custom attributes); unknown
 * keys inside `correlation:` and `vigil:` are errors, because there they are typos.
 */
export function parseRuleDocument(reader: YamlReader, table: FieldTable, pipelines: Pipelines): SigmaRule | undefined {
  const root = reader.root;
  if (!reader.isMap(root)) {
    reader.problem(root, 'a rule document must be a mapping');
    return undefined;
  }
  const get = (key: string) => reader.get(root, key);
  const title = reader.string(get('title'), 'title', true);
  const id = reader.string(get('id'), 'id');
  const name = reader.string(get('name'), 'name');
  reader.rule = id ?? name ?? title;
  const before = reader.problems.length;
  if (get('action') !== undefined) reader.problem(reader.keyNode(root, 'action'), "rule collections ('action: global') are not supported; write one document per rule");
  if (get('filter') !== undefined && get('detection') === undefined) reader.problem(reader.keyNode(root, 'filter'), 'Sigma filter documents are not supported');
  if (id === undefined && name === undefined && title !== undefined) reader.problem(root, 'a rule needs an id (or at least a name) so its alerts can be identified');
  const meta = readMeta(reader, root);
  const correlationNode = get('correlation');
  let rule: SigmaRule | undefined;
  if (correlationNode !== undefined) {
    if (get('detection') !== undefined) reader.problem(reader.keyNode(root, 'detection'), 'a rule has either detection or correlation, not both');
    const correlation = readCorrelation(reader, correlationNode, get('generate'));
    if (correlation && title !== undefined && meta) rule = { ...meta, id: id ?? name!, name, title, kind: 'correlation', correlation };
  } else {
    const logsource = readLogsource(reader, get('logsource'));
    const detectionNode = get('detection');
    if (detectionNode === undefined) reader.problem(root, 'detection is required (or correlation, for a correlation rule)');
    const mapping = pipelines.mappingFor(logsource ?? {});
    const matcher = detectionNode === undefined ? undefined : compileDetection(reader, detectionNode, table, mapping);
    if (matcher && logsource && title !== undefined && meta) rule = { ...meta, id: id ?? name!, name, title, kind: 'detection', logsource, matcher, mapping };
  }
  return reader.problems.length === before && (id !== undefined || name !== undefined) ? rule : undefined;
}

type Meta = Omit<RuleMeta, 'id' | 'name' | 'title'>;

function readMeta(reader: YamlReader, root: Node): Meta | undefined {
  const get = (key: string) => reader.get(root, key);
  const status = reader.string(get('status'), 'status');
  if (status !== undefined && !(RULE_STATUSES as readonly string[]).includes(status)) {
    reader.problem(get('status'), `status must be one of ${RULE_STATUSES.join(', ')}`);
  }
  const level = reader.string(get('level'), 'level');
  if (level !== undefined && !(ALERT_SEVERITIES as readonly string[]).includes(level)) {
    reader.problem(get('level'), `level must be one of ${ALERT_SEVERITIES.join(', ')}`);
  }
  const vigil = readVigilExtension(reader, get('vigil'));
  return {
    status: status as RuleStatus | undefined,
    description: reader.string(get('description'), 'description'),
    references: reader.strings(get('references'), 'references'),
    author: reader.string(get('author'), 'author'),
    date: reader.string(get('date'), 'date'),
    modified: reader.string(get('modified'), 'modified'),
    tags: reader.strings(get('tags'), 'tags').map((tag) => tag.toLowerCase()),
    level: (level as AlertSeverity | undefined) ?? 'medium',
    falsepositives: reader.strings(get('falsepositives'), 'falsepositives'),
    fields: reader.strings(get('fields'), 'fields'),
    location: reader.locate(root),
    groupBy: vigil.groupBy,
    messageTemplate: vigil.message,
  };
}

function readVigilExtension(reader: YamlReader, node: Node | undefined): { groupBy: string[]; message: string | undefined } {
  const result = { groupBy: [] as string[], message: undefined as string | undefined };
  if (node === undefined) return result;
  if (!reader.isMap(node)) {
    reader.problem(node, "'vigil' must be a mapping with group-by and message");
    return result;
  }
  for (const { key, keyNode, value } of reader.pairs(node)) {
    if (key === 'group-by') result.groupBy = fieldList(reader, value, 'vigil.group-by');
    else if (key === 'message') result.message = reader.string(value, 'vigil.message');
    else reader.problem(keyNode, `unknown key '${key}' in vigil (expected group-by, message)`);
  }
  return result;
}

function readLogsource(reader: YamlReader, node: Node | undefined): Record<string, string> | undefined {
  if (node === undefined || !reader.isMap(node)) {
    reader.problem(node ?? reader.root, 'logsource is required and must be a mapping (category, product, service)');
    return undefined;
  }
  const logsource: Record<string, string> = {};
  for (const { key, value } of reader.pairs(node)) {
    const text = reader.string(value, `logsource.${key}`);
    if (text !== undefined && validFieldPath(key)) logsource[key] = text;
  }
  return logsource;
}

const CORRELATION_KEYS = ['type', 'rules', 'group-by', 'timespan', 'condition', 'generate', 'aliases'];

function readCorrelation(reader: YamlReader, node: Node, topLevelGenerate: Node | undefined): CorrelationSpec | undefined {
  if (!reader.isMap(node)) {
    reader.problem(node, 'correlation must be a mapping (type, rules, group-by, timespan, condition)');
    return undefined;
  }
  const before = reader.problems.length;
  for (const { key, keyNode } of reader.pairs(node)) {
    if (!CORRELATION_KEYS.includes(key)) reader.problem(keyNode, `unknown key '${key}' in correlation (expected ${CORRELATION_KEYS.join(', ')})`);
  }
  const get = (key: string) => reader.get(node, key);
  const type = reader.string(get('type'), 'correlation.type');
  if (type === undefined) reader.problem(node, 'correlation.type is required');
  else if (!(CORRELATION_TYPES as readonly string[]).includes(type)) reader.problem(get('type'), `correlation.type must be one of ${CORRELATION_TYPES.join(', ')}`);
  const rules = reader.strings(get('rules'), 'correlation.rules');
  if (get('rules') === undefined || rules.length === 0) reader.problem(get('rules') ?? node, 'correlation.rules must list at least one rule');
  const seen = new Set<string>();
  for (const [index, rule] of rules.entries()) {
    if (seen.has(rule)) reader.problem(reader.items(get('rules'))[index], `rule '${rule}' is listed twice`);
    seen.add(rule);
  }
  if ((type === 'temporal' || type === 'temporal_ordered') && rules.length < 2) reader.problem(get('rules') ?? node, `correlation type ${type} needs at least two rules`);
  const groupBy = fieldList(reader, get('group-by'), 'correlation.group-by');
  const timespan = reader.string(get('timespan'), 'correlation.timespan');
  const timespanMs = timespan === undefined ? undefined : parseTimespan(timespan);
  if (timespan === undefined) reader.problem(node, 'correlation.timespan is required');
  else if (timespanMs === undefined) reader.problem(get('timespan'), `timespan '${timespan}' must be a number and a unit: s, m, h, d or w (e.g. 5m)`);
  const { condition, field } = readCondition(reader, get('condition'), type as CorrelationType | undefined, node);
  const generateNode = get('generate') ?? topLevelGenerate;
  const generate = generateNode === undefined ? false : reader.value(generateNode);
  if (typeof generate !== 'boolean') reader.problem(generateNode, 'generate must be true or false');
  const aliases = readAliases(reader, get('aliases'));
  if (reader.problems.length !== before || type === undefined || timespan === undefined || timespanMs === undefined) return undefined;
  const ruleLocations = reader.isSeq(get('rules')) ? reader.items(get('rules')).map((item) => reader.locate(item)) : [reader.locate(get('rules'))];
  return { type: type as CorrelationType, rules, ruleLocations, groupBy, timespan, timespanMs, condition, field, generate: generate === true, aliases };
}

function readCondition(
  reader: YamlReader,
  node: Node | undefined,
  type: CorrelationType | undefined,
  parent: Node,
): { condition: ConditionTerm[]; field: string | undefined } {
  const result = { condition: [] as ConditionTerm[], field: undefined as string | undefined };
  if (node === undefined) {
    if (type === 'event_count' || type === 'value_count') reader.problem(parent, `correlation type ${type} needs a condition (e.g. gte: 10)`);
    return result;
  }
  if (type === 'temporal_ordered') {
    reader.problem(node, 'a temporal_ordered correlation takes no condition: every rule must appear, in order');
    return result;
  }
  if (!reader.isMap(node)) {
    reader.problem(node, 'condition must be a mapping like {gte: 10}');
    return result;
  }
  for (const { key, keyNode, value } of reader.pairs(node)) {
    if (key === 'field') {
      const field = reader.string(value, 'condition.field');
      if (field !== undefined && !validFieldPath(field)) reader.problem(value, `'${field}' is not a valid field name`);
      else result.field = field;
      continue;
    }
    if (!(CONDITION_OPERATORS as readonly string[]).includes(key)) {
      reader.problem(keyNode, `unknown condition operator '${key}' (expected ${CONDITION_OPERATORS.join(', ')} or field)`);
      continue;
    }
    const number = reader.value(value);
    if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) {
      reader.problem(value ?? keyNode, `condition ${key} must be a non-negative number`);
      continue;
    }
    result.condition.push({ op: key as ConditionOperator, value: number });
  }
  if (result.condition.length === 0) reader.problem(node, 'condition needs at least one of gt, gte, lt, lte, eq, neq');
  if (type === 'value_count' && result.field === undefined) reader.problem(node, 'a value_count condition needs field: the field whose distinct values are counted');
  if (type !== 'value_count' && result.field !== undefined) reader.problem(reader.keyNode(node, 'field'), 'condition.field only applies to value_count correlations');
  return result;
}

function readAliases(reader: YamlReader, node: Node | undefined): Record<string, Record<string, string>> {
  const aliases: Record<string, Record<string, string>> = {};
  if (node === undefined) return aliases;
  if (!reader.isMap(node)) {
    reader.problem(node, 'aliases must map an alias name to {rule name: field}');
    return aliases;
  }
  for (const { key, keyNode, value } of reader.pairs(node)) {
    if (!validFieldPath(key)) {
      reader.problem(keyNode, `'${key}' is not a valid alias name`);
      continue;
    }
    const mapping: Record<string, string> = {};
    if (!reader.isMap(value)) reader.problem(value ?? keyNode, `alias '${key}' must map rule names to fields`);
    for (const pair of reader.pairs(value)) {
      const field = reader.string(pair.value, `aliases.${key}.${pair.key}`);
      if (field === undefined) continue;
      if (!validFieldPath(field) || !validFieldPath(pair.key)) reader.problem(pair.value, `'${field}' is not a valid field name`);
      else mapping[pair.key] = field;
    }
    aliases[key] = mapping;
  }
  return aliases;
}

function fieldList(reader: YamlReader, node: Node | undefined, what: string): string[] {
  const fields = reader.strings(node, what);
  const items = reader.isSeq(node) ? reader.items(node) : [node];
  return fields.filter((field, index) => {
    if (validFieldPath(field)) return true;
    reader.problem(items[index] ?? node, `'${field}' is not a valid field name`);
    return false;
  });
}
