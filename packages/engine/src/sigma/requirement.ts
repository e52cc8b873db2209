import type { Matcher } from './types.ts';

/**
 * What a compiled matcher's match implies about the event: the field in `slot`, lowercased, is
 * one of `literals` (for a list field: one of its elements is). Worked out as rules compile, from
 * plain equality items (`event.action: ssh_login`, no modifiers) through the ANDs and ORs above
 * them, so detection can skip, with one lookup per field, the rules an event cannot match (most
 * of them). Only necessary conditions are recorded: where none can be told (an OR over different
 * fields, NOT, wildcards, modifiers), a matcher has none and always runs.
 */
export interface Requirement {
  readonly slot: number;
  readonly literals: ReadonlySet<string>;
}

const NONE: readonly Requirement[] = [];
const requirements = new WeakMap<Matcher, readonly Requirement[]>();

/** `matcher`, noted as requiring each of `found`. */
export function withRequirements(matcher: Matcher, found: readonly Requirement[]): Matcher {
  if (found.length > 0) requirements.set(matcher, found);
  return matcher;
}

/** Everything a matcher's match is known to imply (each one holds when it matches). */
export function requirementsOf(matcher: Matcher): readonly Requirement[] {
  return requirements.get(matcher) ?? NONE;
}

/** All of `matchers` hold: each one's requirements hold. */
export function requirementsOfAll(matchers: readonly Matcher[]): Requirement[] {
  return matchers.flatMap((matcher) => requirementsOf(matcher));
}

/** One of `matchers` holds: for a field every one of them requires, one of all their literals for it. */
export function requirementsOfAny(matchers: readonly Matcher[]): Requirement[] {
  const [first, ...others] = matchers.map((matcher) => requirementsOf(matcher));
  const found: Requirement[] = [];
  for (const { slot, literals } of first ?? NONE) {
    const alternatives = others.map((list) => list.find((requirement) => requirement.slot === slot));
    if (alternatives.some((requirement) => requirement === undefined)) continue;
    found.push({ slot, literals: new Set([...literals, ...alternatives.flatMap((requirement) => [...requirement!.literals])]) });
  }
  return found;
}
