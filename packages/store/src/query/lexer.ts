import { queryError } from '../errors.ts';
import type { WildcardPart } from './ast.ts';

/** Comparison written between a field name and its value. */
export type FieldOperator = ':' | '<' | '<=' | '>' | '>=';

/** One token; `column` is 1-based, in UTF-16 code units of the query string. */
export type Token =
  | { type: 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'minus' | 'eof'; column: number }
  | { type: 'range-open'; inclusive: boolean; column: number }
  | { type: 'range-close'; inclusive: boolean; column: number }
  | { type: 'field'; name: string; op: FieldOperator; column: number }
  | { type: 'word'; raw: string; parts: WildcardPart[]; column: number }
  | { type: 'phrase'; value: string; column: number };

/** Field names: ECS dotted paths, `@timestamp`, label keys with `-`. */
const FIELD_NAME = /^[@A-Za-z_][\w@-]*(?:\.[\w@-]+)*$/;
const KEYWORDS: ReadonlyMap<string, 'and' | 'or' | 'not'> = new Map([
  ['AND', 'and'],
  ['OR', 'or'],
  ['NOT', 'not'],
  ['&&', 'and'],
  ['||', 'or'],
]);

interface Run {
  chars: string[];
  escaped: boolean[];
  column: number;
  /** Index just past the run in the query. */
  end: number;
}

/**
 * Splits a query into tokens. Two bits of context keep what users type working without
 * quotes: right after `field:` the value may contain `:` (IPv6 addresses, timestamps), and
 * inside `[...]`/`{...}` words are range bounds, never fields or keywords.
 */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let inRange = false;
  let valueNext = false;
  while (true) {
    while (i < query.length && isSpace(query[i]!)) i++;
    if (i >= query.length) break;
    const c = query[i]!;
    const column = i + 1;
    if (c === '(' || c === ')') {
      tokens.push({ type: c === '(' ? 'lparen' : 'rparen', column });
      i++;
      valueNext = false;
      continue;
    }
    if (c === '"') {
      const { value, end } = readPhrase(query, i);
      tokens.push({ type: 'phrase', value, column });
      i = end;
      valueNext = false;
      continue;
    }
    if (!inRange && (c === '[' || c === '{')) {
      tokens.push({ type: 'range-open', inclusive: c === '[', column });
      inRange = true;
      valueNext = false;
      i++;
      continue;
    }
    if (inRange && (c === ']' || c === '}')) {
      tokens.push({ type: 'range-close', inclusive: c === ']', column });
      inRange = false;
      i++;
      continue;
    }
    if (c === '-' && !inRange && !valueNext && startsNegated(query[i + 1])) {
      tokens.push({ type: 'minus', column });
      i++;
      continue;
    }
    const run = readRun(query, i, inRange);
    i = run.end;
    if (inRange || valueNext) {
      tokens.push(wordToken(run, 0));
      valueNext = false;
      continue;
    }
    const split = splitField(run);
    if (split) {
      tokens.push({ type: 'field', name: split.name, op: split.op, column: run.column });
      const first = run.chars[split.valueStart];
      if (first === undefined || ((first === '[' || first === '{') && !run.escaped[split.valueStart])) {
        // The value is a range (or follows after whitespace): scan it as tokens of its own.
        i = run.column - 1 + columnOffset(run, split.valueStart);
        valueNext = true;
      } else {
        tokens.push(wordToken(run, split.valueStart));
      }
      continue;
    }
    const raw = run.chars.join('');
    const keyword = run.escaped.some(Boolean) ? undefined : KEYWORDS.get(raw);
    tokens.push(keyword ? { type: keyword, column } : wordToken(run, 0));
  }
  tokens.push({ type: 'eof', column: query.length + 1 });
  return tokens;
}

/** `-x` negates `x`; a dash before a space, `)` or another dash (`--`) is text. */
function startsNegated(next: string | undefined): boolean {
  return next !== undefined && !isSpace(next) && next !== ')' && next !== '-';
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0';
}

function readPhrase(query: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < query.length) {
    const c = query[i]!;
    if (c === '\\') {
      if (i + 1 >= query.length) break;
      value += query[i + 1];
      i += 2;
      continue;
    }
    if (c === '"') return { value, end: i + 1 };
    value += c;
    i++;
  }
  throw queryError('VIGIL_ERR_QUERY_SYNTAX', 'unterminated quoted phrase (missing closing ")', start + 1);
}

/** Reads characters up to whitespace, a parenthesis or a quote (and `]`/`}` inside a range). */
function readRun(query: string, start: number, inRange: boolean): Run {
  const chars: string[] = [];
  const escaped: boolean[] = [];
  let i = start;
  while (i < query.length) {
    const c = query[i]!;
    if (isSpace(c) || c === '(' || c === ')' || c === '"') break;
    if (inRange && (c === ']' || c === '}')) break;
    if (c === '\\') {
      if (i + 1 >= query.length) {
        throw queryError('VIGIL_ERR_QUERY_SYNTAX', 'backslash at the end of the query escapes nothing', i + 1);
      }
      chars.push(query[i + 1]!);
      escaped.push(true);
      i += 2;
      continue;
    }
    chars.push(c);
    escaped.push(false);
    i++;
  }
  return { chars, escaped, column: start + 1, end: i };
}

/** Finds `name:`, `name>=` … at the start of a run; null when the run is a plain word. */
function splitField(run: Run): { name: string; op: FieldOperator; valueStart: number } | null {
  const { chars, escaped } = run;
  let at = -1;
  for (let k = 0; k < chars.length; k++) {
    if (escaped[k]) return null;
    const c = chars[k]!;
    if (c === ':' || c === '<' || c === '>') {
      at = k;
      break;
    }
  }
  if (at <= 0) return null;
  const name = chars.slice(0, at).join('');
  const isOp = (k: number, c: string) => chars[k] === c && !escaped[k];
  if (chars[at] === ':') {
    if (name !== '*' && !FIELD_NAME.test(name)) return null;
    // `field:>=10` is the query_string spelling of `field>=10`; accept both.
    for (const op of ['>=', '<=', '>', '<'] as const) {
      if (isOp(at + 1, op[0]!) && (op.length === 1 || isOp(at + 2, op[1]!))) return { name, op, valueStart: at + 1 + op.length };
    }
    return { name, op: ':', valueStart: at + 1 };
  }
  if (!FIELD_NAME.test(name)) return null;
  const c = chars[at] as '<' | '>';
  if (isOp(at + 1, '=')) return { name, op: `${c}=`, valueStart: at + 2 };
  return { name, op: c, valueStart: at + 1 };
}

function wordToken(run: Run, from: number): Token {
  const parts: WildcardPart[] = [];
  let raw = '';
  let text = '';
  for (let k = from; k < run.chars.length; k++) {
    const c = run.chars[k]!;
    raw += run.escaped[k] ? `\\${c}` : c;
    if (!run.escaped[k] && (c === '*' || c === '?')) {
      if (text) parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: c === '*' ? 'any' : 'one' });
    } else {
      text += c;
    }
  }
  if (text) parts.push({ kind: 'text', text });
  return { type: 'word', raw, parts, column: run.column + columnOffset(run, from) };
}

function columnOffset(run: Run, index: number): number {
  let offset = 0;
  for (let k = 0; k < index; k++) offset += run.escaped[k] ? 2 : 1;
  return offset;
}
