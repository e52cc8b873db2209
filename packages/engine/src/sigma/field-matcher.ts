import { cidrMatcher } from '../net/cidr.ts';
import { scalarText, type EventContext, type FieldTable } from './event-context.ts';
import { applyTransforms, type ModifierSet, type TimePart } from './modifiers.ts';
import { withRequirements, type Requirement } from './requirement.ts';
import type { Matcher } from './types.ts';
import { compilePattern, literalOf, literalTokens, parseSigmaString, positioned } from './wildcard.ts';

/**
 * Compiles one detection item (`field|modifiers: value-or-values`) into a matcher. Values of a
 * list are alternatives (OR) unless `all` is given; an array-valued event field matches when
 * any element does. Keyword items (no field) search `message` and `event.original`.
 */

/** Fields a keyword (field-less) value is searched in. */
export const KEYWORD_FIELDS = ['message', 'event.original'] as const;

type ValueTest =
  | { kind: 'lower'; test: (value: string) => boolean; literal?: string }
  | { kind: 'text'; test: (value: string) => boolean }
  | { kind: 'raw'; test: (value: unknown, ctx: EventContext) => boolean }
  | { kind: 'absent' };

/** Compiles a detection item, or returns why it cannot be compiled. */
export function compileItem(field: string | undefined, modifiers: ModifierSet, values: readonly unknown[], table: FieldTable): Matcher | string {
  const slots = field === undefined ? KEYWORD_FIELDS.map((name) => table.slot(name)) : [table.slot(field)];
  if (values.length === 0) return 'a field needs at least one value';
  if (modifiers.exists) {
    if (values.length !== 1 || typeof values[0] !== 'boolean') return "modifier 'exists' takes true or false";
    const want = values[0];
    const slot = slots[0]!;
    return (ctx) => (ctx.raw(slot) !== undefined) === want;
  }
  const tests: ValueTest[] = [];
  for (const value of values) {
    const compiled = compileValue(value, modifiers, field === undefined, table);
    if (typeof compiled === 'string') return compiled;
    tests.push(...compiled);
  }
  const perValue = modifiers.all ? tests.map((test) => [test]) : [mergeLiterals(tests)];
  const matchers = perValue.map((group) => anyOfSlots(slots, group));
  const combined = modifiers.all ? allOf(matchers) : matchers[0]!;
  if (!modifiers.neq) return withRequirements(combined, field === undefined || modifiers.all ? [] : literalRequirement(slots[0]!, tests));
  return (ctx) => slots.some((slot) => present(ctx.raw(slot))) && !combined(ctx);
}

function compileValue(value: unknown, modifiers: ModifierSet, keyword: boolean, table: FieldTable): ValueTest[] | string {
  if (value === null) {
    if (keyword || modifiers.position !== 'exact' || modifiers.transforms.length > 0 || modifiers.regex || modifiers.cidr) return 'null cannot be combined with string modifiers';
    return [{ kind: 'absent' }];
  }
  if (typeof value === 'object') return 'values must be strings, numbers, booleans or null';
  if (modifiers.fieldref) {
    if (typeof value !== 'string') return "modifier 'fieldref' takes field names";
    const other = table.slot(value);
    return [{ kind: 'raw', test: fieldEquals(other) }];
  }
  if (modifiers.regex) return compileRegex(value, modifiers.regex.flags);
  if (modifiers.cidr) return compileCidr(value);
  if (modifiers.compare || modifiers.timePart) return compileNumeric(value, modifiers);
  if (typeof value === 'boolean' && !keyword && modifiers.position === 'exact') {
    const text = String(value);
    return [{ kind: 'raw', test: (raw) => raw === value || (typeof raw === 'string' && raw.toLowerCase() === text) }];
  }
  if (typeof value === 'number' && !keyword && modifiers.position === 'exact' && modifiers.transforms.length === 0) {
    const text = String(value);
    return [{ kind: 'raw', test: (raw) => (typeof raw === 'number' ? raw === value : scalarText(raw) === text) }];
  }
  return compileString(String(value), modifiers, keyword);
}

function compileString(value: string, modifiers: ModifierSet, keyword: boolean): ValueTest[] | string {
  const transformed = applyTransforms(value, modifiers.transforms);
  if (typeof transformed === 'string') return transformed;
  // Keywords are full-text searches: a bare keyword matches anywhere in the message.
  const position = keyword && modifiers.position === 'exact' ? 'contains' : modifiers.position;
  const cased = modifiers.cased || transformed.encoded;
  return transformed.values.map((variant) => {
    const tokens = positioned(transformed.encoded ? literalTokens(variant) : parseSigmaString(variant), position);
    const test = compilePattern(tokens, cased);
    if (cased) return { kind: 'text', test };
    const literal = literalOf(tokens);
    return literal === undefined ? { kind: 'lower', test } : { kind: 'lower', test, literal: literal.toLowerCase() };
  });
}

