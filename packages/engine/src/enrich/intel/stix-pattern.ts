/**
 * A parser for the STIX 2.1 patterning language (part 9 of the STIX 2.1 specification): the
 * whole grammar is parsed, so a pattern Vigil cannot use is still recognized as valid and
 * counted as unsupported rather than as broken.
 */
import { PatternError, tokenize, type Literal, type Token } from './stix-pattern-lexer.ts';

export type { Literal } from './stix-pattern-lexer.ts';

/** `file:hashes.'SHA-256'` is `{ objectType: 'file', steps: ['hashes', 'SHA-256'] }`; list steps are `{ index }`. */
export interface ObjectPath {
  readonly objectType: string;
  readonly steps: readonly (string | { readonly index: number | '*' })[];
}

/** A comparison operator (`ISSUBSET` and friends in upper case). */
export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';

/** The inside of `[…]`: property tests joined by AND and OR. */
export type ComparisonExpression =
  | { readonly kind: 'and' | 'or'; readonly operands: readonly ComparisonExpression[] }
  | { readonly kind: 'test'; readonly path: ObjectPath; readonly negated: boolean; readonly operator: ComparisonOperator; readonly value: Literal | readonly Literal[] }
  | { readonly kind: 'exists'; readonly path: ObjectPath };

/** `WITHIN n SECONDS`, `REPEATS n TIMES`, `START t'…' STOP t'…'`. */
export type Qualifier =
  | { readonly kind: 'within'; readonly seconds: number }
  | { readonly kind: 'repeats'; readonly times: number }
  | { readonly kind: 'start-stop'; readonly start: string; readonly stop: string };

/** A whole pattern: observations (`[…]`) joined by AND, OR and FOLLOWEDBY, each with its qualifiers. */
export type ObservationExpression =
  | { readonly kind: 'observation'; readonly comparison: ComparisonExpression; readonly qualifiers: Qualifier[] }
  | { readonly kind: 'and' | 'or' | 'followedby'; readonly operands: readonly ObservationExpression[]; readonly qualifiers: Qualifier[] };

const TEXT_OPERATORS = new Set(['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET']);

/** Parses a STIX pattern; a syntax error comes back as a reason naming the position. */
export function parseStixPattern(text: string): { ok: true; pattern: ObservationExpression } | { ok: false; reason: string } {
  try {
    const parser = new Parser(tokenize(text));
    const pattern = parser.observations();
    parser.expect('end');
    return { ok: true, pattern };
  } catch (error) {
    if (error instanceof PatternError) return { ok: false, reason: error.message };
    throw error;
  }
}

