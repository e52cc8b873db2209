import type { SQLInputValue } from 'node:sqlite';
import type { CidrNode, QueryLeaf, QueryNode, RangeNode, TermNode, WildcardNode, WildcardPart } from '../query/ast.ts';
import { numericValue } from '../query/values.ts';

/** A piece of SQL and the values bound to its `?` placeholders, in order. */
export interface SqlFragment {
  sql: string;
  params: SQLInputValue[];
}

/**
 * What a table brings to query compilation: where its JSON document is, and how it answers
 * free text and any field it keeps in a column of its own.
 */
export interface WhereTarget {
  /** SQL expression of the JSON document column, e.g. `e.doc`. */
  readonly doc: string;
  /** Free text (`field === null`); null when the text constrains nothing. */
  freeText(leaf: TermNode | WildcardNode): SqlFragment | null;
  /**
   * A field leaf the table answers its own way (full-text field, indexed column): its SQL,
   * null when it constrains nothing, undefined to use the generic JSON match.
   */
  field?(leaf: QueryLeaf): SqlFragment | null | undefined;
}

const TRUE: SqlFragment = { sql: '1', params: [] };

/**
 * Compiles a query tree to a SQL boolean expression. User values only ever travel as bound
 * parameters; the SQL text comes from this file. Every expression is 0 or 1, never NULL, so
 * `NOT` means "does not match".
 */
export function compileWhere(node: QueryNode, target: WhereTarget): SqlFragment {
  return compileNode(node, target) ?? TRUE;
}

/** Null stands for a clause that constrains nothing (free text without letters or digits): it is dropped, negated or not. */
function compileNode(node: QueryNode, target: WhereTarget): SqlFragment | null {
  switch (node.kind) {
    case 'all':
      return TRUE;
    case 'and':
    case 'or': {
      const parts = node.children.map((child) => compileNode(child, target)).filter((part) => part !== null);
      if (parts.length === 0) return null;
      if (parts.length === 1) return parts[0]!;
      return {
        sql: `(${parts.map((part) => part.sql).join(node.kind === 'and' ? ' AND ' : ' OR ')})`,
        params: parts.flatMap((part) => part.params),
      };
    }
    case 'not': {
      const inner = compileNode(node.child, target);
      return inner && { sql: `NOT (${inner.sql})`, params: inner.params };
    }
    default:
      return compileLeaf(node, target);
  }
}

function compileLeaf(leaf: QueryLeaf, target: WhereTarget): SqlFragment | null {
  if (leaf.field === null) return target.freeText(leaf as TermNode | WildcardNode);
  const own = target.field?.(leaf);
  if (own !== undefined) return own;
  return anyElement(target.doc, leaf.field, elementPredicate(leaf));
}

/**
 * True when the field's value, or any element when it is an array (`event.category`,
 * `related.ip`), satisfies `predicate` over `j.value`/`j.type`. json_each yields one row for
 * a scalar and one per element for an array, so both shapes go through the same SQL.
 */
function anyElement(doc: string, field: string, predicate: SqlFragment): SqlFragment {
  return {
    sql: `EXISTS (SELECT 1 FROM json_each(${doc}, ?) AS j WHERE ${predicate.sql})`,
    params: [jsonPath(field), ...predicate.params],
  };
}

function elementPredicate(leaf: QueryLeaf): SqlFragment {
  switch (leaf.kind) {
    case 'exists':
      return { sql: `j.type <> 'null'`, params: [] };
    case 'term':
      return termPredicate(leaf.value);
    case 'wildcard': {
      const pattern = likePattern(leaf.parts);
      return { sql: `${SCALAR} AND ${fold('j.value', pattern)} LIKE ? ESCAPE '\\'`, params: [foldValue(pattern)] };
    }
    case 'range':
      return rangePredicate(leaf);
    case 'cidr':
      return cidrPredicate(leaf);
  }
}

// Object members (text keys) are not values of the field itself.
const SCALAR = `typeof(j.key) <> 'text'`;

function termPredicate(value: string): SqlFragment {
  const folded = foldValue(value);
  const compare = `${fold('j.value', value)} = ?`;
  if (folded === 'true' || folded === 'false') return { sql: `${SCALAR} AND (j.type = ? OR ${compare})`, params: [folded, folded] };
  return { sql: `${SCALAR} AND j.type NOT IN ('object', 'array', 'null', 'true', 'false') AND ${compare}`, params: [folded] };
}

function rangePredicate(leaf: RangeNode): SqlFragment {
  const bounds = [leaf.lower, leaf.upper].filter((bound) => bound !== null);
  const numeric = bounds.every((bound) => numericValue(bound.value) !== null);
  const conditions = [numeric ? `j.type IN ('integer', 'real')` : `j.type = 'text'`];
  const params: SQLInputValue[] = [];
  const value = (text: string) => (numeric ? numericValue(text)! : text);
  if (leaf.lower) {
    conditions.push(`j.value ${leaf.lower.inclusive ? '>=' : '>'} ?`);
    params.push(value(leaf.lower.value));
  }
  if (leaf.upper) {
    conditions.push(`j.value ${leaf.upper.inclusive ? '<=' : '<'} ?`);
    params.push(value(leaf.upper.value));
  }
  return { sql: conditions.join(' AND '), params };
}

function cidrPredicate(leaf: CidrNode): SqlFragment {
  return { sql: `j.type = 'text' AND vigil_ip_in(j.value, ?)`, params: [`${leaf.address}/${leaf.prefixLength}`] };
}

/** `source.ip` → `$."source"."ip"`: every segment quoted, so `@timestamp` and `-` need nothing special. */
export function jsonPath(field: string): string {
  return `$${field
    .split('.')
    .map((segment) => `."${segment}"`)
    .join('')}`;
}

const NON_ASCII = /[^ -~\t\n\r]/;

/**
 * SQL that lower-cases `expression` the way JavaScript does. SQLite's own lower() folds ASCII
 * only but runs without a call into JavaScript, so it is used whenever the user's value is
 * ASCII (an ASCII value can only equal a stored value whose letters are ASCII too).
 */
export function fold(expression: string, userValue: string): string {
  return !NON_ASCII.test(userValue) ? `lower(${expression})` : `vigil_lower(${expression})`;
}

/** The user's value folded to match `fold()`. */
export function foldValue(value: string): string {
  return value.toLowerCase();
}

/** A LIKE pattern (escape `\`) for wildcard parts: `*` → `%`, `?` → `_`, literals escaped. */
export function likePattern(parts: WildcardPart[]): string {
  return parts.map((part) => (part.kind === 'any' ? '%' : part.kind === 'one' ? '_' : escapeLike(part.text))).join('');
}

/** Escapes LIKE's own wildcards so user text matches literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
