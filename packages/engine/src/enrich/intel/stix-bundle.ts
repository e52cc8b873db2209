import { intelErrors } from './errors.ts';
import { LoadTally, toIsoDate, type EntryLocation, type Indicator, type LoadResult } from './indicator.ts';
import { parseIndicatorValue, type RequestedType } from './normalize.ts';
import { parseStixPattern, type ComparisonExpression, type Literal, type ObjectPath, type ObservationExpression } from './stix-pattern.ts';

/** How to read STIX content. */
export interface StixOptions {
  /** The feed's name, the indicators' `source`. */
  source: string;
  /** Confidence of indicators without one. */
  defaultConfidence: number;
  /** Where the content came from, for error messages. */
  location?: string;
  nowMs?: number;
}

/** A value a pattern reduces to, with the type its object path says. */
export interface PatternValue {
  readonly type: RequestedType;
  readonly value: string;
}

/**
 * The single values a pattern matches on. Only OR keeps values usable on their own, so
 * values are taken from OR-joined `=`, `IN` and (for addresses) `ISSUBSET` tests; AND,
 * FOLLOWEDBY, qualifiers, NOT and other operators are listed as unsupported parts.
 */
export function patternValues(pattern: ObservationExpression): { values: PatternValue[]; unsupported: string[] } {
  const found = { values: [] as PatternValue[], unsupported: [] as string[] };
  observationValues(pattern, found);
  return found;
}

function observationValues(expression: ObservationExpression, found: { values: PatternValue[]; unsupported: string[] }): void {
  if (expression.qualifiers.length > 0) {
    found.unsupported.push(`the ${expression.qualifiers.map((q) => q.kind.toUpperCase()).join(', ')} qualifier needs more than one sighting`);
  } else if (expression.kind === 'or') {
    for (const operand of expression.operands) observationValues(operand, found);
  } else if (expression.kind === 'observation') {
    comparisonValues(expression.comparison, found);
  } else {
    found.unsupported.push(`${expression.kind.toUpperCase()} between observations needs more than one indicator`);
  }
}

function comparisonValues(expression: ComparisonExpression, found: { values: PatternValue[]; unsupported: string[] }): void {
  if (expression.kind === 'or') {
    for (const operand of expression.operands) comparisonValues(operand, found);
    return;
  }
  const reason = unsupportedReason(expression);
  if (reason !== undefined || expression.kind !== 'test') {
    found.unsupported.push(reason ?? 'not a property test');
    return;
  }
  const type = pathType(expression.path)!;
  const { operator, value } = expression;
  if (Array.isArray(value)) {
    for (const item of value) found.values.push({ type, value: String(item.value) });
  } else {
    found.values.push({ type: operator === 'ISSUBSET' ? 'cidr' : type, value: String((value as Literal).value) });
  }
}

/** Why a comparison gives no single values, or undefined when it does. */
function unsupportedReason(expression: ComparisonExpression): string | undefined {
  if (expression.kind === 'and') return 'AND inside an observation needs more than one indicator';
  if (expression.kind === 'exists') return `EXISTS ${formatPath(expression.path)}`;
  if (expression.kind !== 'test') return undefined;
  const { operator, value, path } = expression;
  const type = pathType(path);
  if (type === undefined) return `${formatPath(path)} is not a property Vigil matches on`;
  if (expression.negated) return `NOT ${operator} on ${formatPath(path)}`;
  const strings = (Array.isArray(value) ? value : [value]).every((item: Literal) => item.type === 'string');
  const usable = operator === '=' || operator === 'IN' || (operator === 'ISSUBSET' && (type === 'ipv4' || type === 'ipv6'));
  return usable && strings ? undefined : `${operator} on ${formatPath(path)}`;
}

const HASH_NAMES: Readonly<Record<string, RequestedType>> = { MD5: 'md5', SHA1: 'sha1', 'SHA-1': 'sha1', SHA256: 'sha256', 'SHA-256': 'sha256' };
const VALUE_TYPES: Readonly<Record<string, RequestedType>> = { 'ipv4-addr': 'ipv4', 'ipv6-addr': 'ipv6', 'domain-name': 'domain', url: 'url' };

function pathType(path: ObjectPath): RequestedType | undefined {
  const [first, second] = path.steps;
  if (path.steps.length === 1 && first === 'value' && Object.hasOwn(VALUE_TYPES, path.objectType)) return VALUE_TYPES[path.objectType];
  if (path.objectType === 'file' && path.steps.length === 2 && first === 'hashes' && typeof second === 'string') {
    const name = second.toUpperCase();
    return Object.hasOwn(HASH_NAMES, name) ? HASH_NAMES[name] : undefined;
  }
  return undefined;
}

function formatPath(path: ObjectPath): string {
  const steps = path.steps.map((step) => (typeof step === 'string' ? (/^[a-z_][a-z0-9_]*$/i.test(step) ? `.${step}` : `.'${step}'`) : `[${step.index}]`));
  return `${path.objectType}:${steps.join('').slice(1)}`;
}

