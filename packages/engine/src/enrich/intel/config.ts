import { z } from 'zod';
import { CSV_FIELDS, type CsvField } from './csv-feed.ts';
import { DEFAULT_MATCH_FIELDS } from './match-fields.ts';

/** The kinds of feed Vigil reads. */
export const INTEL_FEED_KINDS = ['csv', 'stix', 'misp', 'taxii'] as const;
/** One kind of feed. */
export type IntelFeedKind = (typeof INTEL_FEED_KINDS)[number];

const CSV_COLUMN_HELP: Readonly<Record<CsvField, string>> = {
  type: 'Header of the indicator type column (ipv4, ipv6, cidr, domain, url, md5, sha1, sha256, ip, hash); without it, or with an empty cell, the type is inferred from the value.',
  value: 'Header of the indicator value column; the only column a CSV feed must have.',
  confidence: 'Header of the confidence column (0–100, or low/medium/high); empty cells use the feed\'s defaultConfidence.',
  severity: 'Header of the severity column (informational, low, medium, high, critical).',
  description: 'Header of the description column.',
  firstSeen: 'Header of the first-seen date column (ISO-8601 or Unix seconds).',
  lastSeen: 'Header of the last-seen date column (ISO-8601 or Unix seconds).',
  validUntil: 'Header of the expiry date column; an indicator past it never matches.',
  tags: 'Header of the tags column; tags are separated by `;` or `|`.',
  reference: 'Header of the column with a link to more about the indicator.',
  id: "Header of the column with the feed's own indicator id.",
};

const csvColumnsSchema = z
  .object(Object.fromEntries(CSV_FIELDS.map((field) => [field, z.string().min(1).optional().describe(CSV_COLUMN_HELP[field])])) as Record<CsvField, z.ZodOptional<z.ZodString>>)
  .strict();

const authSchema = z
  .object({
    username: z.string().min(1).optional().describe('User name for HTTP basic authentication.'),
    password: z.string().min(1).optional().describe('Password for HTTP basic authentication. Never logged.'),
    token: z.string().min(1).optional().describe('Bearer token (`Authorization: Bearer …`). Never logged.'),
  })
  .strict()
  .refine(
    (auth) => {
      const basic = auth.username !== undefined && auth.password !== undefined;
      const halfBasic = (auth.username === undefined) !== (auth.password === undefined);
      return !halfBasic && basic !== (auth.token !== undefined);
    },
    { message: 'give either username and password (basic) or token (bearer)' },
  );

const taxiiSchema = z
  .object({
    collectionId: z.string().min(1).describe('Id of the TAXII collection to poll; the feed\'s `url` is the API root.'),
    addedAfter: z.iso.datetime({ offset: true }).optional().describe('The first poll asks only for objects added after this time; later polls continue from the server\'s X-TAXII-Date-Added-Last. Unset: the whole collection.'),
    pageLimit: z.number().int().min(1).max(10_000).optional().describe('Objects asked for per page (`limit`); unset: the server\'s default.'),
    maxPages: z.number().int().min(1).max(100_000).default(1_000).describe('Most pages one poll reads; the next poll continues where it stopped.'),
  })
  .strict();

