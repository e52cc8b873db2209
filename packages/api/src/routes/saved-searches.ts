import { z } from 'zod';
import { QUERY_LIMITS, parseQuery } from '@vigil/store';
import { READERS, actorName } from '../auth/roles.ts';
import { apiErrors } from '../errors.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import type { SavedSearches } from '../searches/saved-searches.ts';

/** The time ranges the search page offers. */
export const SEARCH_RANGES = ['15m', '1h', '24h', '7d', '30d', 'all'] as const;

export const savedSearchSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    query: z.string().describe('In the query language.'),
    range: z.enum(SEARCH_RANGES).describe('Time range back from when it is run.'),
    owner: z.string().describe('Who saved it.'),
    shared: z.boolean().describe('Whether everyone who reads events sees it.'),
    createdAt: z.iso.datetime(),
  })
  .strict()
  .meta({ id: 'SavedSearch', description: 'A search saved by name: its query and time range.' });

export const createSavedSearchSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    query: z.string().max(QUERY_LIMITS.maxLength).describe('Checked like a search: a query that does not parse is refused.'),
    range: z.enum(SEARCH_RANGES).default('24h'),
    shared: z.boolean().default(false).describe('Show it to everyone who reads events, not only to you.'),
  })
  .strict();

export const savedSearchIdParamsSchema = z.object({ id: z.string().min(1).max(64).describe('Saved search id.') }).strict();

/** Saved searches: each reader's own, and shared ones. */
export function savedSearchRoutes(deps: { searches: SavedSearches }): RouteDefinition[] {
  const { searches } = deps;
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/saved-searches',
        operationId: 'listSavedSearches',
        summary: 'Your saved searches and the shared ones',
        tags: ['events'],
        access: READERS,
        responses: { 200: { description: 'By name.', schema: z.object({ searches: z.array(savedSearchSchema) }).strict() } },
      },
      async ({ principal }) => ({ searches: await searches.visibleTo(actorName(principal)) }),
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/saved-searches',
        operationId: 'createSavedSearch',
        summary: 'Save a search',
        tags: ['events'],
        access: READERS,
        body: createSavedSearchSchema,
        responses: { 201: { description: 'Saved.', schema: savedSearchSchema } },
        errors: { 400: 'The request is invalid, or its query does not parse (`VIGIL_ERR_QUERY_SYNTAX` and the column).' },
      },
      async ({ body, principal, reply }) => {
        parseQuery(body.query);
        const saved = await searches.create({ ...body, owner: actorName(principal) });
        reply.code(201);
        return saved;
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        url: '/api/v1/saved-searches/:id',
        operationId: 'deleteSavedSearch',
        summary: 'Delete a saved search',
        description: 'Its owner may delete it, and an admin may delete any.',
        tags: ['events'],
        access: READERS,
        params: savedSearchIdParamsSchema,
        responses: { 204: { description: 'Deleted.' } },
        errors: { 404: 'No saved search you can see has this id.' },
      },
      async ({ params, principal, reply }) => {
        const search = await searches.get(params.id);
        const actor = actorName(principal);
        if (!search || (!search.shared && search.owner !== actor)) throw apiErrors.create('VIGIL_ERR_API_SAVED_SEARCH_NOT_FOUND', { id: params.id });
        if (search.owner !== actor && principal.role !== 'admin') {
          throw apiErrors.create('VIGIL_ERR_API_FORBIDDEN', { role: principal.role, action: 'delete a search someone else saved' });
        }
        await searches.delete(params.id);
        reply.code(204);
        return undefined;
      },
    ),
  ];
}
