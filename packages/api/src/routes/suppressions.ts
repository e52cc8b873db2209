import type { Suppression } from '@vigil/fleet';
import { z } from 'zod';
import { apiErrors } from '../errors.ts';
import { READERS, TRIAGERS, actorName } from '../auth/roles.ts';
import type { FleetService } from '../fleet/fleet-service.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';

/** The longest an alert suppression may last: a week, so nothing is muted and forgotten. */
export const MAX_SUPPRESSION_MINUTES = 7 * 24 * 60;

const fieldPath = z.string().regex(/^[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,255}$/, 'a field path such as source.ip');

export const createSuppressionRequestSchema = z
  .object({
    rule: z.string().trim().min(1).max(256).optional().describe('The rule (its id or name) whose alerts to suppress; every rule when absent.'),
    match: z
      .record(fieldPath, z.string().max(1024))
      .default({})
      .describe('Fields an alert must have at these values to be suppressed, from its group (`vigil.alert.group`) or its event, e.g. `{"source.ip": "10.0.0.5"}`.'),
    minutes: z.number().int().min(1).max(MAX_SUPPRESSION_MINUTES).describe(`How long the suppression lasts, in minutes (at most ${MAX_SUPPRESSION_MINUTES}).`),
    reason: z.string().trim().min(1).max(1024).describe('Why, for whoever reads the list later.'),
  })
  .strict()
  .refine((request) => request.rule !== undefined || Object.keys(request.match).length > 0, { message: 'name a rule, fields to match, or both: a suppression of everything is refused' });

const suppressionSchema = z
  .object({
    id: z.string(),
    rule: z.string().optional(),
    match: z.record(z.string(), z.string()),
    reason: z.string(),
    createdBy: z.string(),
    createdAt: z.string().describe('ISO 8601.'),
    expiresAt: z.string().describe('ISO 8601.'),
  })
  .strict();

const suppressionIdParamsSchema = z.object({ id: z.string().min(1).max(64) }).strict();

/** A suppression as the API shows it (times as ISO 8601). */
function view(suppression: Suppression) {
  const { createdAtMs, expiresAtMs, ...rest } = suppression;
  return { ...rest, createdAt: new Date(createdAtMs).toISOString(), expiresAt: new Date(expiresAtMs).toISOString() };
}

/**
 * Alert suppressions: analysts mute the alerts of a rule, or those with given field values, for
 * a while. The API keeps them and publishes the list to the engines (signed with the CA key, on
 * `vigil.commands`); an engine raises no alert a suppression in force covers and counts it.
 */
export function suppressionRoutes(deps: { fleet: FleetService }): RouteDefinition[] {
  const { fleet } = deps;
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/suppressions',
        operationId: 'listSuppressions',
        summary: 'List the alert suppressions in force',
        tags: ['alerts'],
        access: READERS,
        responses: { 200: { description: 'Oldest first.', schema: z.object({ suppressions: z.array(suppressionSchema) }).strict() } },
      },
      async () => {
        const { suppressions } = await fleet.repository.suppressions(fleet.now());
        return { suppressions: suppressions.map(view) };
      },
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/suppressions',
        operationId: 'createSuppression',
        summary: 'Suppress alerts for a while',
        description: 'Engines stop raising (and updating) the alerts it covers as soon as they have the new list, until it expires or is deleted. Correlations still count the events.',
        tags: ['alerts'],
        access: TRIAGERS,
        body: createSuppressionRequestSchema,
        responses: { 201: { description: 'Created and published to the engines.', schema: suppressionSchema } },
        errors: { 502: 'Recorded, but the list could not be published yet (it is published again shortly).', 503: 'This API process has no CA key or no bus to publish the list with.' },
      },
      async ({ body, principal, reply }) => {
        const created = await fleet.suppress({
          ...(body.rule !== undefined && { rule: body.rule }),
          match: body.match,
          reason: body.reason,
          createdBy: actorName(principal),
          expiresAtMs: fleet.now() + body.minutes * 60_000,
        });
        reply.code(201);
        return view(created);
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        url: '/api/v1/suppressions/:id',
        operationId: 'deleteSuppression',
        summary: 'End an alert suppression before it expires',
        tags: ['alerts'],
        access: TRIAGERS,
        params: suppressionIdParamsSchema,
        responses: { 204: { description: 'Ended and published to the engines.' } },
        errors: { 404: 'No suppression in force has this id.' },
      },
      async ({ params, principal, reply }) => {
        if (!(await fleet.unsuppress(params.id, actorName(principal)))) throw apiErrors.create('VIGIL_ERR_API_SUPPRESSION_NOT_FOUND', { id: params.id });
        reply.code(204);
        return undefined;
      },
    ),
  ];
}
