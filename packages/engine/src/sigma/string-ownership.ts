/**
 * Strings taken from an event's text that outlive the event. V8 makes a substring of 13
 * characters or more as a view of its parent, and a string joined from pieces as a tree of
 * them: either keeps the event's whole text (a kilobyte of JSON) alive for as long as whatever
 * holds the piece, long enough for the young generation's collections to copy and promote it.
 */

/**
 * `text` as one flat string, for text joined from slices of an event's text (the shown
 * event). Running a regular expression over a string flattens it in place: its pieces are
 * copied into it and let go, with no second copy made.
 */
export function flatText(text: string): string {
  NEWLINE.test(text);
  return text;
}

const NEWLINE = /\n/;

/** The shortest substring V8 makes as a view of its parent (`SlicedString::kMinLength`): shorter ones are copies. */
const SHORTEST_VIEW = 13;

/**
 * `text` copied when it may be a view of a longer string, for a value read from an event that
 * state keeps (a group-by value, a counted value, an event id): it then holds its own characters
 * only. Joining a character before it and slicing it off again makes V8 copy it flat.
 */
export function ownedText(text: string): string {
  return text.length < SHORTEST_VIEW ? text : ` ${text}`.slice(1);
}
