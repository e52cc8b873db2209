import type { QueryNode, TermNode, WildcardNode } from '../query/ast.ts';
import { fullTextPrefix } from '../query/full-text-prefix.ts';
import { ALL_TOKEN, termToken } from './event-terms.ts';

// unicode61 (the FTS5 tokenizer in use) indexes letters and digits; everything else separates tokens.
const TOKEN_CHARACTER = /[\p{L}\p{N}]/u;
/** Columns free text searches: the message and the raw line (not the field tokens in `terms`). */
const FREE_TEXT_COLUMNS = 'message original';
/** Full-text fields and their column in `events_fts`. */
export const EVENT_TEXT_COLUMNS: Readonly<Record<string, string>> = { message: 'message', 'event.original': 'original' };
/** Deepest AND/OR/NOT nesting sent to FTS5 as one expression (its parser's stack overflows near 32 NOTs). */
const MAX_FTS_DEPTH = 16;

/**
 * The FTS5 query for a free-text (or full-text field) leaf, or null when the text has no
 * letters or digits and so constrains nothing. User text always becomes one FTS5 string
 * (`"..."` with `"` doubled), so FTS5 operators in it (`AND`, `NEAR`, `*`, `:`, `^`) are plain
 * text; a trailing unescaped `*` becomes a prefix search. `column` restricts it to one column;
 * without it, the free-text columns.
 */
export function ftsQuery(leaf: TermNode | WildcardNode, column?: string): string | null {
  let text: string;
  let prefix = false;
  if (leaf.kind === 'term') {
    text = leaf.value;
  } else {
    text = fullTextPrefix(leaf);
    prefix = true;
  }
  if (!TOKEN_CHARACTER.test(text)) return null;
  const phrase = `"${text.replaceAll('"', '""')}"${prefix ? ' *' : ''}`;
  return `{${column ?? FREE_TEXT_COLUMNS}} : ${phrase}`;
}

/** The FTS5 query for the token of `field:value`, or null when the field index cannot answer it exactly. */
export function ftsTerm(field: string, value: string): string | null {
  const token = termToken(field, value);
  return token === null ? null : `{terms} : ${token}`;
}

const EVERY_EVENT = `{terms} : ${ALL_TOKEN}`;

/**
 * The whole query as one FTS5 expression over `events_fts`, when every leaf is one FTS5 can
 * answer exactly: free text, the full-text fields, and `field:value` terms the field index
 * holds. Null when the query constrains nothing (as `compileWhere` drops such clauses);
 * undefined when some part needs the SQL (wildcards, ranges, networks, `field:*`, values the
 * field index does not hold, `@timestamp`).
 */
export function ftsExpression(node: QueryNode, depth = 0): string | null | undefined {
  if (depth > MAX_FTS_DEPTH) return undefined;
  switch (node.kind) {
    case 'all':
      return EVERY_EVENT;
    case 'not': {
      const inner = ftsExpression(node.child, depth + 1);
      return inner === null || inner === undefined ? inner : `(${EVERY_EVENT}) NOT (${inner})`;
    }
    case 'and':
    case 'or': {
      const parts: string[] = [];
      const negated: string[] = [];
      for (const child of node.children) {
        // In a conjunction `a AND NOT b` is FTS5's `a NOT b`, which reads no `all` postings.
        const negative = node.kind === 'and' && child.kind === 'not';
        const part = ftsExpression(negative ? child.child : child, depth + 1);
        if (part === undefined) return undefined;
        if (part !== null) (negative ? negated : parts).push(`(${part})`);
      }
      if (parts.length === 0 && negated.length === 0) return null;
      const positive = parts.length === 0 ? `(${EVERY_EVENT})` : parts.join(node.kind === 'and' ? ' AND ' : ' OR ');
      return negated.length === 0 ? positive : `(${positive}) NOT ${negated.join(' NOT ')}`;
    }
    case 'term':
    case 'wildcard':
      if (node.field === null) return ftsQuery(node);
      if (EVENT_TEXT_COLUMNS[node.field] !== undefined) return ftsQuery(node, EVENT_TEXT_COLUMNS[node.field]);
      return node.kind === 'term' ? (ftsTerm(node.field, node.value) ?? undefined) : undefined;
    default:
      return undefined;
  }
}
