import { z } from 'zod';
import type { Metrics } from '@vigil/runtime';
import { defineRoute, type RouteDefinition } from '../http/route.ts';

export const healthResponseSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']).describe('`ok` when the process is ready to serve.'),
    details: z.unknown().optional().describe('Readiness of the parts, as the host reports it.'),
  })
  .strict();

/** What the host reports about readiness. */
export type HealthCheck = () => { ready: boolean; details?: unknown };

/** `GET /healthz` and `GET /metrics`; unauthenticated, for orchestrators and Prometheus. */
export function healthRoutes(deps: { health: HealthCheck; metrics: Metrics }): RouteDefinition[] {
  const { health, metrics } = deps;
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/healthz',
        operationId: 'health',
        summary: 'Readiness',
        tags: ['operations'],
        access: 'public',
        responses: {
          200: { description: 'Ready.', schema: healthResponseSchema },
          503: { description: 'Not ready (starting, stopping, or a dependency is down).', schema: healthResponseSchema },
        },
      },
      async ({ reply }) => {
        const state = health();
        reply.code(state.ready ? 200 : 503);
        return { status: state.ready ? 'ok' : 'unavailable', ...(state.details !== undefined && { details: state.details }) };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/metrics',
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        tags: ['operations'],
        access: 'public',
        responses: { 200: { description: 'Prometheus text exposition format.', schema: z.string(), contentType: 'text/plain' } },
      },
      async ({ reply }) => {
        const { contentType, body } = await metrics.render();
        reply.type(contentType);
        return body;
      },
    ),
  ];
}
