import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import type { RuleProblem, SourceLocation } from './types.ts';

/**
 * Reads one YAML document node by node so every problem can name its file, line and column.
 * Problems are collected, never thrown: loading reports all of them at once.
 */
export class YamlReader {
  readonly file: string;
  readonly problems: RuleProblem[];
  readonly #doc: Document;
  readonly #lines: LineCounter;
  /** The rule the problems belong to, once known. */
  rule: string | undefined;

  constructor(file: string, doc: Document, lines: LineCounter, problems: RuleProblem[]) {
    this.file = file;
    this.#doc = doc;
    this.#lines = lines;
    this.problems = problems;
  }

  /** The location of a node (or of an offset), 1-based. */
  locate(at: Node | number | null | undefined): SourceLocation {
    const offset = typeof at === 'number' ? at : (at?.range?.[0] ?? this.#doc.range?.[0] ?? 0);
    const { line, col } = this.#lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /** Records a problem at a node, optionally a number of characters into it. */
  problem(at: Node | number | null | undefined, message: string, extraColumns = 0): void {
    const location = this.locate(at);
    this.problems.push({ ...location, column: location.column + extraColumns, message, ...(this.rule ? { rule: this.rule } : {}) });
  }

  /** Follows an alias (`*anchor`) to the node it stands for. */
  resolve(node: unknown): Node | undefined {
    if (isAlias(node)) return this.resolve(node.resolve(this.#doc));
    return (node ?? undefined) as Node | undefined;
  }

  /** The root node of the document. */
  get root(): Node | undefined {
    return this.resolve(this.#doc.contents);
  }

  /** The pairs of a mapping, with string keys. */
  pairs(node: Node | undefined): { key: string; keyNode: Node; value: Node | undefined; pair: Pair }[] {
    if (!isMap(node)) return [];
    return (node as YAMLMap).items.map((pair) => {
      const keyNode = pair.key as Node;
      const key = isScalar(keyNode) ? String(keyNode.value ?? '') : String(keyNode);
      return { key, keyNode, value: this.resolve(pair.value), pair };
    });
  }

  /** The value node of `key` in a mapping. */
  get(node: Node | undefined, key: string): Node | undefined {
    return this.pairs(node).find((pair) => pair.key === key)?.value;
  }

  /** The key node of `key` in a mapping (for pointing at the key itself). */
  keyNode(node: Node | undefined, key: string): Node | undefined {
    return this.pairs(node).find((pair) => pair.key === key)?.keyNode;
  }

  /** The items of a sequence (aliases resolved). */
  items(node: Node | undefined): (Node | undefined)[] {
    if (!isSeq(node)) return [];
    return node.items.map((item) => this.resolve(item));
  }

  /** A plain JS value of a node (scalars, sequences, mappings). */
  value(node: Node | undefined): unknown {
    if (node === undefined) return undefined;
    return node.toJS(this.#doc);
  }

  /** A string value, or a problem and undefined. */
  string(node: Node | undefined, what: string, required = false): string | undefined {
    if (node === undefined) {
      if (required) this.problem(this.root, `${what} is required`);
      return undefined;
    }
    if (isScalar(node) && typeof node.value === 'string' && node.value !== '') return node.value;
    if (isScalar(node) && (typeof node.value === 'number' || node.value instanceof Date)) return String(node.value);
    this.problem(node, `${what} must be a non-empty string`);
    return undefined;
  }

  /** A list of strings; a single string is accepted as a list of one. */
  strings(node: Node | undefined, what: string): string[] {
    if (node === undefined) return [];
    if (isScalar(node)) {
      const single = this.string(node, what);
      return single === undefined ? [] : [single];
    }
    if (!isSeq(node)) {
      this.problem(node, `${what} must be a list of strings`);
      return [];
    }
    const result: string[] = [];
    for (const item of this.items(node)) {
      const text = this.string(item, `each entry of ${what}`);
      if (text !== undefined) result.push(text);
    }
    return result;
  }

  /** True when the node is a mapping. */
  isMap(node: Node | undefined): node is YAMLMap {
    return isMap(node);
  }

  /** True when the node is a sequence. */
  isSeq(node: Node | undefined): node is YAMLSeq {
    return isSeq(node);
  }
}
