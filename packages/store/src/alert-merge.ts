import { MAX_ALERT_EVENT_IDS, type Alert } from '@vigil/schema';
import type { AlertPatch } from './store.ts';

/**
 * Merges an engine update into a stored alert. Engine-owned fields (count, last seen, event
 * ids, severity, risk) move forward; analyst-owned fields (status, resolution, assignee,
 * comments, history) stay as the analyst left them. Both stores use this one function.
 */
export function mergeAlert(stored: Alert, update: Alert): Alert {
  const storedAlert = stored.vigil.alert;
  const updateAlert = update.vigil.alert;
  const eventIds = [...new Set([...storedAlert.event_ids, ...updateAlert.event_ids])].slice(0, MAX_ALERT_EVENT_IDS);
  return {
    ...update,
    '@timestamp': stored['@timestamp'],
    event: { ...update.event, created: stored.event.created },
    vigil: {
      alert: {
        ...updateAlert,
        status: storedAlert.status,
        ...(storedAlert.resolution !== undefined && { resolution: storedAlert.resolution }),
        assignee: storedAlert.assignee,
        comments: storedAlert.comments,
        history: storedAlert.history,
        count: Math.max(storedAlert.count, updateAlert.count),
        first_seen: earliest(storedAlert.first_seen, updateAlert.first_seen),
        last_seen: latest(storedAlert.last_seen, updateAlert.last_seen),
        event_ids: eventIds,
      },
    },
  };
}

/** Applies an analyst's patch, recording each changed field in the history. */
export function applyAlertPatch(alert: Alert, patch: AlertPatch, actor: string, now: Date): Alert {
  const at = now.toISOString();
  const current = alert.vigil.alert;
  const history = [...current.history];
  const next = { ...current };
  if (patch.status !== undefined && patch.status !== current.status) {
    history.push({ at, actor, field: 'status', from: current.status, to: patch.status });
    next.status = patch.status;
  }
  // A closed alert carries why; reopening it clears the reason.
  const resolution = next.status === 'closed' ? (patch.resolution ?? current.resolution ?? null) : null;
  if (resolution !== (current.resolution ?? null)) {
    history.push({ at, actor, field: 'resolution', from: current.resolution ?? null, to: resolution });
    next.resolution = resolution;
  }
  if (patch.assignee !== undefined && patch.assignee !== current.assignee) {
    history.push({ at, actor, field: 'assignee', from: current.assignee, to: patch.assignee });
    next.assignee = patch.assignee;
  }
  if (patch.comment !== undefined) {
    next.comments = [...current.comments, { at, author: actor, text: patch.comment }];
    history.push({ at, actor, field: 'comment', from: null, to: patch.comment });
  }
  next.history = history;
  return { ...alert, vigil: { alert: next } };
}

function earliest(a: string, b: string): string {
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function latest(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}
