import { queryError } from '../errors.ts';
import type { TermNode, WildcardNode } from '../query/ast.ts';

// unicode61 (the FTS5 tokenizer in use) indexes letters and digits; everything else separates tokens.
const TOKEN_CHARACTER = /[\p{L}\p{N}]/u;

/**
 * The FTS5 query for a free-text (or full-text field) leaf, or null when the text has no
 * letters or digits and so constrains nothing. User text always becomes one FTS5 string
 * (`"..."` with `"` doubled), so FTS5 operators in it (`AND`, `NEAR`, `*`, `:`, `^`) are plain
 * text; a trailing unescaped `*` becomes a prefix search. `column` restricts it to one column.
 */
export function ftsQuery(leaf: TermNode | WildcardNode, column?: string): string | null {
  let text: string;
  let prefix = false;
  if (leaf.kind === 'term') {
    text = leaf.value;
  } else {
    const { parts } = leaf;
    const last = parts[parts.length - 1];
    const body = parts.slice(0, -1);
    if (last?.kind !== 'any' || body.length === 0 || body.some((part) => part.kind !== 'text')) {
      const where = leaf.field === null ? 'free text' : `full-text field '${leaf.field}'`;
      const hint = parts[0]?.kind === 'any' ? 'a wildcard cannot come first' : `only a trailing '*' (prefix search) is supported`;
      throw queryError('VIGIL_ERR_QUERY_UNSUPPORTED', `in ${where} ${hint}; use a keyword field for other patterns, e.g. url.path:*.php`, leaf.column);
    }
    text = body.map((part) => (part.kind === 'text' ? part.text : '')).join('');
    prefix = true;
  }
  if (!TOKEN_CHARACTER.test(text)) return null;
  const phrase = `"${text.replaceAll('"', '""')}"${prefix ? ' *' : ''}`;
  return column ? `{${column}} : ${phrase}` : phrase;
}
