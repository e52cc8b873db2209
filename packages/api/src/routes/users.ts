import { z } from 'zod';
import { apiErrors } from '../errors.ts';
import type { AuthRepository } from '../auth/auth-repository.ts';
import { ADMINS, roleSchema } from '../auth/roles.ts';
import { PASSWORD_LENGTH } from '../auth/password.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';

const passwordSchema = z
  .string()
  .min(PASSWORD_LENGTH.min)
  .max(PASSWORD_LENGTH.max)
  .describe(`The password, ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters; stored only as a scrypt hash.`);

export const userSchema = z
  .object({
    username: z.string(),
    role: roleSchema,
    createdAt: z.iso.datetime(),
  })
  .strict()
  .meta({ id: 'User', description: 'A user who signs in to the dashboard (never with their password).' });

export const createUserRequestSchema = z
  .object({
    username: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/).describe('1 to 64 letters, digits and `._@-`.'),
    password: passwordSchema,
    role: roleSchema,
  })
  .strict();

export const updateUserRequestSchema = z
  .object({
    role: roleSchema.optional(),
    password: passwordSchema.optional(),
  })
  .strict()
  .refine((change) => change.role !== undefined || change.password !== undefined, { message: 'give role, password or both' });

export const usernameParamsSchema = z.object({ username: z.string().min(1).max(64).describe('User name.') }).strict();

export const listUsersResponseSchema = z.object({ users: z.array(userSchema).describe('By user name.') }).strict();

/** User management for admins: who may sign in, with which role. */
export function userRoutes(deps: { auth: AuthRepository }): RouteDefinition[] {
  const { auth } = deps;
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/users',
        operationId: 'listUsers',
        summary: 'List users',
        tags: ['users'],
        access: ADMINS,
        responses: { 200: { description: 'Every user.', schema: listUsersResponseSchema } },
      },
      async () => ({ users: await auth.listUsers() }),
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/users',
        operationId: 'createUser',
        summary: 'Create a user',
        tags: ['users'],
        access: ADMINS,
        body: createUserRequestSchema,
        responses: { 201: { description: 'Created.', schema: userSchema } },
        errors: { 409: 'A user with this name exists.' },
      },
      async ({ body, reply }) => {
        const user = await auth.createUser(body);
        reply.code(201);
        return user;
      },
    ),
    defineRoute(
      {
        method: 'PATCH',
        url: '/api/v1/users/:username',
        operationId: 'updateUser',
        summary: 'Change a user\'s role or password',
        description: 'Ends every session the user has, so the change applies at once. The last admin cannot be given another role.',
        tags: ['users'],
        access: ADMINS,
        params: usernameParamsSchema,
        body: updateUserRequestSchema,
        responses: { 200: { description: 'The user as changed.', schema: userSchema } },
        errors: { 404: 'No such user.', 409: 'It would leave no admin.' },
      },
      async ({ params, body }) => {
        const user = await auth.updateUser(params.username, body);
        if (!user) throw apiErrors.create('VIGIL_ERR_API_USER_NOT_FOUND', { username: params.username });
        return user;
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        url: '/api/v1/users/:username',
        operationId: 'deleteUser',
        summary: 'Delete a user',
        description: 'Their sessions end at once. The last admin cannot be deleted. API keys they created keep working; revoke those separately.',
        tags: ['users'],
        access: ADMINS,
        params: usernameParamsSchema,
        responses: { 204: { description: 'Deleted.' } },
        errors: { 404: 'No such user.', 409: 'This is the last admin.' },
      },
      async ({ params, reply }) => {
        if (!(await auth.deleteUser(params.username))) throw apiErrors.create('VIGIL_ERR_API_USER_NOT_FOUND', { username: params.username });
        reply.code(204);
        return undefined;
      },
    ),
  ];
}
