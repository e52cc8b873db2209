import { createHash } from 'node:crypto';
import { SEVERITY_SCORE, type Alert, type EcsEvent } from '@vigil/schema';
import type { SigmaRule } from '../sigma/types.ts';
import { alertMessage } from './alert-message.ts';
import { threatFromTags } from './attack.ts';

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
}

/** `<rule id>` followed by `|field=value` for each group-by value: one ongoing attack, one key. */
export function dedupKey(rule: SigmaRule, group: Readonly<Record<string, string>>): string {
  let key = rule.id;
  for (const [field, value] of Object.entries(group)) key += `|${field}=${value}`;
  return key;
}

/**
 * The alert id: a hash of the dedup key and the first triggering event's id, so processing
 * the same input again (after a crash, or on another engine instance) gives the same id.
 */
export function alertId(key: string, firstEventId: string): string {
  return createHash('sha256').update(`${key}\n${firstEventId}`).digest('base64url').slice(0, 20);
}

/** The full alert document for a rule's current alert state. */
export function alertDocument(rule: SigmaRule, state: AlertState, event: EcsEvent, measure: number | undefined): Alert {
  const score = SEVERITY_SCORE[rule.level];
  const threat = threatFromTags(rule.tags);
  const firstSeen = new Date(state.firstSeen).toISOString();
  return {
    id: state.id,
    '@timestamp': firstSeen,
    message: alertMessage({ rule, group: state.group, event, count: state.count, firstSeen: state.firstSeen, lastSeen: state.lastSeen, measure }),
    event: { kind: 'alert', severity: score, risk_score: score, created: new Date(state.createdAt).toISOString() },
    rule: {
      id: rule.id,
      name: rule.title,
      ...(rule.description !== undefined ? { description: rule.description } : {}),
      ...(rule.references[0] !== undefined ? { reference: rule.references[0] } : {}),
      ...(rule.tags.length > 0 ? { tags: [...rule.tags] } : {}),
      type: rule.kind === 'correlation' ? `sigma_${rule.correlation.type}` : 'sigma',
    },
    ...(threat ? { threat } : {}),
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
        comments: [],
        history: [],
      },
    },
  };
}
