import type { FastifyRequest } from 'fastify';
import { errorCode } from '@vigil/runtime';
import { actorName, type Principal } from '../auth/roles.ts';
import type { AuditEntryInput } from './audit-log.ts';

/** Request fields never written to the audit log: credentials and key material. */
const SECRET_FIELD = /password|token|secret|^key$|pem$|signature/i;
/** Longest string value kept in an entry's detail (a comment, a query). */
const MAX_VALUE_LENGTH = 1_000;

/** What the audit log says about one request to a route: who did what to what, and how it ended. */
export function auditEntry(input: { operationId: string; request: FastifyRequest; principal: Principal | null; error: unknown; now: Date }): AuditEntryInput {
  const { operationId, request, principal, error } = input;
  const params = (request.params ?? {}) as Record<string, unknown>;
  const body = request.body !== null && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
  const target = Object.entries(params)
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(' ');
  return {
    at: input.now.toISOString(),
    actor: principal ? actorName(principal) : typeof body.username === 'string' ? body.username.slice(0, 256) : 'anonymous',
    action: operationId,
    target: target === '' ? null : target,
    detail: withoutSecrets(body),
    outcome: error === null ? 'ok' : errorCode(error),
    address: request.ip,
  };
}

/** The fields of a request body, at every depth, without secrets and with long strings cut. */
function withoutSecrets(body: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!SECRET_FIELD.test(name)) kept[name] = keptValue(value);
  }
  return kept;
}

function keptValue(value: unknown): unknown {
  if (typeof value === 'string') return value.length > MAX_VALUE_LENGTH ? `${value.slice(0, MAX_VALUE_LENGTH)}…` : value;
  if (Array.isArray(value)) return value.map(keptValue);
  if (value !== null && typeof value === 'object') return withoutSecrets(value as Record<string, unknown>);
  return value;
}
