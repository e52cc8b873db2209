import { isIP } from 'node:net';
import { queryError } from '../errors.ts';
import type { QueryNode, RangeBound, WildcardPart } from './ast.ts';
import { tokenize, type Token } from './lexer.ts';

/** Limits that keep one query from tying up a store. */
export const QUERY_LIMITS = Object.freeze({
  /** Longest query accepted, in characters. */
  maxLength: 10_000,
  /** Deepest nesting of parentheses and NOT. */
  maxDepth: 32,
  /** Most field and free-text terms in one query. */
  maxTerms: 1024,
});

/**
 * Parses a query in Vigil's query language (see `docs/query-language.md`) into a syntax tree.
 * The empty query matches everything. Throws `VIGIL_ERR_QUERY_SYNTAX` (or `_TOO_COMPLEX`,
 * `_INVALID_VALUE`) with the 1-based column of the problem.
 */
export function parseQuery(query: string): QueryNode {
  if (query.length > QUERY_LIMITS.maxLength) {
    throw queryError('VIGIL_ERR_QUERY_TOO_COMPLEX', `query is longer than ${QUERY_LIMITS.maxLength} characters`, QUERY_LIMITS.maxLength + 1);
  }
  return new Parser(tokenize(query)).parse();
}

/** Grammar (NOT binds tighter than AND, AND tighter than OR; adjacent clauses are ANDed):
 *   query   := or? EOF
 *   or      := and ('OR' and)*
 *   and     := unary ('AND'? unary)*
 *   unary   := ('NOT' | '-') unary | primary
 *   primary := '(' or ')' | FIELD value | FIELD cmp bound | WORD | PHRASE
 *   value   := '(' or-of-values ')' | range | WORD | PHRASE
 *   range   := ('[' | '{') bound 'TO' bound (']' | '}')
 * Inside `field:( … )` the same and/or/not grammar combines values of that one field.
 */
class Parser {
  readonly #tokens: Token[];
  #pos = 0;
  #depth = 0;
  #terms = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  parse(): QueryNode {
    if (this.#peek().type === 'eof') return { kind: 'all' };
    const node = this.#or(null);
    const rest = this.#peek();
    if (rest.type !== 'eof') throw this.#unexpected(rest);
    return node;
  }

