export * from './errors.ts';
export * from './config.ts';
export * from './server.ts';
export * from './auth/roles.ts';
export * from './auth/auth-repository.ts';
export * from './auth/sqlite-auth-repository.ts';
export { buildOpenApiDocument } from './http/openapi.ts';
export type { HealthCheck } from './routes/health.ts';
