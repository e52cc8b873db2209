import type { Node } from 'yaml';
import { compileSearch, validFieldPath } from '../detection.ts';
import type { FieldTable } from '../event-context.ts';
import type { YamlReader } from '../yaml-reader.ts';
import { Pipelines, type LogsourceCondition, type Pipeline, type Transformation } from './pipeline.ts';

const PIPELINE_KEYS = ['name', 'priority', 'vars', 'transformations', 'allowed_backends'];
const TRANSFORMATION_KEYS = ['id', 'type', 'mapping', 'conditions', 'rule_conditions', 'rule_cond_op'];
const TRANSFORMATION_TYPES = ['field_name_mapping', 'field_name_prefix_mapping', 'add_condition'];
const LOGSOURCE_KEYS = ['type', 'category', 'product', 'service'];

/** Turns one YAML document into a pipeline, recording every problem with its position. */
export function parsePipelineDocument(reader: YamlReader, table: FieldTable): Pipeline | undefined {
  const root = reader.root;
  if (!reader.isMap(root)) {
    reader.problem(root, 'a pipeline document must be a mapping (name, priority, vars, transformations)');
    return undefined;
  }
  const before = reader.problems.length;
  for (const { key, keyNode } of reader.pairs(root)) {
    if (!PIPELINE_KEYS.includes(key)) reader.problem(keyNode, `unknown key '${key}' in a pipeline (expected name, priority, vars, transformations)`);
  }
  const name = reader.string(reader.get(root, 'name'), 'name', true);
  reader.rule = name;
  const priorityNode = reader.get(root, 'priority');
  const priority = priorityNode === undefined ? 0 : reader.value(priorityNode);
  if (typeof priority !== 'number' || !Number.isInteger(priority)) reader.problem(priorityNode, 'priority must be an integer');
  const vars = readVars(reader, reader.get(root, 'vars'));
  const transformationsNode = reader.get(root, 'transformations');
  if (transformationsNode !== undefined && !reader.isSeq(transformationsNode)) reader.problem(transformationsNode, 'transformations must be a list');
  const transformations = reader.items(transformationsNode).flatMap((node, index) => readTransformation(reader, node, `${name ?? 'pipeline'}#${index + 1}`, table) ?? []);
  if (reader.problems.length !== before || name === undefined) return undefined;
  return { name, priority: priority as number, vars, transformations, location: reader.locate(root) };
}

function readVars(reader: YamlReader, node: Node | undefined): Map<string, readonly string[]> {
  const vars = new Map<string, readonly string[]>();
  if (node === undefined) return vars;
  if (!reader.isMap(node)) {
    reader.problem(node, 'vars must map placeholder names to a value or a list of values');
    return vars;
  }
  for (const { key, value } of reader.pairs(node)) {
    const values = reader.isSeq(value) ? reader.items(value).map((item) => reader.value(item)) : [reader.value(value)];
    if (values.length === 0 || values.some((entry) => typeof entry !== 'string' && typeof entry !== 'number')) {
      reader.problem(value, `vars.${key} must be a string or number, or a list of them`);
      continue;
    }
    vars.set(key, values.map(String));
  }
  return vars;
}

