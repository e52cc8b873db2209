import { queryError } from '../errors.ts';
import type { QueryLeaf, QueryNode, RangeBound, RangeNode, TermNode, WildcardNode, WildcardPart } from '../query/ast.ts';
import { numericValue, parseInstant } from '../query/values.ts';
import type { FieldKind } from './mappings.ts';

/** A piece of OpenSearch query DSL. */
export type Dsl = Record<string, unknown>;

export const MATCH_ALL: Dsl = Object.freeze({ match_all: Object.freeze({}) });
export const MATCH_NONE: Dsl = Object.freeze({ match_none: Object.freeze({}) });

/**
 * What an index brings to query compilation: its field types, which field holds instants,
 * and how it answers free text and any field it treats its own way.
 */
export interface DslTarget {
  /** Mapped fields by dotted path. Unmapped paths are keywords (the dynamic mapping). */
  readonly kinds: ReadonlyMap<string, FieldKind>;
  /** The field whose range bounds are instants (`@timestamp` for events), if any. */
  readonly instantField: string | null;
  /** Free text (`field === null`); null when the text constrains nothing. */
  freeText(leaf: TermNode | WildcardNode): Dsl | null;
  /** A field leaf the target answers its own way: DSL, null for nothing, undefined for the generic rules. */
  field?(leaf: QueryLeaf): Dsl | null | undefined;
}

/**
 * Compiles a query tree to OpenSearch DSL, by the same rules as the SQLite store (see
 * `docs/query-language.md`). User text only ever becomes a value inside `term`, `wildcard`,
 * `range`, `prefix` or `match_phrase`: never `query_string`, so no operator in it runs.
 */
export function compileQuery(node: QueryNode, target: DslTarget): Dsl {
  return compileNode(node, target) ?? MATCH_ALL;
}

/** Null stands for a clause that constrains nothing (free text without letters or digits): it is dropped, negated or not. */
function compileNode(node: QueryNode, target: DslTarget): Dsl | null {
  switch (node.kind) {
    case 'all':
      return MATCH_ALL;
    case 'and':
    case 'or': {
      const parts = node.children.map((child) => compileNode(child, target)).filter((part) => part !== null);
      if (parts.length === 0) return null;
      if (parts.length === 1) return parts[0]!;
      return node.kind === 'and' ? { bool: { filter: parts } } : { bool: { should: parts, minimum_should_match: 1 } };
    }
    case 'not': {
      const inner = compileNode(node.child, target);
      return inner && { bool: { must_not: [inner] } };
    }
    default:
      return compileLeaf(node, target);
  }
}

function compileLeaf(leaf: QueryLeaf, target: DslTarget): Dsl | null {
  if (leaf.field === null) return target.freeText(leaf as TermNode | WildcardNode);
  const own = target.field?.(leaf);
  if (own !== undefined) return own;
  const field = leaf.field;
  if (field === target.instantField) {
    const instant = instantLeaf(leaf, field);
    if (instant) return instant;
  }
  // Unmapped paths are keywords: below a `flat_object` (`labels.env`) or dynamically mapped ones. An object
  // path (`user`) has no value of its own, so value queries on it match nothing, as on a missing field.
  const kind = target.kinds.get(field) ?? 'keyword';
  if (leaf.kind === 'exists') {
    // `exists` misses flat_object keys that contain dots (`labels.k8s.namespace`); any value matches `*`.
    return kind === 'keyword' && underFlatObject(field, target.kinds) ? { wildcard: { [field]: { value: '*' } } } : { exists: { field } };
  }
  // A record as a whole, or a full-text field outside the target's own handling, has no single value to compare.
  if (kind === 'flat_object' || kind === 'text') return MATCH_NONE;
  const valueField = kind === 'keyword' ? field : `${field}.keyword`;
  switch (leaf.kind) {
    case 'term':
      return matchIgnoringCase(valueField, [{ kind: 'text', text: leaf.value }]);
    case 'wildcard':
      return matchIgnoringCase(valueField, leaf.parts);
    case 'cidr':
      return kind === 'ip' ? { term: { [field]: `${leaf.address}/${leaf.prefixLength}` } } : MATCH_NONE;
    case 'range':
      return rangeQuery(leaf, kind, valueField);
  }
}

function underFlatObject(field: string, kinds: ReadonlyMap<string, FieldKind>): boolean {
  for (let dot = field.indexOf('.'); dot !== -1; dot = field.indexOf('.', dot + 1)) {
    if (kinds.get(field.slice(0, dot)) === 'flat_object') return true;
  }
  return false;
}