class Parser {
  readonly #tokens: Token[];
  #position = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  observations(): ObservationExpression {
    return this.#joined('FOLLOWEDBY', 'followedby', () => this.#joined('OR', 'or', () => this.#joined('AND', 'and', () => this.#observation())));
  }

  expect(kind: Token['kind'], text?: string): Token {
    const token = this.#peek();
    if (token.kind !== kind || (text !== undefined && token.text !== text)) throw new PatternError(`expected ${text ? `'${text}'` : kind}, found '${token.text}'`, token.at);
    this.#position++;
    return token;
  }

  #peek(): Token {
    return this.#tokens[this.#position]!;
  }

  #accept(kind: Token['kind'], text: string): boolean {
    const token = this.#peek();
    if (token.kind !== kind || token.text !== text) return false;
    this.#position++;
    return true;
  }

  #joined(keyword: string, kind: 'and' | 'or' | 'followedby', operand: () => ObservationExpression): ObservationExpression {
    const operands = [operand()];
    while (this.#accept('keyword', keyword)) operands.push(operand());
    return operands.length === 1 ? operands[0]! : { kind, operands, qualifiers: [] };
  }

  #observation(): ObservationExpression {
    let expression: ObservationExpression;
    if (this.#accept('punct', '[')) {
      expression = { kind: 'observation', comparison: this.#comparison(), qualifiers: [] };
      this.expect('punct', ']');
    } else if (this.#accept('punct', '(')) {
      expression = this.observations();
      this.expect('punct', ')');
    } else {
      const token = this.#peek();
      throw new PatternError(`expected '[' or '(', found '${token.text}'`, token.at);
    }
    for (let qualifier = this.#qualifier(); qualifier; qualifier = this.#qualifier()) expression.qualifiers.push(qualifier);
    return expression;
  }

  #qualifier(): Qualifier | undefined {
    if (this.#accept('keyword', 'WITHIN')) {
      const seconds = this.#number('int', 'float');
      this.expect('keyword', 'SECONDS');
      return { kind: 'within', seconds };
    }
    if (this.#accept('keyword', 'REPEATS')) {
      const times = this.#number('int');
      this.expect('keyword', 'TIMES');
      return { kind: 'repeats', times };
    }
    if (this.#accept('keyword', 'START')) {
      const start = this.#literal().value;
      this.expect('keyword', 'STOP');
      return { kind: 'start-stop', start: String(start), stop: String(this.#literal().value) };
    }
    return undefined;
  }

  #number(...types: ('int' | 'float')[]): number {
    const literal = this.#literal();
    if (literal.type !== 'int' && literal.type !== 'float') throw new PatternError('expected a number', this.#tokens[this.#position - 1]!.at);
    if (!types.includes(literal.type) || literal.value <= 0) throw new PatternError('expected a positive whole number', this.#tokens[this.#position - 1]!.at);
    return literal.value;
  }

  #comparison(): ComparisonExpression {
    const and = (): ComparisonExpression => {
      const operands = [this.#propTest()];
      while (this.#accept('keyword', 'AND')) operands.push(this.#propTest());
      return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
    };
    const operands = [and()];
    while (this.#accept('keyword', 'OR')) operands.push(and());
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  #propTest(): ComparisonExpression {
    if (this.#accept('punct', '(')) {
      const inner = this.#comparison();
      this.expect('punct', ')');
      return inner;
    }
    if (this.#accept('keyword', 'EXISTS')) return { kind: 'exists', path: this.#path() };
    const path = this.#path();
    const negated = this.#accept('keyword', 'NOT');
    const token = this.#peek();
    if (token.kind === 'op') {
      this.#position++;
      const value = this.#literal();
      if (token.text !== '=' && token.text !== '!=' && value.type === 'bool') throw new PatternError(`'${token.text}' needs an orderable value`, token.at);
      return { kind: 'test', path, negated, operator: token.text as ComparisonOperator, value };
    }
    if (this.#accept('keyword', 'IN')) {
      this.expect('punct', '(');
      const values: Literal[] = [];
      if (!this.#accept('punct', ')')) {
        do values.push(this.#literal());
        while (this.#accept('punct', ','));
        this.expect('punct', ')');
      }
      return { kind: 'test', path, negated, operator: 'IN', value: values };
    }
    if (token.kind === 'keyword' && TEXT_OPERATORS.has(token.text)) {
      this.#position++;
      const value = this.#literal();
      if (value.type !== 'string') throw new PatternError(`${token.text} needs a string`, token.at);
      return { kind: 'test', path, negated, operator: token.text as ComparisonOperator, value };
    }
    throw new PatternError(`expected a comparison operator, found '${token.text}'`, token.at);
  }

  #path(): ObjectPath {
    const objectType = this.expect('identifier').text;
    this.expect('punct', ':');
    const steps: ObjectPath['steps'][number][] = [this.#pathName()];
    for (;;) {
      if (this.#accept('punct', '.')) {
        steps.push(this.#pathName());
      } else if (this.#accept('punct', '[')) {
        const star = this.#accept('punct', '*');
        steps.push({ index: star ? '*' : this.#index() });
        this.expect('punct', ']');
      } else {
        return { objectType, steps };
      }
    }
  }

  #pathName(): string {
    const token = this.#peek();
    if (token.kind === 'identifier' || (token.kind === 'literal' && token.literal.type === 'string')) {
      this.#position++;
      return token.text;
    }
    throw new PatternError(`expected a property name, found '${token.text}'`, token.at);
  }

  #index(): number {
    const literal = this.#literal();
    if (literal.type !== 'int' || literal.value < 0) throw new PatternError('expected a list index', this.#tokens[this.#position - 1]!.at);
    return literal.value;
  }

  #literal(): Literal {
    const token = this.#peek();
    if (token.kind !== 'literal') throw new PatternError(`expected a value, found '${token.text}'`, token.at);
    this.#position++;
    return token.literal;
  }
}
