/** The API's documents as the web app reads them (the OpenAPI document at /api/v1/openapi.json has them in full). */

export type Role = 'admin' | 'analyst' | 'viewer' | 'ingest';
export type AlertStatus = 'open' | 'acknowledged' | 'closed';
export type Severity = 'informational' | 'low' | 'medium' | 'high' | 'critical';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];
export const STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'closed'];

/** Why an alert may be closed, as the API names the resolutions, with what the menu shows. */
export const RESOLUTIONS: readonly (readonly [string, string])[] = [
  ['true_positive', 'True positive'],
  ['benign_positive', 'Benign (expected activity)'],
  ['false_positive', 'False positive'],
  ['duplicate', 'Duplicate'],
];

export interface WhoAmI {
  readonly kind: 'user' | 'api-key';
  readonly name: string;
  readonly role: Role;
}

export interface HistoryEntry {
  readonly at: string;
  readonly actor: string;
  readonly field: string;
  readonly from: string | null;
  readonly to: string | null;
}

export interface AlertComment {
  readonly at: string;
  readonly author: string;
  readonly text: string;
}

export interface Endpoint {
  readonly ip?: string;
  readonly port?: number;
  readonly domain?: string;
  readonly geo?: { readonly country_iso_code?: string; readonly country_name?: string; readonly city_name?: string };
  readonly as?: { readonly number?: number; readonly organization?: { readonly name?: string } };
}

export interface ThreatEnrichment {
  readonly indicator?: { readonly type?: string; readonly ip?: string; readonly url?: { readonly original?: string }; readonly provider?: string; readonly confidence?: string; readonly description?: string };
  readonly matched?: { readonly atomic?: string; readonly field?: string; readonly type?: string };
}

export interface Alert {
  readonly id: string;
  readonly '@timestamp': string;
  readonly message: string;
  readonly event: { readonly severity: number; readonly risk_score: number; readonly created: string };
  readonly rule: { readonly id: string; readonly name: string; readonly description?: string; readonly reference?: string; readonly tags?: readonly string[]; readonly type: string };
  readonly threat?: {
    readonly tactic?: { readonly id: readonly string[]; readonly name: readonly string[] };
    readonly technique?: { readonly id: readonly string[]; readonly name?: readonly string[] };
    readonly enrichments?: readonly ThreatEnrichment[];
  };
  readonly source?: Endpoint;
  readonly destination?: Endpoint;
  readonly host?: { readonly name?: string; readonly hostname?: string; readonly ip?: readonly string[] };
  readonly vigil: {
    readonly alert: {
      readonly severity: Severity;
      readonly status: AlertStatus;
      readonly resolution?: string | null;
      readonly assignee: string | null;
      readonly group: Readonly<Record<string, string>>;
      readonly count: number;
      readonly first_seen: string;
      readonly last_seen: string;
      readonly event_ids: readonly string[];
      readonly asset?: { readonly name: string; readonly owner?: string; readonly criticality: string };
      readonly comments: readonly AlertComment[];
      readonly history: readonly HistoryEntry[];
    };
  };
}

/** A stored ECS event: any shape, read by dotted paths. */
export type EcsEvent = Readonly<Record<string, unknown>>;

export interface AlertPage {
  readonly total: number;
  readonly alerts: readonly Alert[];
  readonly cursor: string | null;
}

export interface EventPage {
  readonly total: number;
  readonly events: readonly EcsEvent[];
  readonly cursor: string | null;
}

export interface User {
  readonly username: string;
  readonly role: Role;
  readonly createdAt: string;
}

export interface ApiKeyInfo {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly lastUsed: string | null;
  readonly revoked: boolean;
}

export interface Edge {
  readonly edgeId: string;
  readonly status: 'online' | 'silent' | 'revoked' | 'enrolled';
  readonly enrolledAt: string | null;
  readonly revokedAt: string | null;
  readonly revocationReason: string | null;
  readonly certificate: { readonly serial: string; readonly notAfter: string } | null;
  readonly lastHeartbeat: {
    readonly receivedAt: string;
    readonly clockOffsetMs: number;
    readonly version: string;
    readonly eventsPerSecond: number;
    readonly spool: { readonly usedBytes: number; readonly maxBytes: number; readonly pendingRecords: number } | null;
    readonly drops: Readonly<Record<string, number>>;
  } | null;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly outcome: string;
  readonly address: string;
}
