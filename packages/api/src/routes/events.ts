import { z } from 'zod';
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

/** Event search. */
export function eventRoutes(deps: { store: Store }): RouteDefinition[] {
  const { store } = deps;
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
  ];
}
