import { queryError } from '../errors.ts';
import type { QueryLeaf, RangeBound, TermNode, WildcardNode } from '../query/ast.ts';
import { parseInstant } from '../query/values.ts';
import type { RowWindow } from './event-keys.ts';
import { EVENT_TEXT_COLUMNS, ftsQuery, ftsTerm } from './fts.ts';
import { escapeLike, fold, foldValue, jsonPath, likePattern, type SqlFragment, type WhereTarget } from './sql-where.ts';

const ALL_ROWS: RowWindow = { low: null, high: null };

/**
 * Events (`events AS e`): free text, the full-text fields and `field:value` terms the field
 * index holds (`event-terms.ts`) go to FTS5, searched only within `window` (the row ids of the
 * search's time range); `@timestamp` terms and ranges use the indexed `ts` column; everything
 * else reads the JSON document.
 */
export function eventTarget(window: RowWindow = ALL_ROWS): WhereTarget {
  return {
    doc: 'e.doc',
    freeText: (leaf) => ftsMatch(ftsQuery(leaf), window),
    field(leaf) {
      const column = EVENT_TEXT_COLUMNS[leaf.field!];
      if (column !== undefined && (leaf.kind === 'term' || leaf.kind === 'wildcard')) return ftsMatch(ftsQuery(leaf, column), window);
      if (leaf.field === '@timestamp') return timestampColumn(leaf);
      if (leaf.kind === 'term') return ftsMatch(ftsTerm(leaf.field!, leaf.value), window) ?? undefined;
      return undefined;
    },
  };
}

/** `e.rid IN (...)` for an FTS5 query within `window`; null when there is no query. */
export function ftsMatch(query: string | null, window: RowWindow): SqlFragment | null {
  if (query === null) return null;
  const bounds = rowBounds('rowid', window);
  return { sql: `e.rid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?${bounds.sql})`, params: [query, ...bounds.params] };
}

/** ` AND <column> >= ? AND <column> < ?` for the bounds of `window` that are set. */
export function rowBounds(column: string, window: RowWindow): SqlFragment {
  let sql = '';
  const params: bigint[] = [];
  if (window.low !== null) {
    sql += ` AND ${column} >= ?`;
    params.push(window.low);
  }
  if (window.high !== null) {
    sql += ` AND ${column} < ?`;
    params.push(window.high);
  }
  return { sql, params };
}

function timestampColumn(leaf: QueryLeaf): SqlFragment | undefined {
  if (leaf.kind === 'term') {
    const ms = parseInstant(leaf.value);
    return ms === null ? undefined : { sql: 'e.ts = ?', params: [ms] };
  }
  if (leaf.kind !== 'range') return undefined;
  const conditions: string[] = [];
  const params: number[] = [];
  const add = (bound: RangeBound | null, strict: string, inclusive: string) => {
    if (!bound) return;
    const ms = parseInstant(bound.value);
    if (ms === null) {
      throw queryError('VIGIL_ERR_QUERY_INVALID_VALUE', `'${bound.value}' is not an ISO-8601 date-time for @timestamp`, leaf.column);
    }
    conditions.push(`e.ts ${bound.inclusive ? inclusive : strict} ?`);
    params.push(ms);
  };
  add(leaf.lower, '>', '>=');
  add(leaf.upper, '<', '<=');
  return { sql: `(${conditions.join(' AND ')})`, params };
}

/** Fields alert free text searches (there is no FTS index on alerts). */
const ALERT_TEXT_FIELDS = ['message', 'rule.name'] as const;

/**
 * Alerts (`alerts AS a`): free text is a case-insensitive substring search over the alert's
 * message and rule name; `message:` alone searches the message the same way.
 */
export const alertTarget: WhereTarget = {
  doc: 'a.doc',
  freeText: (leaf) => containsAny(ALERT_TEXT_FIELDS, leaf),
  field(leaf) {
    if (leaf.field === 'message' && (leaf.kind === 'term' || leaf.kind === 'wildcard')) return containsAny(['message'], leaf);
    return undefined;
  },
};

function containsAny(fields: readonly string[], leaf: TermNode | WildcardNode): SqlFragment {
  const pattern = `%${leaf.kind === 'term' ? escapeLike(leaf.value) : likePattern(leaf.parts)}%`;
  const sql = fields.map(() => `${fold(`coalesce(json_extract(a.doc, ?), '')`, pattern)} LIKE ? ESCAPE '\\'`);
  return { sql: `(${sql.join(' OR ')})`, params: fields.flatMap((field) => [jsonPath(field), foldValue(pattern)]) };
}