/** A STIX indicator object as Vigil reads it: its id and version, and the indicators its pattern gives. */
export interface StixIndicatorObject {
  readonly id: string;
  readonly modified: string | undefined;
  readonly revoked: boolean;
  /** Empty when revoked or when nothing in the pattern is usable. */
  readonly indicators: Indicator[];
}

type Json = Record<string, unknown>;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

/**
 * Reads one STIX object; undefined for anything but an indicator. Problems (bad pattern, bad
 * value, unsupported parts) are counted in `tally`; expired indicators are returned, and the
 * caller's `tally.add` leaves them out.
 */
export function readStixIndicator(object: unknown, where: EntryLocation, options: StixOptions, tally: LoadTally): StixIndicatorObject | undefined {
  if (typeof object !== 'object' || object === null || (object as Json).type !== 'indicator') return undefined;
  const stix = object as Json;
  tally.result.entries++;
  const id = text(stix.id) ?? '';
  const modified = text(stix.modified);
  if (stix.revoked === true) {
    tally.result.revoked++;
    return { id, modified, revoked: true, indicators: [] };
  }
  const patternType = stix.pattern_type ?? 'stix';
  if (patternType !== 'stix') {
    tally.unsupported(where, `pattern_type '${String(patternType)}' (only 'stix' patterns are read)`);
    return { id, modified, revoked: false, indicators: [] };
  }
  if (typeof stix.pattern !== 'string') return reject(tally, where, 'no pattern', id, modified);
  const parsed = parseStixPattern(stix.pattern);
  if (!parsed.ok) return reject(tally, where, `bad pattern: ${parsed.reason}`, id, modified);
  const validUntil = toIsoDate(stix.valid_until);
  if (stix.valid_until !== undefined && validUntil === undefined) return reject(tally, where, `valid_until '${String(stix.valid_until)}' is not a date`, id, modified);
  const confidence = typeof stix.confidence === 'number' && stix.confidence >= 0 && stix.confidence <= 100 ? Math.round(stix.confidence) : options.defaultConfidence;
  const description = text(stix.description) ?? text(stix.name);
  const tags = Array.isArray(stix.labels) ? stix.labels.filter((label): label is string => typeof label === 'string') : [];
  const reference = Array.isArray(stix.external_references) ? stix.external_references.map((ref: Json) => text(ref?.url)).find((url) => url !== undefined) : undefined;
  const firstSeen = toIsoDate(stix.created);
  const lastSeen = toIsoDate(stix.modified);

  const { values, unsupported } = patternValues(parsed.pattern);
  for (const reason of unsupported) tally.unsupported(where, reason);
  const indicators: Indicator[] = [];
  for (const candidate of values) {
    const value = parseIndicatorValue(candidate.type, candidate.value);
    if (!value.ok) {
      tally.reject(where, value.reason);
      continue;
    }
    indicators.push({
      type: value.type,
      value: value.value,
      source: options.source,
      confidence,
      ...(description !== undefined && { description }),
      ...(firstSeen !== undefined && { first_seen: firstSeen }),
      ...(lastSeen !== undefined && { last_seen: lastSeen }),
      ...(validUntil !== undefined && { valid_until: validUntil }),
      ...(tags.length > 0 && { tags }),
      ...(reference !== undefined && { reference }),
      ...(id !== '' && { id }),
    });
  }
  return { id, modified, revoked: false, indicators };
}

function reject(tally: LoadTally, where: EntryLocation, reason: string, id: string, modified: string | undefined): StixIndicatorObject {
  tally.reject(where, reason);
  return { id, modified, revoked: false, indicators: [] };
}

/** Where a STIX object sits in a list: `objects[3] (indicator--…)`. */
export function stixLocation(object: unknown, position: number): EntryLocation {
  const id = typeof object === 'object' && object !== null ? text((object as Json).id) : undefined;
  return { entry: id === undefined ? `objects[${position}]` : `objects[${position}] (${id})` };
}

/** Reads the indicators of a list of STIX objects (a bundle's or a TAXII envelope's `objects`). */
export function parseStixObjects(objects: readonly unknown[], options: StixOptions): LoadResult {
  const tally = new LoadTally(options.nowMs ?? Date.now());
  objects.forEach((object, position) => {
    const read = readStixIndicator(object, stixLocation(object, position), options, tally);
    for (const indicator of read?.indicators ?? []) tally.add(indicator);
  });
  return tally.result;
}

/** Reads a STIX 2.1 bundle (`{"type": "bundle", "objects": [...]}`); throws only when it is not JSON or not a bundle. */
export function parseStixBundle(content: string, options: StixOptions): LoadResult {
  const unreadable = (reason: string) => intelErrors.create('VIGIL_ERR_INTEL_FEED_UNREADABLE', { location: options.location ?? options.source, reason });
  let bundle: unknown;
  try {
    bundle = JSON.parse(content);
  } catch (error) {
    throw unreadable(`not JSON (${(error as Error).message})`);
  }
  if (typeof bundle !== 'object' || bundle === null || (bundle as Json).type !== 'bundle') throw unreadable('not a STIX bundle (no "type": "bundle")');
  const objects = (bundle as Json).objects ?? [];
  if (!Array.isArray(objects)) throw unreadable('the bundle\'s "objects" is not a list');
  return parseStixObjects(objects, options);
}