function compileRegex(value: unknown, flags: string): ValueTest[] | string {
  if (typeof value !== 'string') return "modifier 're' takes a string";
  let source = value;
  let allFlags = flags;
  // PCRE-style leading inline flags, common in community rules, become RegExp flags.
  const inline = /^\(\?([ims]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    allFlags += inline[1];
  }
  try {
    const regex = new RegExp(source, [...new Set(allFlags)].join(''));
    return [{ kind: 'text', test: (text) => regex.test(text) }];
  } catch (error) {
    return `invalid regular expression ${JSON.stringify(value)}: ${(error as Error).message}`;
  }
}

function compileCidr(value: unknown): ValueTest[] | string {
  const test = typeof value === 'string' ? cidrMatcher(value) : undefined;
  if (!test) return typeof value === 'string' ? `invalid CIDR network ${JSON.stringify(value)}` : "modifier 'cidr' takes a network like 10.0.0.0/8";
  return [{ kind: 'text', test }];
}

function compileNumeric(value: unknown, modifiers: ModifierSet): ValueTest[] | string {
  const wanted = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (Number.isNaN(wanted)) return `numeric modifiers take a number, not ${JSON.stringify(value)}`;
  const part = modifiers.timePart;
  const compare = modifiers.compare;
  const toNumber = part ? (raw: unknown) => timePart(raw, part) : numberOf;
  return [
    {
      kind: 'raw',
      test: (raw) => {
        const actual = toNumber(raw);
        if (actual === undefined) return false;
        switch (compare) {
          case 'lt':
            return actual < wanted;
          case 'lte':
            return actual <= wanted;
          case 'gt':
            return actual > wanted;
          case 'gte':
            return actual >= wanted;
          default:
            return actual === wanted;
        }
      },
    },
  ];
}

function numberOf(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && raw.trim() !== '') {
    const parsed = Number(raw);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

function timePart(raw: unknown, part: TimePart): number | undefined {
  const ms = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) return undefined;
  const date = new Date(ms);
  switch (part) {
    case 'minute':
      return date.getUTCMinutes();
    case 'hour':
      return date.getUTCHours();
    case 'day':
      return date.getUTCDate();
    case 'month':
      return date.getUTCMonth() + 1;
    case 'year':
      return date.getUTCFullYear();
    case 'week':
      return isoWeek(date);
  }
}

function isoWeek(date: Date): number {
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  const thursday = day - weekday * 86_400_000 + 3 * 86_400_000;
  const yearStart = Date.UTC(new Date(thursday).getUTCFullYear(), 0, 1);
  return 1 + Math.floor((thursday - yearStart) / (7 * 86_400_000));
}

function fieldEquals(otherSlot: number): (raw: unknown, ctx: EventContext) => boolean {
  return (raw, ctx) => {
    const other = ctx.raw(otherSlot);
    const text = scalarText(raw);
    if (text === undefined) return false;
    if (Array.isArray(other)) return other.some((element) => scalarText(element) === text);
    return scalarText(other) === text;
  };
}

/** The field's lowercased value is one of the literals, when every value is an exact case-insensitive literal. */
function literalRequirement(slot: number, tests: readonly ValueTest[]): Requirement[] {
  const literals = new Set<string>();
  for (const test of tests) {
    if (test.kind !== 'lower' || test.literal === undefined) return [];
    literals.add(test.literal);
  }
  return literals.size > 0 ? [{ slot, literals }] : [];
}

/** Folds exact case-insensitive literals into one Set lookup; other tests stay as they are. */
function mergeLiterals(tests: readonly ValueTest[]): ValueTest[] {
  const literals = tests.filter((test): test is ValueTest & { kind: 'lower'; literal: string } => test.kind === 'lower' && test.literal !== undefined);
  if (literals.length < 2) return [...tests];
  const set = new Set(literals.map((test) => test.literal));
  const rest = tests.filter((test) => !(test.kind === 'lower' && test.literal !== undefined));
  return [{ kind: 'lower', test: (value) => set.has(value) }, ...rest];
}

function anyOfSlots(slots: readonly number[], tests: readonly ValueTest[]): Matcher {
  const perSlot = slots.map((slot) => anyOfTests(slot, tests));
  if (perSlot.length === 1) return perSlot[0]!;
  return (ctx) => {
    for (const matcher of perSlot) if (matcher(ctx)) return true;
    return false;
  };
}

function anyOfTests(slot: number, tests: readonly ValueTest[]): Matcher {
  const matchers = tests.map((test) => testOnSlot(slot, test));
  if (matchers.length === 1) return matchers[0]!;
  return (ctx) => {
    for (const matcher of matchers) if (matcher(ctx)) return true;
    return false;
  };
}

function testOnSlot(slot: number, test: ValueTest): Matcher {
  switch (test.kind) {
    case 'absent':
      return (ctx) => !present(ctx.raw(slot));
    case 'lower': {
      const check = test.test;
      return (ctx) => {
        const value = ctx.lower(slot);
        if (typeof value === 'string') return check(value);
        if (value === undefined) return false;
        // Indexed: lists may be frozen (shared between events), and for-of over those allocates an iterator.
        for (let i = 0; i < value.length; i++) {
          const element = value[i];
          if (element !== undefined && check(element)) return true;
        }
        return false;
      };
    }
    case 'text': {
      const check = test.test;
      return (ctx) => {
        const raw = ctx.raw(slot);
        if (Array.isArray(raw)) {
          for (let i = 0; i < raw.length; i++) {
            const text = scalarText(raw[i]);
            if (text !== undefined && check(text)) return true;
          }
          return false;
        }
        const text = scalarText(raw);
        return text !== undefined && check(text);
      };
    }
    case 'raw': {
      const check = test.test;
      return (ctx) => {
        const raw = ctx.raw(slot);
        if (Array.isArray(raw)) {
          for (let i = 0; i < raw.length; i++) if (check(raw[i], ctx)) return true;
          return false;
        }
        return raw !== undefined && raw !== null && check(raw, ctx);
      };
    }
  }
}

function allOf(matchers: readonly Matcher[]): Matcher {
  return (ctx) => {
    for (const matcher of matchers) if (!matcher(ctx)) return false;
    return true;
  };
}

function present(raw: unknown): boolean {
  return raw !== undefined && raw !== null && !(Array.isArray(raw) && raw.length === 0);
}
