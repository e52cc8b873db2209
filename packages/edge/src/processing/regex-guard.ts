/**
 * Guards filter regexes against catastrophic backtracking. V8's regex engine backtracks, and a
 * filter runs on text an attacker can choose (any syslog sender), so one bad pattern could stall
 * the edge for minutes per line. Two guards:
 *
 * 1. At config time, patterns with the shapes that backtrack *exponentially* are refused: a
 *    group that holds a quantifier or an alternation and is itself repeated without bound
 *    (`(a+)+`, `(\w+\s?)*`, `(a|ab)*`), and the same atom repeated twice in a row (`\s*\s*`,
 *    `.*.*`), which is polynomial with a steep degree and never needed.
 * 2. At match time only the first `maxRegexInputChars` characters of a value are tested, which
 *    bounds the remaining polynomial cases (`x.*a.*b` is O(n³) on a hostile line: ~0.15 s at
 *    1024 characters, ~0.9 s at 2048, which is why the default is 1024).
 *
 * A leading `.*` is also dropped before compiling: for an unanchored test it changes nothing
 * but multiplies the work by the line length (`.*a.*b`: 2.3 s on 2048 hostile characters, `a.*b`: 3 ms).
 * No cheap static check proves a backtracking regex linear, so the cap is the backstop; keep
 * patterns anchored and specific.
 */

/** Flags every filter regex is compiled with: Unicode mode, so `\p{L}` works and typos are errors. */
export const FILTER_REGEX_FLAGS = 'u';

const LEADING_WILDCARDS = /^(?:\.\*\??)+/;

/** Compiles an accepted filter regex for `test()`, without a leading `.*` (see above). */
export function compileFilterRegex(pattern: string): RegExp {
  return new RegExp(pattern.replace(LEADING_WILDCARDS, ''), FILTER_REGEX_FLAGS);
}

/** Why `pattern` is refused as a filter regex, or undefined when it is accepted. */
export function checkFilterRegex(pattern: string): string | undefined {
  try {
    new RegExp(pattern, FILTER_REGEX_FLAGS);
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message}`;
  }
  return findBacktrackingShape(pattern);
}

interface Group {
  start: number;
  /** The group holds a quantifier or an alternation. */
  ambiguous: boolean;
}

interface Quantifier {
  end: number;
  unbounded: boolean;
}

/** Scans a pattern that compiled in Unicode mode (so `{` is always a quantifier and classes do not nest). */
function findBacktrackingShape(pattern: string): string | undefined {
  const stack: Group[] = [{ start: 0, ambiguous: false }];
  let previousUnbounded: string | undefined;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    let atomEnd: number;
    let groupAmbiguous = false;
    if (c === '(') {
      stack.push({ start: i, ambiguous: false });
      i = groupBodyStart(pattern, i);
      previousUnbounded = undefined;
      continue;
    } else if (c === '|') {
      stack[stack.length - 1]!.ambiguous = true;
      i++;
      previousUnbounded = undefined;
      continue;
    } else if (c === '^' || c === '$') {
      i++;
      previousUnbounded = undefined;
      continue;
    } else if (c === ')') {
      const group = stack.pop()!;
      groupAmbiguous = group.ambiguous;
      atomEnd = i + 1;
      i = group.start;
    } else if (c === '\\') {
      atomEnd = escapeEnd(pattern, i);
    } else if (c === '[') {
      atomEnd = classEnd(pattern, i);
    } else {
      atomEnd = i + 1;
    }
    const atom = pattern.slice(i, atomEnd);
    const top = stack[stack.length - 1]!;
    if (groupAmbiguous) top.ambiguous = true;
    const quantifier = readQuantifier(pattern, atomEnd);
    if (!quantifier) {
      previousUnbounded = undefined;
      i = atomEnd;
      continue;
    }
    const quantified = pattern.slice(i, quantifier.end);
    if (quantifier.unbounded && groupAmbiguous) {
      return `${quantified} repeats a group that holds a quantifier or an alternation, which can backtrack exponentially; rewrite it without the nesting (e.g. [\\w\\s]* instead of (\\w+\\s?)*)`;
    }
    if (quantifier.unbounded && previousUnbounded === atom) {
      return `${atom} is repeated twice in a row without bound, which backtracks steeply on long input; use a single ${quantified}`;
    }
    top.ambiguous = true;
    previousUnbounded = quantifier.unbounded ? atom : undefined;
    i = quantifier.end;
  }
  return undefined;
}

/** Skips a group's opening: `(`, `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!`, `(?<name>`, `(?i:`, `(?i-m:`. */
function groupBodyStart(pattern: string, open: number): number {
  if (pattern[open + 1] !== '?') return open + 1;
  const next = pattern[open + 2];
  if (next === ':' || next === '=' || next === '!') return open + 3;
  if (next === '<') {
    const after = pattern[open + 3];
    if (after === '=' || after === '!') return open + 4;
    return pattern.indexOf('>', open + 3) + 1;
  }
  return pattern.indexOf(':', open + 2) + 1;
}

function escapeEnd(pattern: string, start: number): number {
  const kind = pattern[start + 1];
  if ((kind === 'u' || kind === 'p' || kind === 'P') && pattern[start + 2] === '{') return pattern.indexOf('}', start + 2) + 1;
  if (kind === 'k' && pattern[start + 2] === '<') return pattern.indexOf('>', start + 2) + 1;
  if (kind === 'u') return start + 6;
  if (kind === 'x') return start + 4;
  if (kind === 'c') return start + 3;
  let end = start + 2;
  if (kind !== undefined && kind >= '1' && kind <= '9') while (end < pattern.length && pattern[end]! >= '0' && pattern[end]! <= '9') end++;
  return end;
}

function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
  return i + 1;
}

function readQuantifier(pattern: string, at: number): Quantifier | undefined {
  const c = pattern[at];
  let end: number;
  let unbounded: boolean;
  if (c === '*' || c === '+') {
    end = at + 1;
    unbounded = true;
  } else if (c === '?') {
    end = at + 1;
    unbounded = false;
  } else if (c === '{') {
    const close = pattern.indexOf('}', at);
    const body = pattern.slice(at + 1, close);
    end = close + 1;
    unbounded = body.endsWith(',');
  } else {
    return undefined;
  }
  if (pattern[end] === '?') end++;
  return { end, unbounded };
}
