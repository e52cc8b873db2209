import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '../routes/schemas.ts';
import { bearer, createTestApi, type TestApi } from '../testing/harness.ts';
import { openApiDocument } from '../server.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed JSON document, walked by path in assertions
type Json = Record<string, any>;

let api: TestApi;
let doc: Json;

beforeAll(async () => {
  api = await createTestApi();
  const response = await api.server.app.inject({ url: '/api/v1/openapi.json' });
  expect(response.statusCode).toBe(200);
  doc = response.json() as Json;
});

afterAll(async () => {
  await api.close();
});

describe('GET /api/v1/openapi.json', () => {
  it('is an OpenAPI 3.1 document served without authentication', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('is the document made without a server (docs/openapi.json), which also has the fleet\'s routes', () => {
    const generated = openApiDocument() as Json;
    for (const [path, operations] of Object.entries(doc.paths)) expect(generated.paths[path], path).toEqual(operations);
    expect(Object.keys(generated.paths)).toEqual(expect.arrayContaining(['/api/v1/edges', '/api/v1/edges/enroll', '/api/v1/suppressions']));
    expect(generated.components).toEqual(expect.objectContaining({ securitySchemes: doc.components.securitySchemes }));
  });

  it('validates against the OpenAPI 3.1 schema (with every $ref resolving)', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // A broken document is caught: the check is not vacuous.
    const broken = structuredClone(doc);
    broken.paths['/api/v1/alerts'].get.responses['200'].content['application/json'].schema = { $ref: '#/components/schemas/NoSuchSchema' };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('lists every route registered with the server (web app files aside)', () => {
    const webAppFiles = new Set(api.server.webAppFiles);
    const registered = api.server.registeredRoutes.filter((route) => route.method !== 'HEAD' && !webAppFiles.has(route.url));
    expect(registered.length).toBeGreaterThanOrEqual(13);
    for (const { method, url } of registered) {
      const path = url.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[path]?.[method.toLowerCase()], `${method} ${url}`).toBeDefined();
    }
    const documented = Object.values(doc.paths).flatMap((operations) => Object.keys(operations as Json));
    expect(documented).toHaveLength(registered.length);
  });

  it('marks public routes as such and every other route as needing a bearer token, with 401 and 403 documented', () => {
    const publicOps = new Set(['login', 'openapi', 'health', 'metrics']);
    for (const operations of Object.values(doc.paths) as Json[]) {
      for (const operation of Object.values(operations) as Json[]) {
        if (publicOps.has(operation.operationId)) {
          expect(operation.security, operation.operationId).toEqual([]);
        } else {
          expect(operation.security, operation.operationId).toEqual([{ bearer: [] }]);
          expect(Object.keys(operation.responses), operation.operationId).toEqual(expect.arrayContaining(['401', '403']));
        }
      }
    }
  });

  it('describes parameters and bodies from the routes\' zod schemas', () => {
    const search = doc.paths['/api/v1/events'].get;
    expect(search.parameters.map((parameter: Json) => parameter.name)).toEqual(['q', 'from', 'to', 'size', 'cursor']);
    const size = search.parameters.find((parameter: Json) => parameter.name === 'size');
    expect(size).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } });
    expect(size.description).toContain('1 to 1000');

    const alert = doc.paths['/api/v1/alerts/{id}'];
    expect(alert.get.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    const patch = alert.patch.requestBody.content['application/json'].schema;
    expect(patch.properties.status.enum).toEqual(['open', 'acknowledged', 'closed']);
    expect(Object.keys(patch.properties)).toEqual(['status', 'resolution', 'assignee', 'comment']);

    const login = doc.paths['/api/v1/auth/login'].post.requestBody.content['application/json'].schema;
    expect(login.required).toEqual(['username', 'password']);
  });

  it('documents the backtest request and report, for analysts and admins', () => {
    const backtest = doc.paths['/api/v1/backtests'].post;
    expect(backtest['x-vigil-roles']).toEqual(['admin', 'analyst']);
    const body = backtest.requestBody.content['application/json'].schema;
    expect(Object.keys(body.properties)).toEqual(['rules', 'from', 'to', 'query']);
    expect(body.required).toEqual(['rules', 'from', 'to']);
    expect(body.properties.rules.description).toContain('"all"');
    expect(backtest.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/BacktestReport' });
    expect(doc.components.schemas.BacktestReport.properties.stoppedBy.description).toContain('time-limit');
    expect(Object.keys(backtest.responses)).toEqual(expect.arrayContaining(['400', '429']));
  });

  it('puts shared documents in components and every $ref resolves', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Alert', 'Event', 'Error', 'ApiKey']));
    expect(doc.components.schemas.Alert.properties.vigil.properties.alert.properties.status.enum).toEqual(['open', 'acknowledged', 'closed']);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of new Set(refs)) {
      const name = /#\/components\/schemas\/([^"]+)"/.exec(ref)?.[1];
      expect(name, ref).toBeDefined();
      expect(doc.components.schemas[name!], ref).toBeDefined();
    }
  });
});

describe('responses match the documented schemas', () => {
  it('for each route exercised with real data', async () => {
    const admin = await api.login('admin');
    const requests = [
      { method: 'GET' as const, url: '/api/v1/events?q=event.outcome:failure&size=3' },
      { method: 'GET' as const, url: '/api/v1/alerts' },
      { method: 'GET' as const, url: '/api/v1/alerts/alert-ssh-bruteforce-203.0.113.50' },
      { method: 'PATCH' as const, url: '/api/v1/alerts/alert-web-xss-probe-198.51.100.23', payload: { assignee: 'alice', comment: 'benign scanner' } },
      { method: 'POST' as const, url: '/api/v1/api-keys', payload: { name: 'edge-dc3', role: 'ingest' } },
      { method: 'GET' as const, url: '/api/v1/api-keys' },
      { method: 'GET' as const, url: '/api/v1/auth/me' },
      { method: 'GET' as const, url: '/healthz' },
      { method: 'GET' as const, url: '/api/v1/alerts/nope' },
      { method: 'GET' as const, url: '/api/v1/events?size=0' },
    ];
    for (const request of requests) {
      const response = await api.server.app.inject({ ...request, headers: bearer(admin) });
      const route = api.server.routes.find((candidate) => candidate.spec.method === request.method && matches(candidate.spec.url, request.url));
      expect(route, request.url).toBeDefined();
      const declared = route!.spec.responses[response.statusCode];
      if (declared) {
        const result = declared.schema!.safeParse(response.json());
        expect(result.success, `${request.method} ${request.url}: ${JSON.stringify(result.error?.issues?.slice(0, 3))}`).toBe(true);
      } else {
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(Object.keys(doc.paths[route!.spec.url.replace(/:(\w+)/g, '{$1}')][request.method.toLowerCase()].responses)).toContain(String(response.statusCode));
        expect(errorBodySchema.safeParse(response.json()).success).toBe(true);
        expect(response.json().error.code).toMatch(/^VIGIL_ERR_[A-Z]+_[A-Z_]+$/);
      }
    }
  });
});

function matches(template: string, url: string): boolean {
  const path = url.split('?')[0]!;
  const pattern = new RegExp(`^${template.replace(/:(\w+)/g, '[^/]+')}$`);
  return pattern.test(path);
}
