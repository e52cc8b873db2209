import type { TermNode, WildcardNode } from '../query/ast.ts';
import { fullTextPrefix } from '../query/full-text-prefix.ts';

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
    text = fullTextPrefix(leaf);
    prefix = true;
  }
  if (!TOKEN_CHARACTER.test(text)) return null;
  const phrase = `"${text.replaceAll('"', '""')}"${prefix ? ' *' : ''}`;
  return column ? `{${column}} : ${phrase}` : phrase;
}
