import { getField, type EcsEvent } from '@vigil/schema';
import { NetworkSet, parseCidr, type Cidr } from './cidr.ts';
import type { Condition, Scalar } from './config.ts';
import { compileFilterRegex } from './regex-guard.ts';

/** A compiled condition: true when the event meets it. */
export type Predicate = (event: EcsEvent) => boolean;

/** A test on one field value (an array's elements are tested one by one). */
type ValueTest = (value: unknown) => boolean;

/**
 * Compiles a condition (already checked by the config schema) once: regexes are built, CIDRs
 * parsed into a BlockList, `equals` values put in a Set, so evaluating it allocates nothing.
 */
export function compileCondition(condition: Condition, maxRegexInputChars: number): Predicate {
  if (condition.all) {
    const parts = condition.all.map((part) => compileCondition(part, maxRegexInputChars));
    return (event) => parts.every((part) => part(event));
  }
  if (condition.any) {
    const parts = condition.any.map((part) => compileCondition(part, maxRegexInputChars));
    return (event) => parts.some((part) => part(event));
  }
  if (condition.not) {
    const inner = compileCondition(condition.not, maxRegexInputChars);
    return (event) => !inner(event);
  }
  const field = condition.field!;
  const tests: ValueTest[] = [];
  if (condition.equals !== undefined) tests.push(equalsTest(condition.equals));
  if (condition.matches !== undefined) tests.push(matchesTest(condition.matches, maxRegexInputChars));
  if (condition.cidr !== undefined) tests.push(cidrTest(condition.cidr));
  const exists = condition.exists;
  return (event) => {
    const value = getField(event, field);
    if (exists !== undefined && isSet(value) !== exists) return false;
    for (const test of tests) if (!anyElement(value, test)) return false;
    return true;
  };
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

function anyElement(value: unknown, test: ValueTest): boolean {
  if (Array.isArray(value)) return value.some(test);
  return test(value);
}

function equalsTest(expected: Scalar | Scalar[]): ValueTest {
  const values = new Set<unknown>(Array.isArray(expected) ? expected : [expected]);
  return (value) => values.has(value);
}

function matchesTest(pattern: string, maxChars: number): ValueTest {
  const regex = compileFilterRegex(pattern);
  return (value) => {
    if (typeof value === 'string') return regex.test(value.length > maxChars ? value.slice(0, maxChars) : value);
    if (typeof value === 'number' || typeof value === 'boolean') return regex.test(String(value));
    return false;
  };
}

function cidrTest(cidr: string | string[]): ValueTest {
  const networks = (Array.isArray(cidr) ? cidr : [cidr]).map((text) => parseCidr(text) as Cidr);
  const set = new NetworkSet(networks);
  return (value) => set.has(value);
}
