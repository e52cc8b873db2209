import type { components, operations } from './api-types.ts';

/**
 * The API's documents as the web app reads them: taken from `api-types.ts`, which `pnpm run docs`
 * generates from the API's OpenAPI document, so the app follows every change to the routes.
 */

/** The JSON body operation `O` answers with on success (status `S`). */
export type Answer<O extends keyof operations, S extends number = 200> = operations[O]['responses'] extends Record<S, { content: { 'application/json': infer Body } }> ? Body : never;

export type Alert = components['schemas']['Alert'];
export type ApiKeyInfo = components['schemas']['ApiKey'];
export type AuditEntry = components['schemas']['AuditEntry'];
export type Edge = components['schemas']['Edge'];
export type User = components['schemas']['User'];
export type WhoAmI = Answer<'whoAmI'>;
export type Role = WhoAmI['role'];
export type AlertStatus = Alert['vigil']['alert']['status'];
export type Severity = Alert['vigil']['alert']['severity'];
export type AlertPage = Answer<'listAlerts'>;
export type AlertDetailAnswer = Answer<'getAlert'>;
export type EventPage = Answer<'searchEvents'>;
/** A stored ECS event, read by dotted paths (`field`). */
export type EcsEvent = EventPage['events'][number];

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];
export const STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'closed'];

/** Why an alert may be closed, as the API names the resolutions, with what the menu shows. */
export const RESOLUTIONS: readonly (readonly [NonNullable<Alert['vigil']['alert']['resolution']>, string])[] = [
  ['true_positive', 'True positive'],
  ['benign_positive', 'Benign (expected activity)'],
  ['false_positive', 'False positive'],
  ['duplicate', 'Duplicate'],
];
