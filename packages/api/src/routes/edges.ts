import { apiErrors } from '../errors.ts';
import type { LoginLimiter } from '../auth/login-limiter.ts';
import { ADMINS, READERS, actorName } from '../auth/roles.ts';
import type { FleetService } from '../fleet/fleet-service.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import {
  commandRecordSchema,
  commandRequestSchema,
  commandView,
  createEnrollmentTokenRequestSchema,
  edgeIdParamsSchema,
  edgeSchema,
  edgeView,
  enrollRequestSchema,
  enrollmentTokenResponseSchema,
  issuedCertificateResponseSchema,
  issuedCertificateView,
  listCommandsQuerySchema,
  listCommandsResponseSchema,
  listEdgesResponseSchema,
  renewRequestSchema,
  revokeEdgeRequestSchema,
} from './edges-schemas.ts';

/** Failures that count against the client address: someone guessing tokens or replaying certificates. */
const LIMITED_FAILURES = ['VIGIL_ERR_API_ENROLL_TOKEN_INVALID', 'VIGIL_ERR_API_RENEW_REFUSED'] as const;

/** The edge fleet: enrollment, renewal, health, revocation and commands. */
export function edgeRoutes(deps: {
  fleet: FleetService;
  /** Limits failed enrollments and renewals per client address, like failed logins. */
  limiter: LoginLimiter;
  silentAfterIntervals: number;
  /** Counts refused enrollments and renewals (`vigil_api_fleet_auth_failures_total`). */
  authFailures: { inc(labels: { route: string }): void };
}): RouteDefinition[] {
  const { fleet, limiter, silentAfterIntervals, authFailures } = deps;
  const view = (edge: Parameters<typeof edgeView>[0]) => edgeView(edge, fleet.now(), silentAfterIntervals);

  /** Runs an unauthenticated certificate request under the failure limit of the caller's address. */
  async function limited<T>(route: 'enroll' | 'renew', address: string, work: () => Promise<T>): Promise<T> {
    const retryAfterSeconds = limiter.retryAfterSeconds(route, address);
    if (retryAfterSeconds > 0) throw apiErrors.create('VIGIL_ERR_API_ENROLL_RATE_LIMITED', { retryAfterSeconds });
    try {
      return await work();
    } catch (error) {
      if (LIMITED_FAILURES.some((code) => apiErrors.is(error, code))) {
        limiter.recordFailure(route, address);
        authFailures.inc({ route });
      }
      throw error;
    }
  }

  return [
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/edges/enrollment-tokens',
        operationId: 'createEnrollmentToken',
        summary: 'Create a one-time enrollment token for an edge',
        description:
          'Give the token to `vigil enroll` on the edge. It works once, for the named edge id only, until it expires. An enrolled edge that lost its key can enroll again with a new token. The token is in this response only.',
        tags: ['edges'],
        access: ADMINS,
        body: createEnrollmentTokenRequestSchema,
        responses: { 201: { description: 'Created.', schema: enrollmentTokenResponseSchema } },
        errors: { 409: 'The edge is revoked.' },
      },
      async ({ body, reply }) => {
        const created = await fleet.createEnrollmentToken(body.edgeId, body.ttlSeconds);
        reply.code(201);
        return { token: created.token, edgeId: created.edgeId, expiresAt: new Date(created.expiresAtMs).toISOString() };
      },
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/edges/enroll',
        operationId: 'enrollEdge',
        summary: 'Enroll an edge: exchange a token and a CSR for a certificate',
        description:
          'No bearer token: the enrollment token authenticates. The CSR proves the edge holds its new key and must name the token\'s edge id as CN. Failed attempts are limited per client address (429 with Retry-After).',
        tags: ['edges'],
        access: 'public',
        body: enrollRequestSchema,
        responses: { 201: { description: 'The edge\'s certificate.', schema: issuedCertificateResponseSchema } },
        errors: {
          401: 'The token is unknown, expired or already used.',
          409: 'The edge is revoked.',
          429: 'Too many failed attempts from this address; see Retry-After.',
          503: 'This API process has no CA key.',
        },
      },
      async ({ body, request, reply }) => {
        const issued = await limited('enroll', request.ip, () => fleet.enroll(body.token, body.csrPem));
        reply.code(201);
        return issuedCertificateView(issued);
      },
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/edges/renew',
        operationId: 'renewEdgeCertificate',
        summary: 'Renew an edge certificate before it expires',
        description:
          'No bearer token: the edge proves it holds its current certificate by signing the CSR text with the current key. The current certificate must be issued by the Vigil CA, unexpired and not revoked.',
        tags: ['edges'],
        access: 'public',
        body: renewRequestSchema,
        responses: { 201: { description: 'The edge\'s new certificate.', schema: issuedCertificateResponseSchema } },
        errors: {
          401: 'The current certificate is not trusted or the signature does not verify.',
          409: 'The edge is revoked.',
          429: 'Too many failed attempts from this address; see Retry-After.',
          503: 'This API process has no CA key.',
        },
      },
      async ({ body, request, reply }) => {
        const issued = await limited('renew', request.ip, () => fleet.renew(body.certificatePem, body.csrPem, body.signature));
        reply.code(201);
        return issuedCertificateView(issued);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/edges',
        operationId: 'listEdges',
        summary: 'List edges with their health',
        tags: ['edges'],
        access: READERS,
        responses: { 200: { description: 'Every edge the core knows.', schema: listEdgesResponseSchema } },
      },
      async () => ({ edges: (await fleet.repository.listEdges()).map(view) }),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/edges/:id',
        operationId: 'getEdge',
        summary: 'One edge with its health and last heartbeat',
        tags: ['edges'],
        access: READERS,
        params: edgeIdParamsSchema,
        responses: { 200: { description: 'The edge.', schema: edgeSchema } },
        errors: { 404: 'No edge has this id.' },
      },
      async ({ params }) => view(await fleet.edge(params.id)),
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/edges/:id/revoke',
        operationId: 'revokeEdge',
        summary: 'Revoke every certificate of an edge',
        description:
          'Engines and indexers reject the edge\'s batches as soon as they read the new revocation list, which is published at once and again periodically. Works for edges the core has not heard from (e.g. a leaked identity); revoking a revoked edge keeps the first reason and publishes the list again.',
        tags: ['edges'],
        access: ADMINS,
        params: edgeIdParamsSchema,
        body: revokeEdgeRequestSchema,
        responses: { 200: { description: 'Revoked.', schema: edgeSchema } },
        errors: { 503: 'This API process has no CA key or bus, or the bus did not take the revocation list (the revocation is recorded).' },
      },
      async ({ params, body }) => view(await fleet.revoke(params.id, body.reason)),
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/edges/:id/commands',
        operationId: 'sendEdgeCommand',
        summary: 'Send a signed, expiring command to an edge',
        description: 'The command is recorded as `pending`, signed with the CA key and published on `vigil.commands`; the edge verifies it before acting and reports the result.',
        tags: ['edges'],
        access: ADMINS,
        params: edgeIdParamsSchema,
        body: commandRequestSchema,
        responses: { 202: { description: 'Recorded and published.', schema: commandRecordSchema } },
        errors: { 404: 'No edge has this id.', 409: 'The edge is revoked.', 503: 'This API process has no CA key or bus, or the bus did not take the command (it is recorded as failed).' },
      },
      async ({ params, body, principal, reply }) => {
        const record = await fleet.issueCommand(params.id, { action: body.action, args: body.args, ttlSeconds: body.ttlSeconds }, actorName(principal));
        reply.code(202);
        return commandView(record);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/edges/:id/commands',
        operationId: 'listEdgeCommands',
        summary: 'Commands sent to an edge, with their results',
        tags: ['edges'],
        access: READERS,
        params: edgeIdParamsSchema,
        query: listCommandsQuerySchema,
        responses: { 200: { description: 'Newest first.', schema: listCommandsResponseSchema } },
        errors: { 404: 'No edge has this id.' },
      },
      async ({ params, query }) => {
        await fleet.edge(params.id);
        return { commands: (await fleet.repository.listCommands(params.id, query.size, fleet.now())).map(commandView) };
      },
    ),
  ];
}
