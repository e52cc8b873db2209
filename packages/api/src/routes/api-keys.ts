import { z } from 'zod';
import { apiErrors } from '../errors.ts';
import type { AuthRepository } from '../auth/auth-repository.ts';
import { ADMINS, actorName, roleSchema } from '../auth/roles.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';

export const createApiKeyRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(100).describe('What the key is for, e.g. `edge-dc1` or `soar-integration`.'),
    role: roleSchema,
  })
  .strict();

export const createApiKeyResponseSchema = z
  .object({
    id: z.string().describe('Public id of the key, used to list and revoke it.'),
    key: z.string().describe('The key itself, `vgl_<id>_<secret>`. Shown only in this response.'),
  })
  .strict();

export const apiKeyInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: roleSchema,
    createdAt: z.iso.datetime(),
    createdBy: z.string().describe('Who created the key.'),
    lastUsed: z.iso.datetime().nullable().describe('Last accepted use (updated at most once a minute), or null.'),
    revoked: z.boolean(),
  })
  .strict()
  .meta({ id: 'ApiKey', description: 'An API key as listed; never includes its secret.' });

export const listApiKeysResponseSchema = z.object({ apiKeys: z.array(apiKeyInfoSchema) }).strict();

export const apiKeyIdParamsSchema = z.object({ id: z.string().min(1).max(64).describe('API key id.') }).strict();

/** API key management for admins. */
export function apiKeyRoutes(deps: { auth: AuthRepository }): RouteDefinition[] {
  const { auth } = deps;
  return [
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/api-keys',
        operationId: 'createApiKey',
        summary: 'Create an API key',
        description: 'For integrators (`viewer`, `analyst`) and edges (`ingest`). The key is in this response only.',
        tags: ['api-keys'],
        access: ADMINS,
        body: createApiKeyRequestSchema,
        responses: { 201: { description: 'Created.', schema: createApiKeyResponseSchema } },
      },
      async ({ body, principal, reply }) => {
        const created = await auth.createApiKey({ name: body.name, role: body.role, createdBy: actorName(principal) });
        reply.code(201);
        return created;
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/api-keys',
        operationId: 'listApiKeys',
        summary: 'List API keys (without their secrets)',
        tags: ['api-keys'],
        access: ADMINS,
        responses: { 200: { description: 'All keys, revoked ones included.', schema: listApiKeysResponseSchema } },
      },
      async () => ({ apiKeys: await auth.listApiKeys() }),
    ),
    defineRoute(
      {
        method: 'DELETE',
        url: '/api/v1/api-keys/:id',
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key',
        description: 'The key stops working at once. Revoking a revoked key is not an error.',
        tags: ['api-keys'],
        access: ADMINS,
        params: apiKeyIdParamsSchema,
        responses: { 204: { description: 'Revoked.' } },
        errors: { 404: 'No key has this id.' },
      },
      async ({ params, reply }) => {
        if (!(await auth.revokeApiKey(params.id))) throw apiErrors.create('VIGIL_ERR_API_KEY_NOT_FOUND', { id: params.id });
        reply.code(204);
        return undefined;
      },
    ),
  ];
}
