import type { Alert } from '@vigil/schema';

/** What the live feed tells clients about a changed alert: enough to show it, and its id to fetch the rest. */
export interface AlertNotice {
  readonly id: string;
  readonly rule: string;
  readonly severity: string;
  readonly status: string;
  readonly count: number;
  readonly lastSeen: string;
  /** `engine`: new events or a new alert; `analyst`: triage through this API. */
  readonly by: 'engine' | 'analyst';
}

/** Fans alert changes out to whoever listens (the open live streams). */
export class AlertFeed {
  readonly #listeners = new Set<(notice: AlertNotice) => void>();

  publish(alert: Alert, by: AlertNotice['by']): void {
    if (this.#listeners.size === 0) return;
    const info = alert.vigil.alert;
    const notice: AlertNotice = { id: alert.id, rule: alert.rule.name, severity: info.severity, status: info.status, count: info.count, lastSeen: info.last_seen, by };
    for (const listener of this.#listeners) listener(notice);
  }

  /** Listens until the returned function is called. */
  subscribe(listener: (notice: AlertNotice) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listeners(): number {
    return this.#listeners.size;
  }
}
