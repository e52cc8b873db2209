/**
 * Sigma value modifiers (`field|contains|all`): parsing, validation and the value
 * transformations (windash, UTF-16, base64). Modifiers apply left to right, as in pySigma.
 */

/** Modifiers that say where in the field the value must appear. */
export const POSITION_MODIFIERS = ['contains', 'startswith', 'endswith'] as const;
/** Numeric comparison modifiers. */
export const COMPARE_MODIFIERS = ['lt', 'lte', 'gt', 'gte'] as const;
/** Modifiers that compare one part (UTC) of a date field. */
export const TIME_MODIFIERS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
const TRANSFORM_MODIFIERS = ['windash', 'base64', 'base64offset', 'wide', 'utf16le', 'utf16be', 'utf16'] as const;
const REGEX_FLAGS = ['i', 'm', 's'] as const;
const OTHER_MODIFIERS = ['all', 're', 'cidr', 'exists', 'cased', 'neq', 'fieldref', 'expand'] as const;

/** Where a string value must appear in the field. */
export type Position = 'exact' | (typeof POSITION_MODIFIERS)[number];
/** A numeric comparison. */
export type CompareOp = (typeof COMPARE_MODIFIERS)[number];
/** A part of a date. */
export type TimePart = (typeof TIME_MODIFIERS)[number];
/** A value transformation (encoding or dash variants). */
export type Transform = (typeof TRANSFORM_MODIFIERS)[number];

/** Every modifier Vigil understands. */
export const SUPPORTED_MODIFIERS: readonly string[] = [
  ...POSITION_MODIFIERS,
  ...COMPARE_MODIFIERS,
  ...TIME_MODIFIERS,
  ...TRANSFORM_MODIFIERS,
  ...REGEX_FLAGS,
  ...OTHER_MODIFIERS,
];

/** What a field's modifiers ask for. */
export interface ModifierSet {
  position: Position;
  transforms: Transform[];
  all: boolean;
  cased: boolean;
  neq: boolean;
  regex: { flags: string } | undefined;
  cidr: boolean;
  exists: boolean;
  fieldref: boolean;
  /** Values hold `%name%` placeholders, filled from the pipelines' vars (each value of a list is an alternative). */
  expand: boolean;
  compare: CompareOp | undefined;
  timePart: TimePart | undefined;
}

/** Parses a modifier chain, or returns the reason it is not valid. */
export function parseModifiers(names: readonly string[]): ModifierSet | string {
  const set: ModifierSet = {
    position: 'exact',
    transforms: [],
    all: false,
    cased: false,
    neq: false,
    regex: undefined,
    cidr: false,
    exists: false,
    fieldref: false,
    expand: false,
    compare: undefined,
    timePart: undefined,
  };
  const flags = new Set<string>();
  for (const name of names) {
    if (!SUPPORTED_MODIFIERS.includes(name)) return `unknown modifier '${name}'`;
    if (isOneOf(name, POSITION_MODIFIERS)) {
      if (set.position !== 'exact') return `modifiers '${set.position}' and '${name}' cannot be combined`;
      set.position = name;
    } else if (isOneOf(name, COMPARE_MODIFIERS)) {
      if (set.compare) return `modifiers '${set.compare}' and '${name}' cannot be combined`;
      set.compare = name;
    } else if (isOneOf(name, TIME_MODIFIERS)) {
      if (set.timePart) return `modifiers '${set.timePart}' and '${name}' cannot be combined`;
      set.timePart = name;
    } else if (isOneOf(name, TRANSFORM_MODIFIERS)) {
      set.transforms.push(name);
    } else if (isOneOf(name, REGEX_FLAGS)) {
      if (!set.regex) return `modifier '${name}' is a regular-expression flag and must follow 're'`;
      flags.add(name);
    } else if (name === 're') set.regex = { flags: '' };
    else if (name === 'all') set.all = true;
    else if (name === 'cidr') set.cidr = true;
    else if (name === 'exists') set.exists = true;
    else if (name === 'cased') set.cased = true;
    else if (name === 'neq') set.neq = true;
    else if (name === 'fieldref') set.fieldref = true;
    else if (name === 'expand') set.expand = true;
  }
  if (set.regex) set.regex.flags = [...flags].join('');
  return checkCombination(set);
}

