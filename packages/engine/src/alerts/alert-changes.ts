import type { Alert } from '@vigil/schema';
import { strongerChange, type AlertChange } from './alert-tracker.ts';

/**
 * What happened to each alert since the engine last published: detection records every
 * change (`record`, handed to the detection engine as `onAlert`), and the engine takes them once
 * the alerts are durable on the bus, to notify. An alert changed twice keeps the stronger change
 * (created, then escalated, then updated), so a new alert is announced once as new.
 */
export class AlertChangeLog {
  readonly #changes = new Map<string, AlertChange>();

  readonly record = (alert: Alert, change: AlertChange): void => {
    this.#changes.set(alert.id, strongerChange(this.#changes.get(alert.id), change));
  };

  /** The changes recorded since the last take, by alert id; the log starts empty again. */
  take(): Map<string, AlertChange> {
    const taken = new Map(this.#changes);
    this.#changes.clear();
    return taken;
  }
}