/** `@timestamp:…` and `@timestamp` ranges compare instants, to the millisecond; null lets a term that is not a date compare as text. */
function instantLeaf(leaf: QueryLeaf, field: string): Dsl | null {
  if (leaf.kind === 'term') {
    const ms = parseInstant(leaf.value);
    return ms === null ? null : { range: { [field]: { gte: ms, lte: ms, format: 'epoch_millis' } } };
  }
  if (leaf.kind !== 'range') return null;
  const bounds: Record<string, unknown> = { format: 'epoch_millis' };
  const add = (bound: RangeBound | null, strict: string, inclusive: string) => {
    if (!bound) return;
    const ms = parseInstant(bound.value);
    if (ms === null) {
      throw queryError('VIGIL_ERR_QUERY_INVALID_VALUE', `'${bound.value}' is not an ISO-8601 date-time for ${field}`, leaf.column);
    }
    bounds[bound.inclusive ? inclusive : strict] = ms;
  };
  add(leaf.lower, 'gt', 'gte');
  add(leaf.upper, 'lt', 'lte');
  return { range: { [field]: bounds } };
}

/**
 * Numeric bounds compare numbers and match only numeric fields; other bounds compare text
 * (UTF-8 byte order, which is SQLite's BINARY order) and match only values stored as text.
 */
function rangeQuery(leaf: RangeNode, kind: FieldKind, valueField: string): Dsl {
  const bounds = [leaf.lower, leaf.upper].filter((bound) => bound !== null);
  const numeric = bounds.every((bound) => numericValue(bound.value) !== null);
  const isNumberField = kind === 'long' || kind === 'double';
  if (numeric !== isNumberField) return MATCH_NONE;
  const value = (text: string): number | string => (numeric ? clampForField(numericValue(text)!, kind) : text);
  const range: Record<string, unknown> = {};
  if (leaf.lower) range[leaf.lower.inclusive ? 'gte' : 'gt'] = value(leaf.lower.value);
  if (leaf.upper) range[leaf.upper.inclusive ? 'lte' : 'lt'] = value(leaf.upper.value);
  return { range: { [numeric ? leaf.field : valueField]: range } };
}

// OpenSearch refuses a `long` bound outside 64 bits; values in Vigil's long fields never come near 2^53.
function clampForField(value: number, kind: FieldKind): number {
  if (kind !== 'long') return value;
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, value));
}

// OpenSearch's `case_insensitive` folds ASCII letters only; the longest regexp it accepts by default (`index.max_regex_length`).
const NON_ASCII = /[^ -~\t\n\r]/;
const MAX_REGEX_LENGTH = 1000;

/**
 * A keyword value (or wildcard pattern) matched ignoring case, for every Unicode letter as
 * in SQLite (`JÜRGEN` finds `Jürgen`). ASCII-only values use `term`/`wildcard` with
 * `case_insensitive`; values with other letters become a `regexp` in which each such letter
 * is a class of its cases (`j[üÜ]rgen`), since `case_insensitive` leaves them alone.
 */
export function matchIgnoringCase(field: string, parts: WildcardPart[]): Dsl {
  const literal = parts.every((part) => part.kind === 'text');
  const text = parts.map((part) => (part.kind === 'text' ? part.text : '')).join('');
  if (NON_ASCII.test(text)) {
    const regex = parts.map((part) => (part.kind === 'any' ? '.*' : part.kind === 'one' ? '.' : regexIgnoringCase(part.text))).join('');
    if (regex.length <= MAX_REGEX_LENGTH) return { regexp: { [field]: { value: regex, flags: 'NONE', case_insensitive: true } } };
  }
  return literal
    ? { term: { [field]: { value: text, case_insensitive: true } } }
    : { wildcard: { [field]: { value: wildcardPattern(parts), case_insensitive: true } } };
}

/** Literal text as a Lucene regexp: ASCII punctuation escaped, non-ASCII letters as classes of their cases. */
function regexIgnoringCase(text: string): string {
  let out = '';
  for (const char of text) {
    if (/[A-Za-z0-9]/.test(char)) {
      out += char;
    } else if (!NON_ASCII.test(char)) {
      out += `\\${char}`;
    } else {
      const cases = [...new Set([char, char.toLowerCase(), char.toUpperCase()])].filter((variant) => [...variant].length === 1);
      out += cases.length > 1 ? `[${cases.join('')}]` : char;
    }
  }
  return out;
}

/** A Lucene wildcard pattern (`*`, `?`, `\` escapes) for wildcard parts; literal text is escaped. */
export function wildcardPattern(parts: WildcardPart[]): string {
  return parts.map((part) => (part.kind === 'any' ? '*' : part.kind === 'one' ? '?' : escapeWildcard(part.text))).join('');
}

/** Escapes the wildcard query's own special characters so user text matches literally. */
export function escapeWildcard(text: string): string {
  return text.replace(/[\\*?]/g, (c) => `\\${c}`);
}

/** `bool.should` over several queries (any of them), or the one query itself. */
export function anyOf(queries: Dsl[]): Dsl {
  return queries.length === 1 ? queries[0]! : { bool: { should: queries, minimum_should_match: 1 } };
}
