import { z } from 'zod';
import { getField } from '@vigil/schema';
import type { Store } from '@vigil/store';
import { READERS } from '../auth/roles.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import { cursorSchema, eventDocumentSchema, nextCursorSchema, pageSizeSchema } from './schemas.ts';

export const searchEventsQuerySchema = z
  .object({
    q: z
      .string()
      .max(10_000)
      .default('')
      .describe('Query: `field:value`, "quoted phrases", wildcards, ranges, AND/OR/NOT, parentheses, free text. Empty matches all.'),
    from: z.iso.datetime({ offset: true }).optional().describe('Earliest `@timestamp` (inclusive), ISO-8601.'),
    to: z.iso.datetime({ offset: true }).optional().describe('Latest `@timestamp` (exclusive), ISO-8601.'),
    size: pageSizeSchema,
    cursor: cursorSchema,
  })
  .strict();

export const searchEventsResponseSchema = z
  .object({
    total: z.number().int().describe('Events matching the query and time range, over all pages.'),
    events: z.array(eventDocumentSchema).describe('Newest first.'),
    cursor: nextCursorSchema,
  })
  .strict();

/** Most events one export writes. */
export const EXPORT_MAX_EVENTS = 100_000;
const EXPORT_PAGE = 1000;
const DEFAULT_COLUMNS = ['@timestamp', 'host.name', 'source.ip', 'user.name', 'event.action', 'message'];

export const exportEventsQuerySchema = searchEventsQuerySchema
  .omit({ size: true, cursor: true })
  .extend({
    format: z.enum(['ndjson', 'csv']).default('ndjson').describe('`ndjson`: each event whole, one JSON object per line; `csv`: the chosen fields.'),
    fields: z
      .string()
      .max(2000)
      .regex(/^[A-Za-z0-9_@][A-Za-z0-9_.@-]*(,[A-Za-z0-9_@][A-Za-z0-9_.@-]*)*$/, 'dotted field names, comma-separated')
      .optional()
      .describe(`CSV columns, comma-separated; default \`${DEFAULT_COLUMNS.join(',')}\`.`),
    limit: z.coerce.number().int().min(1).max(EXPORT_MAX_EVENTS).default(EXPORT_MAX_EVENTS).describe(`Most events to write, 1 to ${EXPORT_MAX_EVENTS}.`),
  })
  .strict();

/** Event search and export. */
export function eventRoutes(deps: { store: Store; headers: ReadonlyArray<readonly [string, string]> }): RouteDefinition[] {
  const { store, headers } = deps;
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/events',
        operationId: 'searchEvents',
        summary: 'Search events',
        description: 'A query the store cannot parse is a 400 whose error code and message say where.',
        tags: ['events'],
        access: READERS,
        query: searchEventsQuerySchema,
        responses: { 200: { description: 'One page of matching events.', schema: searchEventsResponseSchema } },
      },
      async ({ query }) => {
        const result = await store.searchEvents({
          query: query.q,
          size: query.size,
          ...(query.from !== undefined && { from: query.from }),
          ...(query.to !== undefined && { to: query.to }),
          ...(query.cursor !== undefined && { cursor: query.cursor }),
        });
        return { total: result.total, events: result.events, cursor: result.cursor };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/events/histogram',
        operationId: 'eventHistogram',
        summary: 'How many events a search finds per time bucket',
        description: 'The range cut into `buckets` equal parts (without `from`, it starts at the oldest matching event; without `to`, it ends now). A query the store cannot parse is a 400, as for a search.',
        tags: ['events'],
        access: READERS,
        query: histogramQuerySchema,
        responses: { 200: { description: 'The counts.', schema: histogramResponseSchema } },
      },
      async ({ query }) => eventHistogram(store, query, Date.now()),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/events/export',
        operationId: 'exportEvents',
        summary: 'Export the events a search finds (NDJSON or CSV)',
        description: `Every matching event, newest first, up to \`limit\` (at most ${EXPORT_MAX_EVENTS}), written as it is read from the store. CSV cells that a spreadsheet would run as a formula (starting with = + - @) are prefixed with a quote. A query the store cannot parse is a 400, as for a search.`,
        tags: ['events'],
        access: READERS,
        query: exportEventsQuerySchema,
        responses: { 200: { description: 'The events, as an attachment.', schema: z.string(), contentType: 'application/x-ndjson' } },
      },
      async ({ query, reply }) => {
        const columns = query.fields?.split(',') ?? DEFAULT_COLUMNS;
        const search = (cursor: string | undefined, size: number) =>
          store.searchEvents({ query: query.q, size, ...(query.from !== undefined && { from: query.from }), ...(query.to !== undefined && { to: query.to }), ...(cursor !== undefined && { cursor }) });
        // The first page is read before anything is sent, so a bad query is still an error answer.
        let page = await search(undefined, Math.min(EXPORT_PAGE, query.limit));
        reply.hijack();
        const raw = reply.raw;
        const csv = query.format === 'csv';
        raw.writeHead(200, {
          ...Object.fromEntries(headers),
          'Content-Type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
          'Content-Disposition': `attachment; filename="vigil-events.${csv ? 'csv' : 'ndjson'}"`,
          'Cache-Control': 'no-store',
        });
        if (csv) raw.write(`${columns.map(csvCell).join(',')}\r\n`);
        let written = 0;
        let gone = false;
        raw.once('close', () => (gone = true));
        // A slow reader holds the export back; one that leaves ends it.
        const writable = () =>
          new Promise<void>((resolve) => {
            const done = () => {
              raw.off('drain', done);
              raw.off('close', done);
              resolve();
            };
            raw.once('drain', done);
            raw.once('close', done);
          });
        try {
          for (;;) {
            const lines = page.events.slice(0, query.limit - written).map((event) => (csv ? `${columns.map((column) => csvCell(cellText(getField(event, column)))).join(',')}\r\n` : `${JSON.stringify(event)}\n`));
            written += lines.length;
            if (!raw.write(lines.join(''))) await writable();
            if (gone || written >= query.limit || page.cursor === null) break;
            page = await search(page.cursor, Math.min(EXPORT_PAGE, query.limit - written));
          }
          raw.end();
        } catch (error) {
          // The store failed after the answer began: cut the connection, so the client sees a broken
          // transfer rather than a file that looks complete.
          raw.destroy(error as Error);
        }
        return undefined;
      },
    ),
  ];
}

