import type { EcsEvent } from '@vigil/schema';

/**
 * A program parser: turns the free-text message of one program (after the syslog header) into
 * ECS fields. Returns null when it does not recognise the message; the event then keeps its
 * syslog fields and `event.original` with `vigil.parse.status: partial`.
 */
export interface MessageParser {
  /** Recorded as `vigil.parse.parser`. */
  readonly name: string;
  /** Syslog APP-NAME / tag values this parser is chosen for. */
  readonly programs: readonly string[];
  /** A cheap check used when the program name is missing or unknown. */
  probe(message: string): boolean;
  parse(message: string): EcsEvent | null;
}
