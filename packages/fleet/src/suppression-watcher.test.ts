import type { Bus } from '@vigil/bus';
import { ControlVerifier, createCertificateAuthority } from '@vigil/provenance';
import { Metrics, silentLogger } from '@vigil/runtime';
import { describe, expect, it } from 'vitest';
import { SuppressionWatcher } from './suppression-watcher.ts';

describe('suppression watcher', () => {
  it('matches rule and fields (arrays by element), keeps only the newest list, and drops a suppression at its expiry', () => {
    let now = 1_000_000;
    const watcher = new SuppressionWatcher({
      bus: {} as Bus,
      groupId: 'unused',
      verifier: new ControlVerifier({ caCertificatePem: createCertificateAuthority().certificatePem }),
      stateFile: '/nonexistent/suppressions.json',
      metrics: new Metrics({ defaultMetrics: false }),
      logger: silentLogger(),
      now: () => now,
    });
    const base = { reason: 'noisy scanner', createdBy: 'alice', createdAtMs: 0 };
    expect(
      watcher.apply({
        type: 'suppressions',
        issuedAtMs: 10,
        suppressions: [
          { ...base, id: 'by-rule-and-host', rule: 'ssh_brute_force', match: { 'source.ip': '10.0.0.5' }, expiresAtMs: 2_000_000 },
          { ...base, id: 'any-rule-on-tag', match: { tags: 'lab' }, expiresAtMs: 1_500_000 },
        ],
      }),
    ).toBe(true);
    const fields = (values: Record<string, unknown>) => (field: string) => values[field];
    expect(watcher.suppressing({ id: 'x', name: 'ssh_brute_force' }, fields({ 'source.ip': '10.0.0.5' }))?.id).toBe('by-rule-and-host');
    expect(watcher.suppressing({ id: 'x', name: 'ssh_brute_force' }, fields({ 'source.ip': '10.0.0.6' }))).toBeUndefined();
    expect(watcher.suppressing({ id: 'x', name: 'other' }, fields({ 'source.ip': '10.0.0.5' }))).toBeUndefined();
    expect(watcher.suppressing({ id: 'any' }, fields({ tags: ['prod', 'lab'] }))?.id).toBe('any-rule-on-tag');
    now = 1_600_000;
    expect(watcher.suppressing({ id: 'any' }, fields({ tags: ['lab'] }))).toBeUndefined();
    // An older list is ignored; a newer empty one ends everything.
    expect(watcher.apply({ type: 'suppressions', issuedAtMs: 5, suppressions: [] })).toBe(false);
    expect(watcher.suppressing({ id: 'x', name: 'ssh_brute_force' }, fields({ 'source.ip': '10.0.0.5' }))?.id).toBe('by-rule-and-host');
    expect(watcher.apply({ type: 'suppressions', issuedAtMs: 11, suppressions: [] })).toBe(true);
    expect(watcher.suppressing({ id: 'x', name: 'ssh_brute_force' }, fields({ 'source.ip': '10.0.0.5' }))).toBeUndefined();
  });
});