/** A field value as CSV text: arrays joined with commas, objects as JSON. */
function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(cellText).join(',');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A CSV cell: quoted when it must be, and never a formula (attackers control what events say). */
function csvCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const histogramQuerySchema = searchEventsQuerySchema
  .omit({ size: true, cursor: true })
  .extend({
    buckets: z.coerce.number().int().min(1).max(200).default(48).describe('How many equal time buckets the range is cut into, 1 to 200.'),
  })
  .strict();

export const histogramResponseSchema = z
  .object({
    from: z.iso.datetime().describe('Start of the first bucket: `from`, or the oldest matching event when none was given.'),
    to: z.iso.datetime().describe('End of the last bucket (exclusive): `to`, or now.'),
    intervalMs: z.number().int().describe('Length of each bucket.'),
    buckets: z.array(z.object({ start: z.iso.datetime(), count: z.number().int() }).strict()).describe('Every bucket in order, empty ones included.'),
    total: z.number().int().describe('Matching events in the whole range.'),
  })
  .strict()
  .meta({ id: 'EventHistogram', description: 'How many events a search finds per time bucket.' });

/**
 * Events per time bucket for a search, counted by the store one bucket at a time (a search of
 * one event per bucket, whose total is the count): every store answers it with the query
 * semantics of a search, and the SQLite store counts a bucket from its index in milliseconds.
 */
export async function eventHistogram(store: Store, request: { q: string; from?: string | undefined; to?: string | undefined; buckets: number }, nowMs: number): Promise<z.output<typeof histogramResponseSchema>> {
  const toMs = request.to === undefined ? nowMs : Date.parse(request.to);
  let fromMs = request.from === undefined ? undefined : Date.parse(request.from);
  if (fromMs === undefined) {
    const oldest = await store.searchEvents({ query: request.q, size: 1, order: 'asc', to: new Date(toMs).toISOString() });
    const first = oldest.events[0]?.['@timestamp'];
    fromMs = typeof first === 'string' ? Date.parse(first) : toMs - 86_400_000;
  }
  const intervalMs = Math.max(1, Math.ceil((toMs - fromMs) / request.buckets));
  const buckets: { start: string; count: number }[] = [];
  let total = 0;
  for (let start = fromMs; start < toMs; start += intervalMs) {
    const end = Math.min(start + intervalMs, toMs);
    const { total: count } = await store.searchEvents({ query: request.q, size: 1, from: new Date(start).toISOString(), to: new Date(end).toISOString() });
    buckets.push({ start: new Date(start).toISOString(), count });
    total += count;
  }
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), intervalMs, buckets, total };
}
