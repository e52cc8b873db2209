import { queryError } from '../errors.ts';
import type { WildcardNode } from './ast.ts';

/**
 * The text before a full-text wildcard's trailing `*`. Full-text search supports prefix
 * search only; any other wildcard is refused the same way by both stores.
 */
export function fullTextPrefix(leaf: WildcardNode): string {
  const { parts } = leaf;
  const last = parts[parts.length - 1];
  const body = parts.slice(0, -1);
  if (last?.kind !== 'any' || body.length === 0 || body.some((part) => part.kind !== 'text')) {
    const where = leaf.field === null ? 'free text' : `full-text field '${leaf.field}'`;
    const hint = parts[0]?.kind === 'any' ? 'a wildcard cannot come first' : `only a trailing '*' (prefix search) is supported`;
    throw queryError('VIGIL_ERR_QUERY_UNSUPPORTED', `in ${where} ${hint}; use a keyword field for other patterns, e.g. url.path:*.php`, leaf.column);
  }
  return body.map((part) => (part.kind === 'text' ? part.text : '')).join('');
}
