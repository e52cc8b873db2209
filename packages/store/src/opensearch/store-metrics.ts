import type { Metrics } from '@vigil/runtime';

/** The parts of a prom-client counter the store uses. */
interface Count {
  inc(value?: number): void;
}
interface LabelledCount {
  inc(labels: Record<string, string>, value?: number): void;
}

/** The OpenSearch store's counters (Prometheus, `vigil_opensearch_*`). */
export interface StoreMetrics {
  eventsWritten: Count;
  eventsDuplicate: Count;
  retried: LabelledCount;
  refused: LabelledCount;
  alertConflicts: Count;
  indicesCreated: Count;
  indicesDeleted: Count;
  maintenanceFailures: LabelledCount;
}

export function storeMetrics(metrics: Metrics): StoreMetrics {
  return {
    eventsWritten: metrics.counter('vigil_opensearch_events_written_total', 'Events written to OpenSearch for the first time.'),
    eventsDuplicate: metrics.counter('vigil_opensearch_events_duplicate_total', 'Events whose id was already stored (replays, redeliveries), left unchanged.'),
    retried: metrics.counter('vigil_opensearch_documents_retried_total', 'Document writes retried after OpenSearch rejected them as overloaded (429) or failed transiently.', ['kind']),
    refused: metrics.counter('vigil_opensearch_documents_refused_total', 'Documents OpenSearch refused for good (mapping or parse errors); the write failed naming them.', ['kind']),
    alertConflicts: metrics.counter('vigil_opensearch_alert_conflicts_total', 'Alert writes that found the alert changed since it was read, and were merged again.'),
    indicesCreated: metrics.counter('vigil_opensearch_indices_created_total', 'Events indices created (on first write to a period, or ahead of time).'),
    indicesDeleted: metrics.counter('vigil_opensearch_indices_deleted_total', 'Events indices deleted by retention.'),
    maintenanceFailures: metrics.counter('vigil_opensearch_maintenance_failures_total', 'Failed runs of index maintenance (next index, retention); retried on the next run.', ['code']),
  };
}
