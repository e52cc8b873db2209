import { isUnsafeKey } from '@vigil/schema';
import { isScalar, Scalar, type Node } from 'yaml';
import { ConditionError, compileCondition, parseCondition } from './condition.ts';
import type { FieldTable } from './event-context.ts';
import { compileItem } from './field-matcher.ts';
import { parseModifiers, type ModifierSet } from './modifiers.ts';
import type { RuleMapping } from './pipeline/pipeline.ts';
import { withRequirementsOfAll, withRequirementsOfAny } from './requirement.ts';
import type { Matcher } from './types.ts';
import type { YamlReader } from './yaml-reader.ts';

/**
 * Compiles a rule's `detection:` section once: each search identifier becomes a closure (a
 * map is an AND of its fields, a list of maps an OR of maps, a list of plain values a keyword
 * search) and the condition is compiled over them. Field names go through the rule's pipeline
 * mapping, and `expand` placeholders take the pipelines' values.
 */
export function compileDetection(reader: YamlReader, node: Node | undefined, table: FieldTable, mapping: RuleMapping): Matcher | undefined {
  if (!reader.isMap(node)) {
    reader.problem(node ?? reader.root, 'detection must be a mapping of search identifiers and a condition');
    return undefined;
  }
  const searches = new Map<string, Matcher>();
  let conditionNode: Node | undefined;
  let ok = true;
  for (const { key, keyNode, value } of reader.pairs(node)) {
    if (key === 'condition') {
      conditionNode = value;
    } else if (key === 'timeframe') {
      reader.problem(keyNode, "'timeframe' is not supported; write a Sigma correlation rule with a timespan");
      ok = false;
    } else {
      const search = compileSearch(reader, key, keyNode, value, table, mapping);
      // A broken search still gets a name, so the condition is checked (and reported) too.
      searches.set(key, search ?? (() => false));
      if (!search) ok = false;
    }
  }
  if (conditionNode === undefined) {
    reader.problem(node, 'detection needs a condition');
    return undefined;
  }
  const conditions = reader.isSeq(conditionNode) ? reader.items(conditionNode) : [conditionNode];
  const compiled: Matcher[] = [];
  for (const item of conditions) {
    const text = reader.string(item, 'condition');
    if (text === undefined) continue;
    try {
      compiled.push(compileCondition(parseCondition(text), searches));
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      reader.problem(item, `bad condition: ${error.message}`, error.offset + quoteWidth(item));
      ok = false;
    }
  }
  if (!ok || compiled.length !== conditions.length) return undefined;
  if (compiled.length === 1) return compiled[0];
  return withRequirementsOfAny((ctx) => compiled.some((matcher) => matcher(ctx)), compiled);
}

function quoteWidth(node: Node | undefined): number {
  return isScalar(node) && (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) ? 1 : 0;
}

/** Compiles one search: a mapping (all fields), a list of mappings (any) or keywords. */
export function compileSearch(reader: YamlReader, name: string, keyNode: Node, node: Node | undefined, table: FieldTable, mapping: RuleMapping): Matcher | undefined {
  if (node === undefined || (isScalar(node) && node.value === null)) {
    reader.problem(keyNode, `search identifier '${name}' is empty`);
    return undefined;
  }
  if (reader.isMap(node)) return compileFieldMap(reader, node, table, mapping);
  if (reader.isSeq(node)) {
    const items = reader.items(node);
    if (items.length > 0 && items.every((item) => reader.isMap(item))) {
      const maps = items.map((item) => compileFieldMap(reader, item, table, mapping));
      if (maps.some((matcher) => matcher === undefined)) return undefined;
      const matchers = maps as Matcher[];
      return withRequirementsOfAny((ctx) => {
        for (const matcher of matchers) if (matcher(ctx)) return true;
        return false;
      }, matchers);
    }
    if (items.some((item) => !isScalar(item))) {
      reader.problem(node, `search identifier '${name}' must be a mapping, a list of mappings or a list of keywords`);
      return undefined;
    }
    return compileKeywords(reader, node, items.map((item) => reader.value(item)), table);
  }
  return compileKeywords(reader, node, [reader.value(node)], table);
}

function compileKeywords(reader: YamlReader, node: Node, values: unknown[], table: FieldTable): Matcher | undefined {
  const modifiers = parseModifiers([]);
  if (typeof modifiers === 'string') return undefined;
  const matcher = compileItem(undefined, modifiers, values, table);
  if (typeof matcher === 'string') {
    reader.problem(node, matcher);
    return undefined;
  }
  return matcher;
}

