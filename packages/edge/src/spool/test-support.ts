import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics, silentLogger } from '@vigil/runtime';
import { vi } from 'vitest';
import type { SpoolOptions } from './spool.ts';

/**
 * Test support for the spool tests (not exported from the package): temp directories, options
 * with a fresh metrics registry and a logger whose calls can be inspected, realistic payloads.
 */

/** A temp directory and a function removing it. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-spool-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Spool options for `dir` with a fresh registry; `logger.error`/`warn` are spied on. */
export function testOptions(dir: string, overrides: Partial<SpoolOptions> = {}): SpoolOptions {
  const logger = silentLogger();
  vi.spyOn(logger, 'error');
  vi.spyOn(logger, 'warn');
  vi.spyOn(logger, 'info');
  return {
    dir: join(dir, 'spool'),
    maxBytes: 64 * 1024 * 1024,
    segmentBytes: 1024 * 1024,
    fsync: 'never',
    fsyncIntervalMs: 100,
    metrics: new Metrics({ defaultMetrics: false }),
    logger,
    ...overrides,
  };
}

/** The value of a counter or gauge (optionally the series with `labels`). */
export async function metricValue(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  const series = data.values.filter((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected));
  return series.reduce((sum, value) => sum + value.value, 0);
}

/** Error codes the logger was called with at `level`. */
export function loggedCodes(options: SpoolOptions, level: 'error' | 'warn' | 'info'): string[] {
  const calls = vi.mocked(options.logger[level]).mock.calls as unknown[][];
  return calls.map((call) => (call[0] as { code?: string } | undefined)?.code).filter((code): code is string => typeof code === 'string');
}

/** A sealed batch stand-in of exactly `bytes` bytes: syslog lines as JSON, distinct per `index`. */
export function batchPayload(index: number, bytes = 2_000): Buffer {
  const line = `{"message":"<38>Mar  3 14:22:0${index % 10} bastion sshd[${4000 + index}]: Failed password for invalid user admin from 203.0.113.${index % 250} port ${40000 + index} ssh2"},`;
  return Buffer.from(`[${line.repeat(Math.ceil(bytes / line.length))}`.slice(0, bytes));
}

/** Segment file names in the spool directory, oldest first. */
export async function segmentFiles(options: SpoolOptions): Promise<string[]> {
  return (await readdir(options.dir)).filter((name) => name.endsWith('.seg')).sort();
}
