import { z } from 'zod';
import { defineRoute, type RouteDefinition } from '../http/route.ts';

/** `GET /api/v1/openapi.json`: public, so integrators can generate clients before they have a key. */
export function openApiRoute(document: () => Record<string, unknown>): RouteDefinition {
  return defineRoute(
    {
      method: 'GET',
      url: '/api/v1/openapi.json',
      operationId: 'openapi',
      summary: 'This API\'s OpenAPI 3.1 document',
      tags: ['meta'],
      access: 'public',
      responses: { 200: { description: 'The OpenAPI document.', schema: z.record(z.string(), z.unknown()) } },
    },
    async () => document(),
  );
}
