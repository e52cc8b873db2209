import { z } from 'zod';
import { ALERT_RESOLUTIONS, ALERT_SEVERITIES, ALERT_STATUSES } from '@vigil/schema';
import type { AlertPatch, Store } from '@vigil/store';
import { apiErrors } from '../errors.ts';
import { READERS, TRIAGERS, actorName } from '../auth/roles.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import type { AlertFeed } from '../live/alert-feed.ts';
import { alertDocumentSchema, cursorSchema, eventDocumentSchema, nextCursorSchema, pageSizeSchema } from './schemas.ts';

export const listAlertsQuerySchema = z
  .object({
    status: z.enum(ALERT_STATUSES).optional().describe('Only alerts with this status.'),
    severity: z.enum(ALERT_SEVERITIES).optional().describe('Only alerts with this severity.'),
    rule: z.string().min(1).max(512).optional().describe('Rule id or exact rule name.'),
    q: z.string().max(10_000).optional().describe('Query over the alert documents, in the event query language.'),
    size: pageSizeSchema,
    cursor: cursorSchema,
  })
  .strict();

export const listAlertsResponseSchema = z
  .object({
    total: z.number().int().describe('Alerts matching the filters, over all pages.'),
    alerts: z.array(alertDocumentSchema).describe('Most recently seen first.'),
    cursor: nextCursorSchema,
  })
  .strict();

export const alertIdParamsSchema = z.object({ id: z.string().min(1).max(512).describe('Alert id.') }).strict();

export const alertDetailResponseSchema = z
  .object({
    alert: alertDocumentSchema,
    events: z
      .array(eventDocumentSchema)
      .describe('The triggering events (`vigil.alert.event_ids`) that are still stored, in that order, with their provenance as stored.'),
  })
  .strict();

export const patchAlertRequestSchema = z
  .object({
    status: z.enum(ALERT_STATUSES).optional().describe('New lifecycle status. Closing needs a `resolution`; reopening (open, acknowledged) clears it.'),
    resolution: z
      .enum(ALERT_RESOLUTIONS)
      .optional()
      .describe('Why the alert is closed: true_positive (a real attack), benign_positive (real but expected or harmless), false_positive (the rule misfired), duplicate (another alert covers it). Only with `status: closed`.'),
    assignee: z.string().min(1).max(256).nullable().optional().describe('Who works on it; null unassigns.'),
    comment: z.string().trim().min(1).max(10_000).optional().describe('A comment to add.'),
  })
  .strict()
  .refine((patch) => patch.status !== undefined || patch.assignee !== undefined || patch.comment !== undefined, {
    message: 'give at least one of status, assignee, comment',
  })
  .refine((patch) => (patch.status === 'closed') === (patch.resolution !== undefined), {
    message: `closing an alert needs a resolution (${ALERT_RESOLUTIONS.join(', ')}), and a resolution goes only with status closed`,
    path: ['resolution'],
  });

/** Alert listing, detail and triage. */
export function alertRoutes(deps: { store: Store; feed: AlertFeed }): RouteDefinition[] {
  const { store, feed } = deps;
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/alerts',
        operationId: 'listAlerts',
        summary: 'List alerts',
        tags: ['alerts'],
        access: READERS,
        query: listAlertsQuerySchema,
        responses: { 200: { description: 'One page of alerts.', schema: listAlertsResponseSchema } },
      },
      async ({ query }) => {
        const result = await store.searchAlerts({
          size: query.size,
          ...(query.status !== undefined && { status: query.status }),
          ...(query.severity !== undefined && { severity: query.severity }),
          ...(query.rule !== undefined && { rule: query.rule }),
          ...(query.q !== undefined && query.q !== '' && { q: query.q }),
          ...(query.cursor !== undefined && { cursor: query.cursor }),
        });
        return { total: result.total, alerts: result.alerts, cursor: result.cursor };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/alerts/:id',
        operationId: 'getAlert',
        summary: 'An alert with the events that caused it',
        tags: ['alerts'],
        access: READERS,
        params: alertIdParamsSchema,
        responses: { 200: { description: 'The alert and its events.', schema: alertDetailResponseSchema } },
        errors: { 404: 'No alert has this id.' },
      },
      async ({ params }) => {
        const alert = await store.getAlert(params.id);
        if (!alert) throw apiErrors.create('VIGIL_ERR_API_ALERT_NOT_FOUND', { id: params.id });
        const ids = alert.vigil.alert.event_ids;
        const events = ids.length > 0 ? await store.getEvents(ids) : [];
        return { alert, events };
      },
    ),
    defineRoute(
      {
        method: 'PATCH',
        url: '/api/v1/alerts/:id',
        operationId: 'updateAlert',
        summary: 'Change an alert\'s status (closing with a resolution) or assignee, or comment on it',
        description: 'Each change is recorded in the alert\'s history with who made it.',
        tags: ['alerts'],
        access: TRIAGERS,
        params: alertIdParamsSchema,
        body: patchAlertRequestSchema,
        responses: { 200: { description: 'The updated alert.', schema: alertDocumentSchema } },
        errors: { 404: 'No alert has this id.' },
      },
      async ({ params, body, principal }) => {
        const patch: AlertPatch = {
          ...(body.status !== undefined && { status: body.status }),
          ...(body.resolution !== undefined && { resolution: body.resolution }),
          ...(body.assignee !== undefined && { assignee: body.assignee }),
          ...(body.comment !== undefined && { comment: body.comment }),
        };
        const updated = await store.updateAlert(params.id, patch, actorName(principal));
        if (!updated) throw apiErrors.create('VIGIL_ERR_API_ALERT_NOT_FOUND', { id: params.id });
        feed.publish(updated, 'analyst');
        return updated;
      },
    ),
  ];
}
