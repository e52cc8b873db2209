import { z } from 'zod';
import { apiErrors } from '../errors.ts';
import type { AuthRepository } from '../auth/auth-repository.ts';
import type { LoginLimiter } from '../auth/login-limiter.ts';
import { ANY_ROLE, roleSchema } from '../auth/roles.ts';
import { bearerOf, defineRoute, type RouteDefinition } from '../http/route.ts';

export const loginRequestSchema = z
  .object({
    username: z.string().min(1).max(256).describe('User name, e.g. `admin`.'),
    password: z.string().min(1).max(1024).describe('The user\'s password.'),
  })
  .strict();

export const loginResponseSchema = z
  .object({
    token: z.string().describe('Send as `Authorization: Bearer <token>`.'),
    expiresAt: z.iso.datetime().describe('When the token stops working.'),
  })
  .strict();

export const whoAmISchema = z
  .object({
    kind: z.enum(['user', 'api-key']).describe('Whether the bearer is a login session or an API key.'),
    name: z.string().describe('User name, or the API key\'s name.'),
    role: roleSchema,
  })
  .strict();

/** The address the account-wide limiter counts every attempt under. */
const ANY_ADDRESS = '*';

/** Login, logout and "who am I". */
export function authRoutes(deps: {
  auth: AuthRepository;
  limiter: LoginLimiter;
  /** Failures per username from every address together (the same limiter keyed by the username alone). */
  accountLimiter: LoginLimiter;
  sessionTtlMs: number;
  /** Counts failed logins (`vigil_api_login_failures_total`). */
  loginFailures: { inc(): void };
}): RouteDefinition[] {
  const { auth, limiter, accountLimiter, sessionTtlMs, loginFailures } = deps;
  return [
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/auth/login',
        operationId: 'login',
        summary: 'Log in with a username and password',
        description: 'Failed attempts are limited per username and client address (`api.loginMaxFailures`), and per username from all addresses together (`api.loginAccountMaxFailures`); over either limit the answer is 429 with Retry-After.',
        tags: ['auth'],
        access: 'public',
        body: loginRequestSchema,
        responses: { 200: { description: 'Logged in.', schema: loginResponseSchema } },
        errors: { 401: 'Wrong username or password.', 429: 'Too many failed attempts; see Retry-After.' },
      },
      async ({ body, request }) => {
        const address = request.ip;
        const retryAfterSeconds = Math.max(limiter.retryAfterSeconds(body.username, address), accountLimiter.retryAfterSeconds(body.username, ANY_ADDRESS));
        if (retryAfterSeconds > 0) throw apiErrors.create('VIGIL_ERR_API_LOGIN_RATE_LIMITED', { retryAfterSeconds });
        const user = await auth.checkPassword(body.username, body.password);
        if (!user) {
          limiter.recordFailure(body.username, address);
          accountLimiter.recordFailure(body.username, ANY_ADDRESS);
          loginFailures.inc();
          throw apiErrors.create('VIGIL_ERR_API_LOGIN_FAILED');
        }
        limiter.recordSuccess(body.username, address);
        accountLimiter.recordSuccess(body.username, ANY_ADDRESS);
        return auth.createSession(user.username, sessionTtlMs);
      },
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/auth/logout',
        operationId: 'logout',
        summary: 'End the current login session',
        description: 'The token stops working at once. Calling it with an API key does nothing; revoke keys instead.',
        tags: ['auth'],
        access: ANY_ROLE,
        responses: { 204: { description: 'Logged out.' } },
      },
      async ({ request, reply }) => {
        const bearer = bearerOf(request.headers.authorization);
        if (bearer) await auth.deleteSession(bearer);
        reply.code(204);
        return undefined;
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/auth/me',
        operationId: 'whoAmI',
        summary: 'Who the bearer token belongs to',
        tags: ['auth'],
        access: ANY_ROLE,
        responses: { 200: { description: 'The caller.', schema: whoAmISchema } },
      },
      async ({ principal }) => ({ kind: principal.kind, name: principal.name, role: principal.role }),
    ),
  ];
}
