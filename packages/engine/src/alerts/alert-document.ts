import { createHash } from 'node:crypto';
import { jsonCopy } from './json-copy.ts';
import { SEVERITY_SCORE, type Alert, type AssetCriticality, type EcsEvent, type ThreatEnrichment } from '@vigil/schema';
import type { SigmaRule } from '../sigma/types.ts';
import { alertMessage } from './alert-message.ts';
import { threatFromTags } from './attack.ts';
import { riskScore } from './risk-score.ts';

/** What enrichment found across an alert's events. */
export interface AlertEnrichment {
  /** Threat-intel matches, one per indicator and field, at most MAX_ALERT_ENRICHMENTS. */
  enrichments: ThreatEnrichment[];
  /** The highest confidence (0–100) of the indicators matched. */
  intelConfidence?: number;
  /** The affected asset, from the latest event that had one. */
  asset?: { name: string; owner?: string; criticality: AssetCriticality };
}

/** The most threat-intel matches an alert lists. */
export const MAX_ALERT_ENRICHMENTS = 20;

/** What the engine remembers about one alert between updates. */
export interface AlertState {
  readonly id: string;
  readonly dedupKey: string;
  readonly group: Readonly<Record<string, string>>;
  firstSeen: number;
  lastSeen: number;
  count: number;
  readonly eventIds: string[];
  /** Wall-clock time the alert was first created (ms). */
  readonly createdAt: number;
  /** Watermark at the last update; idle alerts are forgotten from it. */
  touched: number;
  /** What enrichment found so far (undefined until it found something). */
  enrichment?: AlertEnrichment;
}

/** `<rule id>` followed by `|field=value` for each group-by value: one ongoing attack, one key. */
export function dedupKey(rule: SigmaRule, group: Readonly<Record<string, string>>): string {
  let key = rule.id;
  for (const [field, value] of Object.entries(group)) key += `|${field}=${value}`;
  return key;
}

/**
 * The alert id: a hash of the dedup key and the event time the alert starts at (its first
 * hit's oldest event), so processing the same input again (after a crash, or on other engine
 * instances, whose hits may arrive in another order) gives the same id. Two alerts of one key
 * never start at the same time: the second would have updated the first.
 */
export function alertId(key: string, firstTime: number): string {
  return createHash('sha256').update(`${key}\n@${firstTime}`).digest('base64url').slice(0, 20);
}

/** The full alert document for a rule's current alert state. */
export function alertDocument(rule: SigmaRule, state: AlertState, event: EcsEvent, measure: number | undefined): Alert {
  const score = SEVERITY_SCORE[rule.level];
  const enrichment = state.enrichment;
  const attack = ruleThreat(rule);
  const threat = enrichment && enrichment.enrichments.length > 0 ? { ...attack, enrichments: enrichment.enrichments.map((entry) => jsonCopy(entry)) } : attack;
  const firstSeen = new Date(state.firstSeen).toISOString();
  return {
    id: state.id,
    '@timestamp': firstSeen,
    message: alertMessage({ rule, group: state.group, event, count: state.count, firstSeen: state.firstSeen, lastSeen: state.lastSeen, measure }),
    event: { kind: 'alert', severity: score, risk_score: riskScore(rule.level, enrichment?.asset?.criticality, enrichment?.intelConfidence), created: new Date(state.createdAt).toISOString() },
    rule: {
      id: rule.id,
      name: rule.title,
      ...(rule.description !== undefined ? { description: rule.description } : {}),
      ...(rule.references[0] !== undefined ? { reference: rule.references[0] } : {}),
      ...(rule.tags.length > 0 ? { tags: [...rule.tags] } : {}),
      type: rule.kind === 'correlation' ? `sigma_${rule.correlation.type}` : 'sigma',
    },
    ...(threat ? { threat } : {}),
    ...endpoints(event),
    vigil: {
      alert: {
        severity: rule.level,
        status: 'open',
        assignee: null,
        dedup_key: state.dedupKey,
        group: { ...state.group },
        count: state.count,
        first_seen: firstSeen,
        last_seen: new Date(state.lastSeen).toISOString(),
        event_ids: [...state.eventIds],
        ...(enrichment?.asset ? { asset: { ...enrichment.asset } } : {}),
        comments: [],
        history: [],
      },
    },
  };
}

const threatsOfRules = new WeakMap<SigmaRule, Alert['threat']>();

/** The rule's ATT&CK block (worked out from its tags once per rule), as a copy of its own for one document. */
function ruleThreat(rule: SigmaRule): Alert['threat'] {
  let threat = threatsOfRules.get(rule);
  if (threat === undefined && !threatsOfRules.has(rule)) threatsOfRules.set(rule, (threat = threatFromTags(rule.tags)));
  return jsonCopy(threat);
}

/** The latest event's source, destination and host as the alert shows them, with their enrichment (geo, AS). */
function endpoints(event: EcsEvent): Pick<Alert, 'source' | 'destination' | 'host'> {
  const out: Pick<Alert, 'source' | 'destination' | 'host'> = {};
  for (const side of ['source', 'destination'] as const) {
    const endpoint = event[side];
    if (!endpoint) continue;
    const picked = pick(endpoint, ['ip', 'port', 'domain', 'geo', 'as']);
    if (Object.keys(picked).length > 0) out[side] = picked;
  }
  if (event.host) {
    const host = pick(event.host, ['hostname', 'name', 'ip', 'geo']);
    if (Object.keys(host).length > 0) out.host = host;
  }
  return out;
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  for (const key of keys) if (from[key] !== undefined) picked[key] = jsonCopy(from[key]);
  return picked;
}