  #peek(): Token {
    return this.#tokens[this.#pos]!;
  }

  #next(): Token {
    const token = this.#tokens[this.#pos]!;
    if (token.type !== 'eof') this.#pos++;
    return token;
  }

  #or(field: string | null): QueryNode {
    const children = [this.#and(field)];
    while (this.#peek().type === 'or') {
      this.#next();
      children.push(this.#and(field));
    }
    return combine('or', children);
  }

  #and(field: string | null): QueryNode {
    const children = [this.#unary(field)];
    while (true) {
      const token = this.#peek();
      if (token.type === 'and') {
        this.#next();
        children.push(this.#unary(field));
      } else if (startsClause(token)) {
        children.push(this.#unary(field));
      } else {
        break;
      }
    }
    return combine('and', children);
  }

  #unary(field: string | null): QueryNode {
    const token = this.#peek();
    if (token.type !== 'not' && token.type !== 'minus') return this.#primary(field);
    this.#next();
    this.#enter(token);
    const child = this.#unary(field);
    this.#depth--;
    return { kind: 'not', child };
  }

  #primary(field: string | null): QueryNode {
    const token = this.#peek();
    switch (token.type) {
      case 'lparen':
        return this.#group(field);
      case 'field':
        if (field !== null) {
          throw syntax(`unexpected field '${token.name}${token.op}' inside the values of '${field}:( … )'`, token.column);
        }
        return this.#fieldClause();
      case 'word':
      case 'phrase':
        this.#next();
        return this.#leaf(field, token);
      case 'range-open':
        if (field === null) {
          throw syntax(`a range needs a field, e.g. source.port:[1000 TO 2000] (quote text that contains brackets)`, token.column);
        }
        return this.#range(field, token.column);
      default:
        throw this.#unexpected(token);
    }
  }

  #group(field: string | null): QueryNode {
    const open = this.#next();
    this.#enter(open);
    const node = this.#or(field);
    const close = this.#peek();
    if (close.type !== 'rparen') {
      throw syntax(`expected ')' to close the '(' at column ${open.column}, found ${describe(close)}`, close.column);
    }
    this.#next();
    this.#depth--;
    return node;
  }

  #fieldClause(): QueryNode {
    const token = this.#next() as Extract<Token, { type: 'field' }>;
    const value = this.#peek();
    if (token.name === '*') {
      if (token.op === ':' && value.type === 'word' && isStar(value.parts)) {
        this.#next();
        return { kind: 'all' };
      }
      throw queryError('VIGIL_ERR_QUERY_UNSUPPORTED', "'*' as a field name is only supported in '*:*'", token.column);
    }
    if (token.op !== ':') return this.#comparison(token.name, token.op, token.column);
    if (value.type === 'lparen') return this.#group(token.name);
    if (value.type === 'range-open') return this.#range(token.name, token.column);
    if (value.type === 'word' || value.type === 'phrase') {
      this.#next();
      return this.#leaf(token.name, value, token.column);
    }
    throw syntax(`expected a value after '${token.name}:', found ${describe(value)}`, value.column);
  }

  #comparison(field: string, op: '<' | '<=' | '>' | '>=', column: number): QueryNode {
    const token = this.#next();
    const bound = this.#bound(token, `'${field}${op}'`);
    if (bound === null) throw syntax(`'${field}${op}' needs a value, not '*'`, token.column);
    this.#countTerm(token);
    const inclusive = op.length === 2;
    const side: RangeBound = { value: bound, inclusive };
    return op[0] === '>'
      ? { kind: 'range', field, lower: side, upper: null, column }
      : { kind: 'range', field, lower: null, upper: side, column };
  }

  #range(field: string, column: number): QueryNode {
    const open = this.#next() as Extract<Token, { type: 'range-open' }>;
    const lower = this.#bound(this.#next(), 'the range');
    const to = this.#next();
    if (to.type !== 'word' || to.raw !== 'TO') throw syntax(`expected 'TO' between the range bounds, found ${describe(to)}`, to.column);
    const upper = this.#bound(this.#next(), 'the range');
    const close = this.#next();
    if (close.type !== 'range-close') throw syntax(`expected ']' or '}' to close the range, found ${describe(close)}`, close.column);
    this.#countTerm(open);
    if (lower === null && upper === null) return { kind: 'exists', field, column };
    return {
      kind: 'range',
      field,
      lower: lower === null ? null : { value: lower, inclusive: open.inclusive },
      upper: upper === null ? null : { value: upper, inclusive: close.inclusive },
      column,
    };
  }

  /** A range bound's text, or null for an open end (`*`). */
  #bound(token: Token, where: string): string | null {
    if (token.type === 'phrase') return token.value;
    if (token.type !== 'word') throw syntax(`expected a value in ${where}, found ${describe(token)}`, token.column);
    if (isStar(token.parts)) return null;
    if (token.parts.some((part) => part.kind !== 'text')) throw syntax(`wildcards cannot be used in ${where}`, token.column);
    return textOf(token.parts);
  }

  /** `column` is where the clause starts: the field name of `field:value`, else the value itself. */
  #leaf(field: string | null, token: Extract<Token, { type: 'word' | 'phrase' }>, column = token.column): QueryNode {
    this.#countTerm(token);
    if (token.type === 'phrase') return { kind: 'term', field, value: token.value, phrase: true, column };
    const { parts } = token;
    if (isStar(parts)) return field === null ? { kind: 'all' } : { kind: 'exists', field, column };
    if (parts.some((part) => part.kind !== 'text')) return { kind: 'wildcard', field, parts, column };
    const value = textOf(parts);
    if (field !== null) {
      const cidr = parseCidr(value, token.column);
      if (cidr) return { kind: 'cidr', field, ...cidr, column };
    }
    return { kind: 'term', field, value, phrase: false, column };
  }

  #enter(token: Token): void {
    if (++this.#depth > QUERY_LIMITS.maxDepth) {
      throw queryError('VIGIL_ERR_QUERY_TOO_COMPLEX', `query nests deeper than ${QUERY_LIMITS.maxDepth} levels`, token.column);
    }
  }

  #countTerm(token: Token): void {
    if (++this.#terms > QUERY_LIMITS.maxTerms) {
      throw queryError('VIGIL_ERR_QUERY_TOO_COMPLEX', `query has more than ${QUERY_LIMITS.maxTerms} terms`, token.column);
    }
  }

  #unexpected(token: Token) {
    return syntax(`unexpected ${describe(token)}`, token.column);
  }
}

function startsClause(token: Token): boolean {
  const { type } = token;
  return type === 'lparen' || type === 'not' || type === 'minus' || type === 'word' || type === 'phrase' || type === 'field' || type === 'range-open';
}

function combine(kind: 'and' | 'or', nodes: QueryNode[]): QueryNode {
  if (nodes.length === 1) return nodes[0]!;
  const children: QueryNode[] = [];
  for (const node of nodes) {
    if (node.kind === kind) children.push(...node.children);
    else children.push(node);
  }
  return { kind, children };
}

function isStar(parts: WildcardPart[]): boolean {
  return parts.length === 1 && parts[0]!.kind === 'any';
}

function textOf(parts: WildcardPart[]): string {
  return parts.map((part) => (part.kind === 'text' ? part.text : '')).join('');
}

const CIDR = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/;

function parseCidr(value: string, column: number): { address: string; prefixLength: number; family: 4 | 6 } | null {
  const match = CIDR.exec(value);
  if (!match) return null;
  const address = match[1]!;
  const family = isIP(address);
  if (family === 0) return null;
  const prefixLength = Number(match[2]);
  const max = family === 4 ? 32 : 128;
  if (prefixLength > max) {
    throw queryError('VIGIL_ERR_QUERY_INVALID_VALUE', `network prefix /${prefixLength} is longer than ${max} bits`, column);
  }
  return { address, prefixLength, family: family as 4 | 6 };
}

function describe(token: Token): string {
  switch (token.type) {
    case 'eof':
      return 'end of query';
    case 'lparen':
      return "'('";
    case 'rparen':
      return "')'";
    case 'and':
      return "'AND'";
    case 'or':
      return "'OR'";
    case 'not':
      return "'NOT'";
    case 'minus':
      return "'-'";
    case 'range-open':
      return token.inclusive ? "'['" : "'{'";
    case 'range-close':
      return token.inclusive ? "']'" : "'}'";
    case 'field':
      return `'${token.name}${token.op}'`;
    case 'word':
      return `'${token.raw}'`;
    case 'phrase':
      return `"${token.value}"`;
  }
}

function syntax(detail: string, column: number) {
  return queryError('VIGIL_ERR_QUERY_SYNTAX', detail, column);
}

