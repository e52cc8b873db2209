import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { apiErrors } from '../errors.ts';
import type { AuthRepository } from '../auth/auth-repository.ts';
import type { Principal, Role } from '../auth/roles.ts';

/**
 * Routes are declared once, as data: method, URL, who may call it and zod schemas for what
 * goes in and out. The same declaration registers the fastify route (authentication, then
 * validation, then the handler) and becomes the route's OpenAPI operation.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One documented response. */
export interface ResponseSpec {
  readonly description: string;
  /** Body schema (output side); none for an empty body. */
  readonly schema?: z.ZodType;
  /** Defaults to `application/json`. */
  readonly contentType?: string;
}

type Schema = z.ZodType | undefined;
type Parsed<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;
type Access = readonly Role[] | 'public';

export interface RouteSpec<P extends Schema, Q extends Schema, B extends Schema, A extends Access> {
  readonly method: HttpMethod;
  /** fastify-style URL, e.g. `/api/v1/alerts/:id`. */
  readonly url: string;
  /** Unique name of the operation in the OpenAPI document. */
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** Roles allowed to call the route, or `public` for no authentication. */
  readonly access: A;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** Successful responses by status. */
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** Route-specific error statuses (beyond 400/401/403/500, which are documented for every route that can give them). */
  readonly errors?: Readonly<Record<number, string>>;
}

export interface RouteContext<P, Q, B, A extends Access> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Who is calling; null only on public routes. */
  readonly principal: A extends 'public' ? null : Principal;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/** A route ready to register. */
export interface RouteDefinition {
  readonly spec: RouteSpec<Schema, Schema, Schema, Access>;
  readonly handle: (request: FastifyRequest, reply: FastifyReply, principal: Principal | null) => Promise<unknown>;
}

/** Declares a route; the handler gets validated, typed input and returns the response body. */
export function defineRoute<P extends Schema = undefined, Q extends Schema = undefined, B extends Schema = undefined, A extends Access = Access>(
  spec: RouteSpec<P, Q, B, A>,
  handler: (context: RouteContext<Parsed<P>, Parsed<Q>, Parsed<B>, A>) => Promise<unknown>,
): RouteDefinition {
  return {
    spec,
    async handle(request, reply, principal) {
      const params = parsePart(spec.params, request.params, 'params');
      const query = parsePart(spec.query, request.query, 'query');
      const body = parsePart(spec.body, request.body, 'body');
      const context = { params, query, body, principal, request, reply } as RouteContext<Parsed<P>, Parsed<Q>, Parsed<B>, A>;
      return handler(context);
    },
  };
}

/** Told how each request to a route ended (`error` null when it succeeded), with who made it when known. */
export type RouteOutcomeListener = (route: RouteDefinition, request: FastifyRequest, principal: Principal | null, error: unknown) => void;

/**
 * Registers routes on fastify: authentication and role check first, then validation, then the
 * handler. `outcome` hears how every request ended (the audit log).
 */
export function registerRoutes(app: FastifyInstance, routes: readonly RouteDefinition[], auth: AuthRepository, outcome: RouteOutcomeListener = () => undefined): void {
  for (const route of routes) {
    const { access } = route.spec;
    app.route({
      method: route.spec.method,
      url: route.spec.url,
      handler: async (request, reply) => {
        let principal: Principal | null = null;
        try {
          if (access !== 'public') {
            principal = await authenticate(request, auth);
            authorize(request, principal, access);
          }
          const result = await route.handle(request, reply, principal);
          outcome(route, request, principal, null);
          if (reply.sent) return reply;
          return reply.send(result);
        } catch (error) {
          outcome(route, request, principal, error);
          throw error;
        }
      },
    });
  }
}

async function authenticate(request: FastifyRequest, auth: AuthRepository): Promise<Principal> {
  const bearer = bearerOf(request.headers.authorization);
  const principal = bearer === null ? null : await auth.authenticate(bearer);
  if (!principal) throw apiErrors.create('VIGIL_ERR_API_UNAUTHENTICATED');
  return principal;
}

function authorize(request: FastifyRequest, principal: Principal, roles: readonly Role[]): void {
  if (!roles.includes(principal.role)) {
    throw apiErrors.create('VIGIL_ERR_API_FORBIDDEN', { role: principal.role, action: `${request.method} ${request.routeOptions.url ?? request.url}` });
  }
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

function parsePart<S extends Schema>(schema: S, value: unknown, part: 'params' | 'query' | 'body'): Parsed<S> {
  if (!schema) return undefined as Parsed<S>;
  const result = schema.safeParse(value ?? (part === 'body' ? undefined : {}));
  if (result.success) return result.data as Parsed<S>;
  const details = result.error.issues.map((issue) => ({
    in: part,
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const first = details[0]!;
  const summary = `${part}${first.path ? `.${first.path}` : ''}: ${first.message}`;
  throw apiErrors.create('VIGIL_ERR_API_BAD_REQUEST', { summary, details });
}