function checkCombination(set: ModifierSet): ModifierSet | string {
  const stringShaping = set.position !== 'exact' || set.transforms.length > 0;
  if (set.exists && (stringShaping || set.regex || set.cidr || set.compare || set.timePart || set.fieldref || set.all || set.neq || set.expand)) {
    return "modifier 'exists' cannot be combined with other modifiers";
  }
  if (set.regex && (stringShaping || set.cidr || set.compare || set.timePart || set.fieldref || set.cased)) {
    return "modifier 're' cannot be combined with string, cidr, numeric or fieldref modifiers";
  }
  if (set.cidr && (stringShaping || set.compare || set.timePart || set.fieldref || set.cased)) {
    return "modifier 'cidr' cannot be combined with string, numeric or fieldref modifiers";
  }
  if ((set.compare || set.timePart) && (stringShaping || set.fieldref || set.cased)) {
    return 'numeric modifiers cannot be combined with string or fieldref modifiers';
  }
  if (set.fieldref && stringShaping) return "modifier 'fieldref' cannot be combined with string modifiers";
  return set;
}

function isOneOf<T extends string>(name: string, list: readonly T[]): name is T {
  return (list as readonly string[]).includes(name);
}

const WINDASH_VARIANTS = ['-', '/', '\u2013', '\u2014', '\u2015'];
const MAX_WINDASH_VARIANTS = 625;

/**
 * Applies the transformation modifiers to one value and returns the variants to match (any of
 * them). Encodings work on the plain string, so they refuse values with wildcards.
 */
export function applyTransforms(value: string, transforms: readonly Transform[]): { values: string[]; encoded: boolean } | string {
  let variants: (string | Buffer)[] = [value];
  let encoded = false;
  for (const transform of transforms) {
    if (transform === 'windash') {
      if (encoded) return "modifier 'windash' must come before encoding modifiers";
      variants = variants.flatMap((variant) => windash(String(variant)));
      if (variants.length > MAX_WINDASH_VARIANTS) return `modifier 'windash' would create more than ${MAX_WINDASH_VARIANTS} variants`;
      continue;
    }
    if (!encoded && variants.some((variant) => typeof variant === 'string' && /(^|[^\\])[*?]/.test(variant))) {
      return `modifier '${transform}' cannot encode a value with wildcards`;
    }
    encoded = true;
    variants = variants.flatMap((variant) => encode(variant, transform));
  }
  return { values: variants.map((variant) => (typeof variant === 'string' ? variant : variant.toString('latin1'))), encoded };
}

function encode(value: string | Buffer, transform: Exclude<Transform, 'windash'>): (string | Buffer)[] {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const text = typeof value === 'string' ? value : value.toString('latin1');
  switch (transform) {
    case 'wide':
    case 'utf16le':
      return [Buffer.from(text, 'utf16le')];
    case 'utf16be':
      return [Buffer.from(text, 'utf16le').swap16()];
    case 'utf16':
      return [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])];
    case 'base64':
      return [bytes.toString('base64')];
    case 'base64offset':
      return base64Offsets(bytes);
  }
}

/** The three base64 renderings of a value at byte offsets 0, 1 and 2, trimmed to their stable middle. */
function base64Offsets(bytes: Buffer): string[] {
  const startTrim = [0, 2, 3];
  const endTrim = [0, 3, 2];
  const result: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift, 0x20), bytes]).toString('base64');
    const end = endTrim[(bytes.length + shift) % 3]!;
    result.push(encoded.slice(startTrim[shift]!, encoded.length - end));
  }
  return result;
}

function windash(value: string): string[] {
  const positions: number[] = [];
  for (const match of value.matchAll(/(?<![\w])[-/\u2013\u2014\u2015](?=\w)/g)) positions.push(match.index);
  let variants = [value];
  for (const position of positions) {
    variants = variants.flatMap((variant) => WINDASH_VARIANTS.map((dash) => variant.slice(0, position) + dash + variant.slice(position + 1)));
  }
  return variants;
}
