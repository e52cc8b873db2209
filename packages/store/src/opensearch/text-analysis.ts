/**
 * Free-text analysis done by Vigil rather than by OpenSearch. The words of `message` and
 * `event.original` are cut, lower-cased and stripped of diacritics here, the way SQLite's
 * FTS5 `unicode61 remove_diacritics 2` tokenizer does, and indexed as space-separated words
 * in a `text` field with OpenSearch's built-in `whitespace` analyzer. Query text goes
 * through the same function, so both sides always agree. Doing it in Vigil means free text
 * behaves the same on every OpenSearch distribution: the minimal one has no `asciifolding`
 * filter and no `pattern` tokenizer (those live in the analysis-common module).
 */

// unicode61 indexes letters, digits and private-use characters; everything else separates words.
const SEPARATORS = /[^\p{L}\p{N}\p{Co}]+/u;
const COMBINING_MARKS = /\p{M}/gu;
// Longer words are cut into pieces so the whitespace tokenizer (255 characters at most) never cuts them differently.
const MAX_WORD_LENGTH = 200;

/** The words of `text` as the index holds them: lower case, diacritics removed (`Jürgen` → `jurgen`). */
export function words(text: string): string[] {
  const folded = text.normalize('NFD').replace(COMBINING_MARKS, '').toLowerCase();
  const out: string[] = [];
  for (const word of folded.split(SEPARATORS)) {
    if (word.length === 0) continue;
    if (word.length <= MAX_WORD_LENGTH) {
      out.push(word);
      continue;
    }
    const chars = [...word];
    for (let i = 0; i < chars.length; i += MAX_WORD_LENGTH) out.push(chars.slice(i, i + MAX_WORD_LENGTH).join(''));
  }
  return out;
}

/** The value written to a free-text search field: the words joined by single spaces. */
export function searchText(text: unknown): string {
  return typeof text === 'string' ? words(text).join(' ') : '';
}
