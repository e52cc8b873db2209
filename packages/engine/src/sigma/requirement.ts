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
/** Where a matcher requires nothing that always holds: requirements one of which does (an OR over different fields, one per branch). */
const alternatives = new WeakMap<Matcher, readonly Requirement[]>();

/** `matcher`, noted as requiring each of `found`. */
export function withRequirements(matcher: Matcher, found: readonly Requirement[]): Matcher {
  if (found.length > 0) requirements.set(matcher, found);
  return matcher;
}

/** Everything a matcher's match is known to imply (each one holds when it matches). */
export function requirementsOf(matcher: Matcher): readonly Requirement[] {
  return requirements.get(matcher) ?? NONE;
}

/**
 * Requirements one of which holds whenever `matcher` matches; undefined when nothing can be
 * told. A logsource's condition `event.module: sshd OR process.name: sshd OR …` requires no
 * single field, but an event meeting none of the three cannot match it.
 */
export function alternativesOf(matcher: Matcher): readonly Requirement[] | undefined {
  const required = requirementsOf(matcher);
  // One of several requirements that all hold is a choice of one: the narrowest.
  return required.length > 0 ? [narrowest(required)] : alternatives.get(matcher);
}

/** `matcher`, which matches when all of `parts` do: it requires what each of them requires. */
export function withRequirementsOfAll(matcher: Matcher, parts: readonly Matcher[]): Matcher {
  const found = parts.flatMap((part) => requirementsOf(part));
  if (found.length > 0) return withRequirements(matcher, found);
  // No part requires a field, but a part's alternatives hold whenever the whole does.
  const choices = parts.map(alternativesOf).filter((choice) => choice !== undefined);
  if (choices.length > 0) alternatives.set(matcher, choices.reduce((best, choice) => (choice.length < best.length ? choice : best)));
  return matcher;
}

/**
 * `matcher`, which matches when one of `parts` does: it requires a field every part requires,
 * with all their literals; failing that, one of the parts' requirements holds.
 */
export function withRequirementsOfAny(matcher: Matcher, parts: readonly Matcher[]): Matcher {
  const [first, ...others] = parts.map((part) => requirementsOf(part));
  const found: Requirement[] = [];
  for (const { slot, literals } of first ?? NONE) {
    const alternativesHere = others.map((list) => list.find((requirement) => requirement.slot === slot));
    if (alternativesHere.some((requirement) => requirement === undefined)) continue;
    found.push({ slot, literals: new Set([...literals, ...alternativesHere.flatMap((requirement) => [...requirement!.literals])]) });
  }
  if (found.length > 0) return withRequirements(matcher, found);
  const choices = parts.map(alternativesOf);
  if (choices.every((choice) => choice !== undefined)) alternatives.set(matcher, choices.flat());
  return matcher;
}

function narrowest(found: readonly Requirement[]): Requirement {
  return found.reduce((best, requirement) => (requirement.literals.size < best.literals.size ? requirement : best));
}
