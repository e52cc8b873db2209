import type { MessageParser } from './parser.ts';
import { FORMAT_PARSERS } from './formats/index.ts';
import { sshdParser } from './sshd.ts';
import { SYSTEM_PARSERS } from './system/index.ts';

/** The parsers an edge ships with. Program-specific parsers come first, so content probes try them first. */
export const DEFAULT_PARSERS: readonly MessageParser[] = [sshdParser, ...SYSTEM_PARSERS, ...FORMAT_PARSERS];

/** How a parser was chosen: by program name (it owns the message) or by content (a guess). */
export interface ParserChoice {
  parser: MessageParser;
  by: 'program' | 'content';
}

/** Chooses the parser for a message: by the syslog program name first, then by content. */
export class ParserRegistry {
  readonly #byProgram = new Map<string, MessageParser>();
  readonly #byName = new Map<string, MessageParser>();
  readonly #parsers: readonly MessageParser[];

  constructor(parsers: readonly MessageParser[] = DEFAULT_PARSERS) {
    this.#parsers = parsers;
    for (const parser of parsers) {
      this.#byName.set(parser.name, parser);
      for (const program of parser.programs) this.#byProgram.set(program, parser);
    }
  }

  /** The parser called `name` (its `vigil.parse.parser` value), for input that says its format. */
  byName(name: string): MessageParser | undefined {
    return this.#byName.get(name);
  }

  /** Every parser's name, for error messages and documentation. */
  names(): string[] {
    return [...this.#byName.keys()];
  }

  choose(program: string | undefined, message: string): ParserChoice | undefined {
    if (program !== undefined) {
      const owner = this.#byProgram.get(program);
      if (owner) return { parser: owner, by: 'program' };
    }
    for (const parser of this.#parsers) if (parser.probe(message)) return { parser, by: 'content' };
    return undefined;
  }
}
