import type { Matcher } from './types.ts';
import { withRequirementsOfAll, withRequirementsOfAny } from './requirement.ts';
import { escapeRegExp } from './wildcard.ts';

/**
 * The Sigma condition language: search identifiers, `and`, `or`, `not`, parentheses and the
 * quantifiers `1 of <pattern>` / `all of <pattern>` (`them` = every identifier not starting
 * with `_`). Precedence: not > and > or. Parsed once at load and compiled to closures.
 */

/** A parsed condition. */
export type ConditionNode =
  | { readonly kind: 'ref'; readonly name: string; readonly offset: number }
  | { readonly kind: 'of'; readonly all: boolean; readonly pattern: string | undefined; readonly offset: number }
  | { readonly kind: 'not'; readonly node: ConditionNode }
  | { readonly kind: 'and' | 'or'; readonly nodes: readonly ConditionNode[] };

/** A problem in a condition, with the 0-based character offset it was found at. */
export class ConditionError extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = 'ConditionError';
    this.offset = offset;
  }
}

interface Token {
  readonly text: string;
  readonly lower: string;
  readonly offset: number;
}

function tokenize(condition: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:([()])|([A-Za-z0-9_*?.-]+)|(\S))/gy;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(condition)) !== null && match[0] !== '') {
    const text = match[1] ?? match[2] ?? match[3]!;
    const offset = match.index + match[0].length - text.length;
    if (match[3] !== undefined) {
      if (text === '|') throw new ConditionError("aggregations ('| count() ...') are not supported; write a Sigma correlation rule", offset);
      throw new ConditionError(`unexpected character '${text}'`, offset);
    }
    tokens.push({ text, lower: text.toLowerCase(), offset });
  }
  return tokens;
}

/** Parses a condition string into a tree; throws ConditionError with the offset of the problem. */
export function parseCondition(condition: string): ConditionNode {
  const tokens = tokenize(condition);
  let index = 0;
  const peek = () => tokens[index];
  const end = condition.length;

  function expect(what: string): Token {
    const token = tokens[index];
    if (!token) throw new ConditionError(`expected ${what} but the condition ended`, end);
    index++;
    return token;
  }

  function parseOr(): ConditionNode {
    const nodes = [parseAnd()];
    while (peek()?.lower === 'or') {
      index++;
      nodes.push(parseAnd());
    }
    return nodes.length === 1 ? nodes[0]! : { kind: 'or', nodes };
  }

  function parseAnd(): ConditionNode {
    const nodes = [parseNot()];
    while (peek()?.lower === 'and') {
      index++;
      nodes.push(parseNot());
    }
    return nodes.length === 1 ? nodes[0]! : { kind: 'and', nodes };
  }

  function parseNot(): ConditionNode {
    if (peek()?.lower === 'not') {
      index++;
      return { kind: 'not', node: parseNot() };
    }
    return parsePrimary();
  }

  function parsePrimary(): ConditionNode {
    const token = expect('a search identifier');
    if (token.text === '(') {
      const node = parseOr();
      const close = expect("')'");
      if (close.text !== ')') throw new ConditionError(`expected ')' but found '${close.text}'`, close.offset);
      return node;
    }
    if (token.text === ')' || ['and', 'or', 'of'].includes(token.lower)) {
      throw new ConditionError(`expected a search identifier but found '${token.text}'`, token.offset);
    }
    if (peek()?.lower === 'of') {
      if (token.lower !== '1' && token.lower !== 'all') {
        throw new ConditionError(`'${token.text} of' is not supported; use '1 of' or 'all of'`, token.offset);
      }
      index++;
      const target = expect("an identifier pattern or 'them'");
      if (target.text === '(' || target.text === ')') throw new ConditionError(`expected an identifier pattern but found '${target.text}'`, target.offset);
      return { kind: 'of', all: token.lower === 'all', pattern: target.lower === 'them' ? undefined : target.text, offset: token.offset };
    }
    if (token.lower === 'not') throw new ConditionError("unexpected 'not'", token.offset);
    return { kind: 'ref', name: token.text, offset: token.offset };
  }

  if (tokens.length === 0) throw new ConditionError('the condition is empty', 0);
  const node = parseOr();
  const rest = peek();
  if (rest) throw new ConditionError(`unexpected '${rest.text}'`, rest.offset);
  return node;
}

/** Compiles a parsed condition over compiled search identifiers; throws ConditionError for unknown names. */
export function compileCondition(node: ConditionNode, searches: ReadonlyMap<string, Matcher>): Matcher {
  switch (node.kind) {
    case 'ref': {
      const matcher = searches.get(node.name);
      if (!matcher) throw new ConditionError(`unknown search identifier '${node.name}'`, node.offset);
      return matcher;
    }
    case 'of': {
      const names = [...searches.keys()].filter(node.pattern === undefined ? (name) => !name.startsWith('_') : identifierPattern(node.pattern));
      if (names.length === 0) throw new ConditionError(`'${node.pattern ?? 'them'}' matches no search identifier`, node.offset);
      return combine(node.all ? 'and' : 'or', names.map((name) => searches.get(name)!));
    }
    case 'not': {
      const inner = compileCondition(node.node, searches);
      return (ctx) => !inner(ctx);
    }
    case 'and':
    case 'or':
      return combine(node.kind, node.nodes.map((child) => compileCondition(child, searches)));
  }
}

function combine(kind: 'and' | 'or', matchers: readonly Matcher[]): Matcher {
  if (matchers.length === 1) return matchers[0]!;
  return kind === 'and' ? withRequirementsOfAll(combined(kind, matchers), matchers) : withRequirementsOfAny(combined(kind, matchers), matchers);
}

function combined(kind: 'and' | 'or', matchers: readonly Matcher[]): Matcher {
  if (matchers.length === 2) {
    const [a, b] = matchers as [Matcher, Matcher];
    return kind === 'and' ? (ctx) => a(ctx) && b(ctx) : (ctx) => a(ctx) || b(ctx);
  }
  if (kind === 'and') {
    return (ctx) => {
      for (const matcher of matchers) if (!matcher(ctx)) return false;
      return true;
    };
  }
  return (ctx) => {
    for (const matcher of matchers) if (matcher(ctx)) return true;
    return false;
  };
}

function identifierPattern(pattern: string): (name: string) => boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return (name) => regex.test(name);
}
