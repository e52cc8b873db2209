import type { MessageParser } from './parser.ts';
import { sshdParser } from './sshd.ts';

/** The parsers an edge ships with. */
export const DEFAULT_PARSERS: readonly MessageParser[] = [sshdParser];

/** How a parser was chosen: by program name (it owns the message) or by content (a guess). */
export interface ParserChoice {
  parser: MessageParser;
  by: 'program' | 'content';
}

/** Chooses the parser for a message: by the syslog program name first, then by content. */
export class ParserRegistry {
  readonly #byProgram = new Map<string, MessageParser>();
  readonly #parsers: readonly MessageParser[];

  constructor(parsers: readonly MessageParser[] = DEFAULT_PARSERS) {
    this.#parsers = parsers;
    for (const parser of parsers) for (const program of parser.programs) this.#byProgram.set(program, parser);
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
