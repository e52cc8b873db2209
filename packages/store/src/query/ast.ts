/**
 * The query language's syntax tree. It says what the user asked for and nothing about any
 * backend: the SQLite and OpenSearch stores each compile it their own way. Leaves carry the
 * 1-based `column` where their clause starts (the field name of `field:value`; the value
 * itself for free text and inside `field:( … )`) so a backend can point at what it cannot run.
 */

/** Matches every document (the empty query, `*`, `*:*`). */
export interface MatchAllNode {
  kind: 'all';
}

/** Every child matches (`a AND b`, `a b`). */
export interface AndNode {
  kind: 'and';
  children: QueryNode[];
}

/** At least one child matches. */
export interface OrNode {
  kind: 'or';
  children: QueryNode[];
}

/** The child does not match (`NOT a`, `-a`). */
export interface NotNode {
  kind: 'not';
  child: QueryNode;
}

/**
 * A literal value: `field:value`, `field:"quoted phrase"`, or free text when `field` is null.
 * `value` has escapes resolved. `phrase` is true when the user quoted it.
 */
export interface TermNode {
  kind: 'term';
  field: string | null;
  value: string;
  phrase: boolean;
  column: number;
}

/** One piece of a wildcard pattern: literal text, `*` (any run of characters) or `?` (one character). */
export type WildcardPart = { kind: 'text'; text: string } | { kind: 'any' } | { kind: 'one' };

/** A value with unescaped `*` or `?`: `user.name:adm*`, free text `fail*` when `field` is null. */
export interface WildcardNode {
  kind: 'wildcard';
  field: string | null;
  parts: WildcardPart[];
  column: number;
}

/** `field:*`: the field is present (with any value). */
export interface ExistsNode {
  kind: 'exists';
  field: string;
  column: number;
}

/** One end of a range; `value` is the bound as written (escapes resolved). */
export interface RangeBound {
  value: string;
  inclusive: boolean;
}

/** `field:[a TO b]`, `field:{a TO b}`, `field>=a` …; a null end is open. */
export interface RangeNode {
  kind: 'range';
  field: string;
  lower: RangeBound | null;
  upper: RangeBound | null;
  column: number;
}

/** `source.ip:10.0.0.0/8`: the field holds an IP address inside the network. */
export interface CidrNode {
  kind: 'cidr';
  field: string;
  /** Network address as written, e.g. `10.0.0.0` or `2001:db8::`. */
  address: string;
  prefixLength: number;
  family: 4 | 6;
  column: number;
}

/** A parsed query. */
export type QueryNode = MatchAllNode | AndNode | OrNode | NotNode | TermNode | WildcardNode | ExistsNode | RangeNode | CidrNode;

/** A leaf that compares one field (or the free text when `field` is null). */
export type QueryLeaf = TermNode | WildcardNode | ExistsNode | RangeNode | CidrNode;