function compileFieldMap(reader: YamlReader, node: Node | undefined, table: FieldTable, mapping: RuleMapping): Matcher | undefined {
  const matchers: Matcher[] = [];
  let ok = true;
  for (const { key, keyNode, value } of reader.pairs(node)) {
    const [field = '', ...modifierNames] = key.split('|');
    if (field !== '' && !validFieldPath(field)) {
      reader.problem(keyNode, `'${field}' is not a valid field name`);
      ok = false;
      continue;
    }
    const modifiers = parseModifiers(modifierNames);
    if (typeof modifiers === 'string') {
      reader.problem(keyNode, `${modifiers} in '${key}'`);
      ok = false;
      continue;
    }
    const written = itemValues(reader, value);
    if (written === undefined) {
      reader.problem(value ?? keyNode, `'${key}' must have a value or a list of values`);
      ok = false;
      continue;
    }
    if (modifiers.all && written.length < 2 && field !== '') {
      reader.problem(keyNode, `modifier 'all' needs a list of at least two values in '${key}'`);
      ok = false;
      continue;
    }
    const values = modifiers.expand ? expandPlaceholders(written, mapping.vars) : modifiers.fieldref ? written.map((name) => (typeof name === 'string' ? mapping.fieldNames(name)[0]! : name)) : written;
    const matcher = typeof values === 'string' ? values : compileMappedItem(field === '' ? undefined : mapping.fieldNames(field), modifiers, values, table);
    if (typeof matcher === 'string') {
      reader.problem(value ?? keyNode, `${matcher} in '${key}'`);
      ok = false;
      continue;
    }
    matchers.push(matcher);
  }
  if (!ok) return undefined;
  if (matchers.length === 0) {
    reader.problem(node, 'a search mapping needs at least one field');
    return undefined;
  }
  if (matchers.length === 1) return matchers[0];
  return withRequirementsOfAll((ctx) => {
    for (const matcher of matchers) if (!matcher(ctx)) return false;
    return true;
  }, matchers);
}

/** An item whose field the pipelines map to several event fields matches when any of them does. */
function compileMappedItem(fields: readonly string[] | undefined, modifiers: ModifierSet, values: readonly unknown[], table: FieldTable): Matcher | string {
  if (fields === undefined || fields.length === 1) return compileItem(fields?.[0], modifiers, values, table);
  const matchers: Matcher[] = [];
  for (const name of fields) {
    const matcher = compileItem(name, modifiers, values, table);
    if (typeof matcher === 'string') return matcher;
    matchers.push(matcher);
  }
  // `field: null` (absent) and `neq` hold only when they hold for every field it stands for.
  const every = values.includes(null) || modifiers.neq;
  return every ? (ctx) => matchers.every((matcher) => matcher(ctx)) : (ctx) => matchers.some((matcher) => matcher(ctx));
}

const PLACEHOLDER = /%([A-Za-z0-9_.-]+)%/;

/** `expand`: every `%name%` in a value becomes each of the var's values (alternatives), or the reason it cannot. */
function expandPlaceholders(values: readonly unknown[], vars: ReadonlyMap<string, readonly string[]>): unknown[] | string {
  const expanded: unknown[] = [];
  const pending = [...values];
  while (pending.length > 0) {
    const value = pending.shift();
    const match = typeof value === 'string' ? PLACEHOLDER.exec(value) : null;
    if (!match) {
      expanded.push(value);
      continue;
    }
    const replacements = vars.get(match[1]!);
    if (!replacements) return `placeholder '%${match[1]}%' has no value: define it under vars in a pipeline`;
    const text = value as string;
    for (const replacement of replacements) pending.push(text.slice(0, match.index) + replacement + text.slice(match.index + match[0].length));
    if (expanded.length + pending.length > MAX_EXPANDED_VALUES) return `placeholders expand to more than ${MAX_EXPANDED_VALUES} values`;
  }
  return expanded;
}

const MAX_EXPANDED_VALUES = 10_000;

function itemValues(reader: YamlReader, node: Node | undefined): unknown[] | undefined {
  if (node === undefined) return [null];
  if (isScalar(node)) return [node.value];
  if (!reader.isSeq(node)) return undefined;
  const items = reader.items(node);
  if (items.some((item) => !isScalar(item))) return undefined;
  return items.map((item) => (item as Scalar).value);
}

/** A dotted field path whose parts are plain names (never `__proto__` and friends). */
export function validFieldPath(path: string): boolean {
  return path.split('.').every((part) => part !== '' && !isUnsafeKey(part));
}
