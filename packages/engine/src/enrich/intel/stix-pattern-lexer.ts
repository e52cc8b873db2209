/**
 * The lexer of the STIX 2.1 patterning language: keywords in any case, identifiers with
 * hyphens (`ipv4-addr`), single-quoted strings whose only escapes are `\'` and `\\`,
 * numbers, booleans, `t'…'`, `b'…'` and `h'…'` literals, and comments.
 */

/** A literal value in a pattern. */
export type Literal =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'int' | 'float'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'timestamp' | 'binary' | 'hex'; readonly value: string };

/** One token; `at` is its offset in the pattern. */
export type Token =
  | { readonly kind: 'punct' | 'op' | 'keyword' | 'identifier' | 'end'; readonly text: string; readonly at: number }
  | { readonly kind: 'literal'; readonly text: string; readonly literal: Literal; readonly at: number };

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'FOLLOWEDBY', 'LIKE', 'MATCHES', 'ISSUPERSET', 'ISSUBSET', 'LAST', 'IN', 'START', 'STOP', 'SECONDS', 'WITHIN', 'REPEATS', 'TIMES', 'EXISTS']);

/** A syntax error at an offset of the pattern. */
export class PatternError extends Error {
  readonly at: number;
  constructor(message: string, at: number) {
    super(`${message} at position ${at}`);
    this.at = at;
  }
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isIdentifierStart = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');
const isIdentifierPart = (c: string | undefined) => isIdentifierStart(c) || isDigit(c) || c === '-';

/** Splits a pattern into tokens, ending with an `end` token. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const at = i;
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) throw new PatternError('unclosed comment', at);
      i = end + 2;
    } else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if ('[]():,.*'.includes(c) && !(c === '.' && isDigit(text[i + 1]))) {
      tokens.push({ kind: 'punct', text: c, at });
      i++;
    } else if ('=!<>'.includes(c)) {
      const two = text.slice(i, i + 2);
      const op = two === '==' ? '=' : two === '<>' ? '!=' : ['!=', '<=', '>='].includes(two) ? two : c;
      if (op === '!') throw new PatternError("'!' must be followed by '='", at);
      tokens.push({ kind: 'op', text: op, at });
      i += ['==', '<>', '!=', '<=', '>='].includes(two) ? 2 : 1;
    } else if (c === "'") {
      const [value, next] = quoted(text, i);
      tokens.push({ kind: 'literal', text: value, literal: { type: 'string', value }, at });
      i = next;
    } else if ((c === 't' || c === 'b' || c === 'h') && text[i + 1] === "'") {
      const [value, next] = quoted(text, i + 1);
      tokens.push({ kind: 'literal', text: value, literal: prefixedLiteral(c, value, at), at });
      i = next;
    } else if (isDigit(c) || ((c === '+' || c === '-' || c === '.') && (isDigit(text[i + 1]) || (text[i + 1] === '.' && isDigit(text[i + 2]))))) {
      let end = i + 1;
      while (isDigit(text[end]) || text[end] === '.') end++;
      const number = text.slice(i, end);
      if (!/^[+-]?(0|[1-9]\d*|\d*\.\d+)$/.test(number)) throw new PatternError(`bad number '${number}'`, at);
      tokens.push({ kind: 'literal', text: number, literal: { type: number.includes('.') ? 'float' : 'int', value: Number(number) }, at });
      i = end;
    } else if (isIdentifierStart(c)) {
      let end = i + 1;
      while (isIdentifierPart(text[end])) end++;
      const word = text.slice(i, end);
      const upper = word.toUpperCase();
      if (upper === 'TRUE' || upper === 'FALSE') tokens.push({ kind: 'literal', text: word, literal: { type: 'bool', value: upper === 'TRUE' }, at });
      else tokens.push(KEYWORDS.has(upper) ? { kind: 'keyword', text: upper, at } : { kind: 'identifier', text: word, at });
      i = end;
    } else {
      throw new PatternError(`unexpected '${c}'`, at);
    }
  }
  tokens.push({ kind: 'end', text: 'end of pattern', at: text.length });
  return tokens;
}

/** Reads a single-quoted string starting at `start`; only `\'` and `\\` are escapes. */
function quoted(text: string, start: number): [string, number] {
  let value = '';
  let i = start + 1;
  for (;;) {
    const c = text[i];
    if (c === undefined) throw new PatternError('unclosed string', start);
    if (c === "'") return [value, i + 1];
    if (c === '\\') {
      const escaped = text[i + 1];
      if (escaped !== "'" && escaped !== '\\') throw new PatternError(`bad escape '\\${escaped ?? ''}' in a string (only \\' and \\\\)`, i);
      value += escaped;
      i += 2;
    } else {
      value += c;
      i++;
    }
  }
}

function prefixedLiteral(prefix: string, value: string, at: number): Literal {
  if (prefix === 't') {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value) || Number.isNaN(Date.parse(value))) throw new PatternError(`bad timestamp '${value}'`, at);
    return { type: 'timestamp', value };
  }
  if (prefix === 'h') {
    if (!/^([0-9a-fA-F]{2})*$/.test(value)) throw new PatternError(`bad hex literal '${value}'`, at);
    return { type: 'hex', value };
  }
  if (!/^[A-Za-z0-9+/=]*$/.test(value)) throw new PatternError(`bad binary literal '${value}'`, at);
  return { type: 'binary', value };
}

