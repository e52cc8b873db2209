/**
 * Sigma string values: `*` matches any run of characters, `?` exactly one, and `\` escapes
 * `*`, `?` and `\` (a backslash before anything else is an ordinary backslash, so Windows
 * paths need no doubling). Patterns compile to plain string operations where they can and to
 * one anchored RegExp otherwise.
 */

/** `*` in a parsed pattern. */
export const ANY = 0;
/** `?` in a parsed pattern. */
export const ONE = 1;
/** A parsed Sigma string: literal runs and wildcards. */
export type PatternToken = string | typeof ANY | typeof ONE;

/** Splits a Sigma string value into literal runs and wildcards, resolving escapes. */
export function parseSigmaString(value: string): PatternToken[] {
  const tokens: PatternToken[] = [];
  let literal = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === '\\') {
      const next = value[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        literal += next;
        i++;
      } else {
        literal += char;
      }
    } else if (char === '*' || char === '?') {
      if (literal !== '') tokens.push(literal);
      literal = '';
      if (char === '?') tokens.push(ONE);
      else if (tokens[tokens.length - 1] !== ANY) tokens.push(ANY);
    } else {
      literal += char;
    }
  }
  if (literal !== '') tokens.push(literal);
  return tokens;
}

/** A literal string as pattern tokens (for values produced by encoding modifiers). */
export function literalTokens(value: string): PatternToken[] {
  return value === '' ? [] : [value];
}

/** True when the pattern has a wildcard. */
export function hasWildcard(tokens: readonly PatternToken[]): boolean {
  return tokens.some((token) => token === ANY || token === ONE);
}

/** Adds the wildcards a position modifier implies (`contains` → `*v*`). */
export function positioned(tokens: readonly PatternToken[], position: 'exact' | 'contains' | 'startswith' | 'endswith'): PatternToken[] {
  const result = [...tokens];
  if ((position === 'contains' || position === 'endswith') && result[0] !== ANY) result.unshift(ANY);
  if ((position === 'contains' || position === 'startswith') && result[result.length - 1] !== ANY) result.push(ANY);
  return result;
}

/** The literal a wildcard-free pattern stands for. */
export function literalOf(tokens: readonly PatternToken[]): string | undefined {
  if (tokens.length === 0) return '';
  if (tokens.length === 1 && typeof tokens[0] === 'string') return tokens[0];
  return undefined;
}

/**
 * Compiles a pattern to a test on one string. With `cased` false the test expects an already
 * lowercased input (the event context lowercases each field once) and lowercases the pattern here.
 */
export function compilePattern(tokens: readonly PatternToken[], cased: boolean): (value: string) => boolean {
  const norm = tokens.map((token) => (typeof token === 'string' && !cased ? token.toLowerCase() : token));
  const exact = literalOf(norm);
  if (exact !== undefined) return (value) => value === exact;
  if (norm.length === 1 && norm[0] === ANY) return () => true;
  const [first, middle, last] = norm;
  if (norm.length === 3 && first === ANY && last === ANY && typeof middle === 'string') return (value) => value.includes(middle);
  if (norm.length === 2 && typeof first === 'string' && middle === ANY) return (value) => value.startsWith(first);
  if (norm.length === 2 && first === ANY && typeof middle === 'string') return (value) => value.endsWith(middle);
  const source = norm.map((token) => (token === ANY ? '.*' : token === ONE ? '.' : escapeRegExp(token))).join('');
  const regex = new RegExp(`^${source}$`, 'su');
  return (value) => regex.test(value);
}

/** Escapes a literal for use inside a RegExp. */
export function escapeRegExp(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
