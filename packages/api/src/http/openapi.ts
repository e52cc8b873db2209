import { z } from 'zod';
import { errorBodySchema } from '../routes/schemas.ts';
import type { RouteDefinition } from './route.ts';

/**
 * Builds the OpenAPI 3.1 document from the routes' own zod schemas, so the document cannot
 * drift from what the server validates. Schemas with an `id` become `components.schemas`.
 */

type JsonObject = Record<string, unknown>;

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
}

/** The OpenAPI document for `routes`. */
export function buildOpenApiDocument(routes: readonly RouteDefinition[], info: OpenApiInfo): JsonObject {
  const components: Record<string, unknown> = {};
  const convert = (schema: z.ZodType, io: 'input' | 'output'): JsonObject => toJsonSchema(schema, io, components);
  const paths: Record<string, Record<string, unknown>> = {};

  for (const { spec } of routes) {
    const path = spec.url.replace(/:(\w+)/g, '{$1}');
    const parameters = [...parametersOf(spec.params, 'path', convert), ...parametersOf(spec.query, 'query', convert)];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema && { content: { [response.contentType ?? 'application/json']: { schema: convert(response.schema, 'output') } } }),
      };
    }
    const errors: Record<number, string> = {};
    if (spec.params || spec.query || spec.body) errors[400] = 'The request is invalid; `error.details` lists each problem.';
    if (spec.access !== 'public') {
      errors[401] = 'No bearer token, or it is expired, revoked or unknown.';
      errors[403] = 'The caller\'s role may not use this route.';
    }
    Object.assign(errors, spec.errors);
    errors[500] = 'Internal error.';
    const errorSchema = convert(errorBodySchema, 'output');
    for (const [status, description] of Object.entries(errors)) {
      responses[status] = { description, content: { 'application/json': { schema: errorSchema } } };
    }
    const operation = {
      operationId: spec.operationId,
      summary: spec.summary,
      ...(spec.description && { description: spec.description }),
      tags: [...spec.tags],
      security: spec.access === 'public' ? [] : [{ bearer: [] }],
      ...(spec.access !== 'public' && { 'x-vigil-roles': [...spec.access] }),
      ...(parameters.length > 0 && { parameters }),
      ...(spec.body && { requestBody: { required: true, content: { 'application/json': { schema: convert(spec.body, 'input') } } } }),
      responses,
    };
    paths[path] = { ...paths[path], [spec.method.toLowerCase()]: operation };
  }

  return {
    openapi: '3.1.0',
    info: { ...info },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A login token from `POST /api/v1/auth/login`, or an API key (`vgl_...`).',
        },
      },
    },
  };
}

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query', convert: (schema: z.ZodType, io: 'input') => JsonObject): JsonObject[] {
  if (!schema) return [];
  const json = convert(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(typeof description === 'string' && { description }),
      schema: rest,
    };
  });
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, unknown>): JsonObject {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonObject;
  delete json.$schema;
  const defs = (json.$defs ?? {}) as Record<string, unknown>;
  delete json.$defs;
  for (const [name, def] of Object.entries(defs)) components[name] ??= rewriteRefs(def);
  return rewriteRefs(json) as JsonObject;
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof child === 'string' ? child.replace(/^#\/\$defs\//, '#/components/schemas/') : rewriteRefs(child);
  }
  return out;
}
