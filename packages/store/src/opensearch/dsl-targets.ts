import type { TermNode, WildcardNode, WildcardPart } from '../query/ast.ts';
import { ALERT_PROPERTIES, ECS_PROPERTIES, EVENT_PROPERTIES, SEARCH_FIELDS, fieldKinds } from './mappings.ts';
import { MATCH_NONE, anyOf, matchIgnoringCase, type Dsl, type DslTarget } from './query-dsl.ts';
import { words } from './text-analysis.ts';
import { fullTextPrefix } from '../query/full-text-prefix.ts';

// A multi-word prefix (`10.0.*`) expands its last word per shard; this many distinct words keeps it exact in practice.
const MAX_PREFIX_EXPANSIONS = 10_000;

/**
 * Events: free text and `message:`/`event.original:` search the pre-analysed words in
 * `vigil_search` (whole words, case and diacritics folded, phrases in order, a trailing `*`
 * as a prefix), like SQLite's FTS5 index; `@timestamp` compares instants.
 */
export const eventDslTarget: DslTarget = {
  kinds: fieldKinds(ECS_PROPERTIES, EVENT_PROPERTIES),
  instantField: '@timestamp',
  freeText: (leaf) => wordsQuery(leaf, [SEARCH_FIELDS.message, SEARCH_FIELDS['event.original']]),
  field(leaf) {
    const field = leaf.field as keyof typeof SEARCH_FIELDS;
    const searchField = SEARCH_FIELDS[field];
    if (searchField === undefined) return undefined;
    if (leaf.kind === 'term' || leaf.kind === 'wildcard') return wordsQuery(leaf, [searchField]);
    if (leaf.kind === 'exists') return { exists: { field: searchField } };
    return MATCH_NONE;
  },
};

/** Fields alert free text searches. */
const ALERT_TEXT_FIELDS = ['message', 'rule.name'];

/**
 * Alerts: free text is a case-insensitive substring search over the message and rule name
 * (`*brute*` wildcards on keywords); `message:` alone searches the message the same way.
 */
export const alertDslTarget: DslTarget = {
  kinds: fieldKinds(ECS_PROPERTIES, ALERT_PROPERTIES),
  instantField: null,
  freeText: (leaf) => containsAny(ALERT_TEXT_FIELDS, leaf),
  field(leaf) {
    if (leaf.field === 'message' && (leaf.kind === 'term' || leaf.kind === 'wildcard')) return containsAny(['message'], leaf);
    return undefined;
  },
};

/**
 * A free-text leaf over word fields: the words of a term in order (one word is a `term`), or
 * a prefix search for a trailing `*`. Null when the text has no letters or digits.
 */
export function wordsQuery(leaf: TermNode | WildcardNode, fields: string[]): Dsl | null {
  const prefix = leaf.kind === 'wildcard';
  const list = words(prefix ? fullTextPrefix(leaf) : leaf.value);
  if (list.length === 0) return null;
  const last = list[list.length - 1]!;
  const query = (field: string): Dsl => {
    if (list.length === 1) return prefix ? { prefix: { [field]: { value: last } } } : { term: { [field]: { value: last } } };
    const phrase = list.join(' ');
    return prefix ? { match_phrase_prefix: { [field]: { query: phrase, max_expansions: MAX_PREFIX_EXPANSIONS } } } : { match_phrase: { [field]: { query: phrase } } };
  };
  return anyOf(fields.map(query));
}

function containsAny(fields: string[], leaf: TermNode | WildcardNode): Dsl {
  const inner: WildcardPart[] = leaf.kind === 'term' ? [{ kind: 'text', text: leaf.value }] : leaf.parts;
  const parts: WildcardPart[] = [{ kind: 'any' }, ...inner, { kind: 'any' }];
  return anyOf(fields.map((field) => matchIgnoringCase(field, parts)));
}
