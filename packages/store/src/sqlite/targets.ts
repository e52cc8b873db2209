import { queryError } from '../errors.ts';
import type { QueryLeaf, RangeBound, TermNode, WildcardNode } from '../query/ast.ts';
import { parseInstant } from '../query/values.ts';
import { ftsQuery } from './fts.ts';
import { escapeLike, fold, foldValue, jsonPath, likePattern, type SqlFragment, type WhereTarget } from './sql-where.ts';

/** Full-text fields of events and their column in `events_fts`. */
const EVENT_TEXT_COLUMNS: Readonly<Record<string, string>> = { message: 'message', 'event.original': 'original' };

/**
 * Events (`events AS e`): free text and the full-text fields go to FTS5; `@timestamp` terms
 * and ranges use the indexed `ts` column; everything else reads the JSON document.
 */
export const eventTarget: WhereTarget = {
  doc: 'e.doc',
  freeText: (leaf) => ftsMatch(ftsQuery(leaf)),
  field(leaf) {
    const column = EVENT_TEXT_COLUMNS[leaf.field!];
    if (column !== undefined && (leaf.kind === 'term' || leaf.kind === 'wildcard')) return ftsMatch(ftsQuery(leaf, column));
    if (leaf.field === '@timestamp') return timestampColumn(leaf);
    return undefined;
  },
};

function ftsMatch(query: string | null): SqlFragment | null {
  if (query === null) return null;
  return { sql: 'e.rid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)', params: [query] };
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
