import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import { ADMINS } from '../auth/roles.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import { apiErrors } from '../errors.ts';
import { nextCursorSchema, pageSizeSchema } from './schemas.ts';

export const auditEntrySchema = z
  .object({
    id: z.number().int().describe('Increases with every entry.'),
    at: z.iso.datetime(),
    actor: z.string().describe('User name, `api-key:<name>`, the name a login was tried with, or `anonymous`.'),
    action: z.string().describe('The API operation, as its operationId in this document (`updateAlert`, `createApiKey`, `login`…).'),
    target: z.string().nullable().describe('The path parameters (`id=…`), or null.'),
    detail: z.record(z.string(), z.unknown()).describe('The request\'s fields; passwords, tokens, keys and certificates are never recorded.'),
    outcome: z.string().describe('`ok`, or the error code the request failed with.'),
    address: z.string().describe('The client\'s address.'),
  })
  .strict()
  .meta({ id: 'AuditEntry', description: 'One change made through the API, or one login, logout or refused attempt.' });

export const listAuditQuerySchema = z
  .object({
    actor: z.string().min(1).max(256).optional().describe('Only entries by this actor.'),
    action: z.string().min(1).max(128).optional().describe('Only this operation, e.g. `updateAlert`.'),
    size: pageSizeSchema,
    cursor: z.string().regex(/^\d{1,15}$/).optional().describe('Cursor from the previous page; omit for the newest entries.'),
  })
  .strict();

export const listAuditResponseSchema = z.object({ entries: z.array(auditEntrySchema).describe('Newest first.'), cursor: nextCursorSchema }).strict();

/** The audit log, for admins: read only (nothing can change or delete an entry). */
export function auditRoutes(deps: { audit: AuditLog }): RouteDefinition[] {
  const { audit } = deps;
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/audit',
        operationId: 'listAudit',
        summary: 'Read the audit log',
        description: 'Every change made through the API (alerts, comments, users, API keys, edges, suppressions, backtests) and every login, logout and refused attempt, newest first. Append-only.',
        tags: ['audit'],
        access: ADMINS,
        query: listAuditQuerySchema,
        responses: { 200: { description: 'A page of entries.', schema: listAuditResponseSchema } },
      },
      async ({ query }) => {
        const before = query.cursor === undefined ? undefined : Number(query.cursor);
        if (before !== undefined && !Number.isSafeInteger(before)) throw apiErrors.create('VIGIL_ERR_API_BAD_REQUEST', { summary: 'query.cursor: not a cursor' });
        const entries = await audit.list({ before, size: query.size, actor: query.actor, action: query.action });
        return { entries, cursor: entries.length === query.size ? String(entries.at(-1)!.id) : null };
      },
    ),
  ];
}