const FEED_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const feedSchema = z
  .object({
    name: z.string().regex(FEED_NAME, 'letters, digits, `_`, `.` or `-`, at most 64').describe('Name of the feed: the provider in threat.enrichments, in logs and in refresh reports. Unique.'),
    kind: z.enum(INTEL_FEED_KINDS).describe('Format: `csv` (header row), `stix` (STIX 2.1 bundle), `misp` (MISP feed: manifest.json and <uuid>.json files), `taxii` (TAXII 2.1 collection).'),
    path: z.string().min(1).optional().describe('File to read (csv, stix) or directory holding manifest.json (misp). Give `path` or `url`.'),
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('HTTP(S) URL of the file (csv, stix), of the directory holding manifest.json (misp) or of the TAXII API root (taxii). Give `path` or `url`.'),
    auth: authSchema.optional().describe('Credentials sent with every request to `url`.'),
    refreshIntervalMs: z.number().int().min(1_000).default(3_600_000).describe('How often the feed is read again (a TAXII collection polled for new objects). A failed refresh keeps the previous indicators.'),
    defaultConfidence: z.number().int().min(0).max(100).default(50).describe('Confidence (0–100) of indicators the feed gives none (MISP threat level 4 included).'),
    maxIndicators: z.number().int().min(1).optional().describe('Most indicators this feed may hold; unset: the top-level maxIndicatorsPerFeed.'),
    timeoutMs: z.number().int().min(100).max(600_000).default(60_000).describe('How long one request (one file of a MISP feed, one TAXII page) may take.'),
    columns: csvColumnsSchema.optional().describe('CSV only: the header of each column where it differs from the field name (`value`, `type`, `first_seen`, …).'),
    taxii: taxiiSchema.optional().describe('TAXII only: the collection to poll.'),
  })
  .strict()
  .superRefine((feed, context) => {
    const where = (key: string) => ({ code: 'custom' as const, path: [key] });
    if (feed.kind === 'taxii') {
      if (feed.url === undefined) context.addIssue({ ...where('url'), message: 'a taxii feed needs `url` (the API root)' });
      if (feed.path !== undefined) context.addIssue({ ...where('path'), message: 'a taxii feed has no `path`' });
      if (feed.taxii === undefined) context.addIssue({ ...where('taxii'), message: 'a taxii feed needs `taxii.collectionId`' });
    } else if ((feed.path === undefined) === (feed.url === undefined)) {
      context.addIssue({ ...where('path'), message: 'give exactly one of `path` or `url`' });
    }
    if (feed.kind !== 'taxii' && feed.taxii !== undefined) context.addIssue({ ...where('taxii'), message: 'only a taxii feed has `taxii`' });
    if (feed.kind !== 'csv' && feed.columns !== undefined) context.addIssue({ ...where('columns'), message: 'only a csv feed has `columns`' });
  });

/** One feed as configured. */
export type IntelFeedConfig = z.output<typeof feedSchema>;

const matchFieldSchema = z
  .object({
    field: z.string().min(1).describe('Dotted ECS field of the event, e.g. `destination.ip`; a list value has each item looked up.'),
    kind: z.enum(['ip', 'domain', 'url', 'hash']).describe('How the value is looked up: ip (also inside networks), domain (also its parents), url, hash.'),
  })
  .strict();

/** Threat-intelligence enrichment: the feeds, their bounds, and the event fields looked up. */
export const intelConfigSchema = z
  .object({
    feeds: z
      .array(feedSchema)
      .default([])
      .superRefine((feeds, context) => {
        const seen = new Set<string>();
        feeds.forEach((feed, i) => {
          if (seen.has(feed.name)) context.addIssue({ code: 'custom', path: [i, 'name'], message: `feed name '${feed.name}' is used twice` });
          seen.add(feed.name);
        });
      })
      .describe('Threat-intelligence feeds: each is loaded at start-up and refreshed on its own interval.'),
    maxIndicatorsPerFeed: z.number().int().min(1).default(1_000_000).describe('Most indicators one feed may hold; more are refused and counted.'),
    maxFeedBytes: z
      .number()
      .int()
      .min(1_024)
      .default(256 * 1024 * 1024)
      .describe('Largest feed document (file, MISP event file, TAXII page) read; a bigger one fails the refresh.'),
    fields: z
      .array(matchFieldSchema)
      .default(() => DEFAULT_MATCH_FIELDS.map((field) => ({ ...field })))
      .describe('Event fields looked up in the indicators, and how.'),
  })
  .strict();

/** Threat-intelligence settings, parsed. */
export type IntelConfig = z.output<typeof intelConfigSchema>;
/** Threat-intelligence settings as written (defaults optional). */
export type IntelConfigInput = z.input<typeof intelConfigSchema>;
