import type { Metrics } from '@vigil/runtime';

type Counter<L extends string = never> = ReturnType<typeof Metrics.prototype.counter<L>>;
type Gauge = ReturnType<Metrics['gauge']>;
type Histogram = ReturnType<Metrics['histogram']>;

/** Why an append was refused; the `reason` label of `vigil_edge_spool_rejected_total`. */
export type SpoolRejectReason = 'full' | 'too_large' | 'write_failed' | 'closed';

/** The spool's metrics (`vigil_edge_spool_*`), created from the process registry. */
export class SpoolMetrics {
  readonly usedBytes: Gauge;
  readonly diskBytes: Gauge;
  readonly maxBytes: Gauge;
  readonly pendingRecords: Gauge;
  readonly appends: Counter;
  readonly appendedBytes: Counter;
  readonly rejected: Counter<'reason'>;
  readonly acks: Counter;
  /** fsync/fdatasync calls, by target: `segment` (record data) or `directory` (segment created or deleted). */
  readonly fsyncs: Counter<'target'>;
  readonly fsyncSeconds: Histogram;
  readonly corruptBytes: Counter;
  readonly corruptRecords: Counter;
  readonly truncatedBytes: Counter;

  constructor(metrics: Metrics) {
    this.usedBytes = metrics.gauge('vigil_edge_spool_used_bytes', 'Bytes of spooled batches not yet acknowledged by the bus (what spool.maxBytes bounds).');
    this.diskBytes = metrics.gauge('vigil_edge_spool_disk_bytes', 'Bytes of the spool segment files on disk.');
    this.maxBytes = metrics.gauge('vigil_edge_spool_max_bytes', 'The configured spool.maxBytes.');
    this.pendingRecords = metrics.gauge('vigil_edge_spool_pending_records', 'Spooled batches not yet acknowledged by the bus.');
    this.appends = metrics.counter('vigil_edge_spool_appends_total', 'Batches made durable in the spool.');
    this.appendedBytes = metrics.counter('vigil_edge_spool_appended_bytes_total', 'Bytes of batches made durable in the spool, framing included.');
    this.rejected = metrics.counter('vigil_edge_spool_rejected_total', 'Appends the spool refused, by reason (full, too_large, write_failed, closed).', ['reason']);
    this.acks = metrics.counter('vigil_edge_spool_acks_total', 'Spooled batches acknowledged by the bus.');
    this.fsyncs = metrics.counter('vigil_edge_spool_fsyncs_total', 'fsync calls made by the spool, by target (segment, directory).', ['target']);
    this.fsyncSeconds = metrics.histogram(
      'vigil_edge_spool_fsync_duration_seconds',
      'Time taken by segment fsyncs.',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
    this.corruptBytes = metrics.counter('vigil_edge_spool_corrupt_bytes_total', 'Corrupt spool bytes skipped; the batches in them are lost.');
    this.corruptRecords = metrics.counter('vigil_edge_spool_corrupt_records_total', 'Spooled batches lost to corruption (at least one per corrupt region).');
    this.truncatedBytes = metrics.counter(
      'vigil_edge_spool_truncated_bytes_total',
      'Bytes of torn records cut from the end of the spool at start-up (writes interrupted by a crash, never acknowledged).',
    );
  }
}