function readTransformation(reader: YamlReader, node: Node | undefined, fallbackId: string, table: FieldTable): Transformation | undefined {
  if (!reader.isMap(node)) {
    reader.problem(node, 'a transformation must be a mapping (id, type, and mapping or conditions)');
    return undefined;
  }
  const before = reader.problems.length;
  for (const { key, keyNode } of reader.pairs(node)) {
    if (!TRANSFORMATION_KEYS.includes(key)) reader.problem(keyNode, `unknown key '${key}' in a transformation (expected ${TRANSFORMATION_KEYS.join(', ')})`);
  }
  const get = (key: string) => reader.get(node, key);
  const id = reader.string(get('id'), 'transformation id') ?? fallbackId;
  const type = reader.string(get('type'), 'transformation type');
  if (type === undefined) reader.problem(node, 'a transformation needs a type');
  else if (!TRANSFORMATION_TYPES.includes(type)) reader.problem(get('type'), `transformation type '${type}' is not supported (Vigil supports ${TRANSFORMATION_TYPES.join(', ')})`);
  const opNode = get('rule_cond_op');
  const op = opNode === undefined ? 'and' : reader.string(opNode, 'rule_cond_op');
  if (op !== undefined && op !== 'and' && op !== 'or') reader.problem(opNode, "rule_cond_op must be 'and' or 'or'");
  const base = { id, ruleConditions: readRuleConditions(reader, get('rule_conditions')), ruleConditionOp: op === 'or' ? ('or' as const) : ('and' as const), location: reader.locate(node) };
  let transformation: Transformation | undefined;
  if (type === 'field_name_mapping') {
    transformation = { ...base, kind: type, mapping: readFieldMapping(reader, get('mapping') ?? node, false) };
  } else if (type === 'field_name_prefix_mapping') {
    const mapping = new Map([...readFieldMapping(reader, get('mapping') ?? node, true)].map(([from, to]) => [from, to[0]!]));
    transformation = { ...base, kind: type, mapping };
  } else if (type === 'add_condition') {
    const conditionsNode = get('conditions');
    if (conditionsNode === undefined) reader.problem(node, 'add_condition needs conditions (a mapping of fields to values, or a list of such mappings: any)');
    // The conditions are written in the event's own (ECS) field names: no mapping applies to them.
    const condition = conditionsNode === undefined ? undefined : compileSearch(reader, 'conditions', conditionsNode, conditionsNode, table, Pipelines.NONE.mappingFor({}));
    if (condition) transformation = { ...base, kind: type, condition };
  }
  return reader.problems.length === before ? transformation : undefined;
}

function readFieldMapping(reader: YamlReader, node: Node | undefined, prefixes: boolean): Map<string, readonly string[]> {
  const mapping = new Map<string, readonly string[]>();
  if (!reader.isMap(node) || reader.pairs(node).length === 0) {
    reader.problem(node, 'mapping must map field names to field names');
    return mapping;
  }
  // A prefix may end with the dot that joins it to the rest of the name (`win.` → `winlog.event_data.`).
  const valid = (name: string) => validFieldPath(prefixes && name.endsWith('.') ? name.slice(0, -1) : name);
  for (const { key, keyNode, value } of reader.pairs(node)) {
    if (!valid(key)) {
      reader.problem(keyNode, `'${key}' is not a valid field name`);
      continue;
    }
    const before = reader.problems.length;
    const targets = prefixes ? [reader.string(value, `mapping.${key}`)] : reader.strings(value, `mapping.${key}`);
    if (reader.problems.length !== before) continue;
    const names = targets.filter((target): target is string => target !== undefined && valid(target));
    if (names.length === 0 || names.length !== targets.length) reader.problem(value ?? keyNode, `mapping.${key} must name ${prefixes ? 'a field name prefix' : 'one field or a list of fields'}`);
    else mapping.set(key, names);
  }
  return mapping;
}

function readRuleConditions(reader: YamlReader, node: Node | undefined): LogsourceCondition[] {
  if (node === undefined) return [];
  if (!reader.isSeq(node)) {
    reader.problem(node, 'rule_conditions must be a list of {type: logsource, category, product, service}');
    return [];
  }
  const conditions: LogsourceCondition[] = [];
  for (const item of reader.items(node)) {
    if (!reader.isMap(item)) {
      reader.problem(item, 'a rule condition must be a mapping like {type: logsource, product: linux}');
      continue;
    }
    const condition: Record<string, string> = {};
    for (const { key, keyNode, value } of reader.pairs(item)) {
      if (!LOGSOURCE_KEYS.includes(key)) reader.problem(keyNode, `unknown key '${key}' in a logsource rule condition`);
      const text = reader.string(value, `rule_conditions.${key}`);
      if (text !== undefined) condition[key] = text;
    }
    if (condition.type !== 'logsource') reader.problem(item, "only 'type: logsource' rule conditions are supported");
    const { category, product, service } = condition;
    conditions.push({ ...(category ? { category } : {}), ...(product ? { product } : {}), ...(service ? { service } : {}) });
  }
  return conditions;
}
