import { z } from 'zod';
import { isUnsafeKey } from '@vigil/schema';
import { parseCidr } from './cidr.ts';
import { ecsFieldKind } from './field-kind.ts';
import { checkFilterRegex } from './regex-guard.ts';

/** The inputs processing rules can be scoped to (the `source` label of `vigil_edge_received_total`). */
export const PROCESSING_SOURCES = ['syslog_udp', 'syslog_tcp', 'syslog_tls', 'http'] as const;
/** Where an event entered the edge. */
export type ProcessingSource = (typeof PROCESSING_SOURCES)[number];
/** The inputs that may aggregate: syslog senders get no acknowledgement, so holding a count loses nothing they could retry. */
export const AGGREGATING_SOURCES: readonly ProcessingSource[] = ['syslog_udp', 'syslog_tcp', 'syslog_tls'];

/** The fields two events must share to count as repeats of each other, unless configured. */
export const DEFAULT_AGGREGATION_KEY_FIELDS = [
  'message',
  'host.hostname',
  'process.name',
  'log.syslog.appname',
  'source.ip',
  'destination.ip',
  'user.name',
  'event.action',
  'event.outcome',
];

/** A value `equals` compares with. */
export type Scalar = string | number | boolean;

/**
 * A filter condition over ECS dotted fields. A field test (`field` with one or more of
 * `equals`, `matches`, `exists`, `cidr`, all of which must hold) or exactly one combinator
 * (`all`, `any`, `not`). On an array field (`tags`, `related.ip`) a test holds when any
 * element passes it.
 */
export interface Condition {
  field?: string;
  equals?: Scalar | Scalar[];
  matches?: string;
  exists?: boolean;
  cidr?: string | string[];
  all?: Condition[];
  any?: Condition[];
  not?: Condition;
}

const FIELD_PATH = /^@?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

const fieldPath = () =>
  z
    .string()
    .regex(FIELD_PATH, 'must be a dotted ECS field path such as source.ip')
    .refine((path) => !path.split('.').some(isUnsafeKey), 'must not name __proto__, constructor or prototype');

const sources = () =>
  z
    .array(z.enum(PROCESSING_SOURCES))
    .min(1)
    .optional()
    .describe('Inputs this applies to (syslog_udp, syslog_tcp, syslog_tls, http); every input when left out.');

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const TESTS = ['equals', 'matches', 'exists', 'cidr'] as const;
const COMBINATORS = ['all', 'any', 'not'] as const;

/** A filter condition; see {@link Condition}. Regexes and CIDRs are checked here, at config time. */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .object({
      field: fieldPath().optional().describe('The ECS field tested, as a dotted path (source.ip, log.syslog.severity.code).'),
      equals: z
        .union([scalar, z.array(scalar).min(1)])
        .optional()
        .describe('Holds when the field equals this value, or one of these values (same type: 22 is not "22").'),
      matches: z
        .string()
        .min(1)
        .optional()
        .describe('Holds when the field (a number as its text) matches this regex (Unicode mode; (?i:...) for case-insensitive parts); only its first maxRegexInputChars are tested.'),
      exists: z.boolean().optional().describe('true: holds when the field is set (not null, not an empty array); false: when it is not.'),
      cidr: z
        .union([z.string(), z.array(z.string()).min(1)])
        .optional()
        .describe('Holds when the field is an IP address inside this network or one of these (10.0.0.0/8, 2001:db8::/32).'),
      all: z.array(conditionSchema).min(1).optional().describe('Holds when every one of these conditions holds.'),
      any: z.array(conditionSchema).min(1).optional().describe('Holds when at least one of these conditions holds.'),
      not: conditionSchema.optional().describe('Holds when this condition does not.'),
    })
    .strict()
    .superRefine(checkCondition),
);

function checkCondition(condition: Condition, ctx: z.RefinementCtx): void {
  const tests = TESTS.filter((key) => condition[key] !== undefined);
  const combinators = COMBINATORS.filter((key) => condition[key] !== undefined);
  if (combinators.length > 0 && (tests.length > 0 || condition.field !== undefined)) {
    ctx.addIssue({ code: 'custom', message: `a condition is either a field test or one of ${COMBINATORS.join('/')}, not both` });
  } else if (combinators.length > 1) {
    ctx.addIssue({ code: 'custom', message: `a condition has one combinator; nest ${combinators.join(' and ')} instead` });
  } else if (combinators.length === 0 && condition.field === undefined) {
    ctx.addIssue({ code: 'custom', message: `a condition needs a field (with ${TESTS.join('/')}) or one of ${COMBINATORS.join('/')}` });
  } else if (combinators.length === 0 && tests.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['field'], message: `a field test needs at least one of ${TESTS.join(', ')}` });
  }
  if (condition.matches !== undefined) {
    const problem = checkFilterRegex(condition.matches);
    if (problem) ctx.addIssue({ code: 'custom', path: ['matches'], message: problem });
  }
  if (condition.cidr !== undefined) {
    for (const text of Array.isArray(condition.cidr) ? condition.cidr : [condition.cidr]) {
      const parsed = parseCidr(text);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', path: ['cidr'], message: parsed });
    }
  }
}

const FILTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const filterSchema = z
  .object({
    name: z
      .string()
      .regex(FILTER_NAME, 'must be 1–64 letters, digits, _ . or -, starting with a letter or digit')
      .describe('Names the filter in vigil_edge_filtered_total{filter}; unique.'),
    action: z.enum(['drop', 'keep']).describe('drop: events matching `where` are dropped. keep: once an input has a keep filter, events matching none of its keep filters are dropped.'),
    sources: sources(),
    where: conditionSchema.describe('The condition an event must meet for this filter to apply.'),
  })
  .strict();

/** One filter; see {@link processingConfigSchema}. */
export type FilterConfig = z.output<typeof filterSchema>;

const pseudonymiseSchema = z
  .object({
    fields: z
      .array(fieldPath())
      .default([])
      .describe(
        'ECS keyword or IP fields whose values are replaced by a keyed hash (user.name, source.ip, user.target.name). Keyword values become pseud:<base64url>, IP values an address in fd00::/8. Every copy of a value elsewhere in the event (source.address, related.*, log.syslog.hostname) and every occurrence in message and event.original is replaced too.',
      ),
    sources: sources(),
    keyFile: z
      .string()
      .min(1)
      .optional()
      .describe('File holding the secret HMAC key (at least 32 bytes); created with 32 random bytes, mode 0600, when missing. Required unless the host supplies the key.'),
  })
  .strict()
  .superRefine((config, ctx) => {
    config.fields.forEach((path, index) => {
      if (path === 'vigil' || path.startsWith('vigil.')) {
        ctx.addIssue({ code: 'custom', path: ['fields', index], message: `${path} is set by Vigil and cannot be pseudonymised` });
      } else if (FIELD_PATH.test(path) && !ecsFieldKind(path)) {
        ctx.addIssue({ code: 'custom', path: ['fields', index], message: `${path} is not a keyword or IP field of Vigil's ECS schema` });
      }
    });
  })
  .describe('Pseudonymisation: chosen fields are replaced by an HMAC-SHA256 of their value, so analysts can correlate without seeing it.');

const aggregateSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Fold identical syslog events within windowMs into one event with vigil.aggregation.count.'),
    windowMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(10_000)
      .describe('How long after the first event of a group its repeats are folded; the aggregate is emitted when the window ends.'),
    maxGroups: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(10_000)
      .describe('Most groups held in memory; when full, the oldest group is closed early (its aggregate emitted, never lost).'),
    keyFields: z
      .array(fieldPath())
      .min(1)
      .default(DEFAULT_AGGREGATION_KEY_FIELDS)
      .describe('Fields two events must share to be repeats of each other ("message repeated N times" wrappers are looked through).'),
    sources: z
      .array(z.enum(PROCESSING_SOURCES))
      .min(1)
      .optional()
      .superRefine((list, ctx) => {
        if (list?.includes('http')) {
          ctx.addIssue({ code: 'custom', message: 'http cannot aggregate: HTTP input is acknowledged only once durable, so it must not wait in memory' });
        }
      })
      .describe('Syslog inputs that aggregate (syslog_udp, syslog_tcp, syslog_tls); all of them when left out. http is refused.'),
  })
  .strict()
  .describe('Aggregation of repeated syslog events: the first is published at once, the repeats within the window as one event with a count.');

/** Edge-side processing, per input: filters, then pseudonymisation, then aggregation. */
export const processingConfigSchema = z
  .object({
    filters: z
      .array(filterSchema)
      .default([])
      .superRefine((filters, ctx) => {
        const seen = new Set<string>();
        filters.forEach((filter, index) => {
          if (seen.has(filter.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `filter name ${filter.name} is used twice` });
          seen.add(filter.name);
        });
      })
      .describe('Ordered drop/keep filters: a matching drop filter drops the event; an input with keep filters drops events that match none of them. Each drop is counted in vigil_edge_filtered_total{filter}.'),
    pseudonymise: pseudonymiseSchema.prefault({}),
    aggregate: aggregateSchema.prefault({}),
    maxRegexInputChars: z
      .number()
      .int()
      .min(64)
      .max(65_536)
      .default(1_024)
      .describe('Filter regexes test only the first this-many characters of a value, which bounds the time a hostile line can cost (a longer value is matched on its start).'),
  })
  .strict()
  .describe('Edge-side processing between normalization and publishing: filters, pseudonymisation, aggregation.');

/** The processing configuration as written by a user (defaults not applied). */
export type ProcessingConfigInput = z.input<typeof processingConfigSchema>;
/** The parsed processing configuration, with every default applied. */
export type ProcessingConfig = z.output<typeof processingConfigSchema>;
