import type { Bus } from '@vigil/bus';
import { ControlVerifier, createCertificateAuthority } from '@vigil/provenance';
import { Metrics, silentLogger } from '@vigil/runtime';
import { describe, expect, it } from 'vitest';
import { RuleStateWatcher } from './rule-state-watcher.ts';

describe('rule state watcher', () => {
  it('knows the rules the newest list disables, ignores older lists, and publishes the count', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const watcher = new RuleStateWatcher({
      bus: {} as Bus,
      groupId: 'unused',
      verifier: new ControlVerifier({ caCertificatePem: createCertificateAuthority().certificatePem }),
      stateFile: '/nonexistent/rule-states.json',
      metrics,
      logger: silentLogger(),
    });
    expect(watcher.disabled.size).toBe(0);
    const off = (rule: string) => ({ rule, reason: 'too noisy on the build farm', disabledBy: 'alice', disabledAtMs: 1 });
    expect(watcher.apply({ type: 'rule-states', issuedAtMs: 10, disabled: [off('rule-a'), off('rule-b')] })).toBe(true);
    expect([...watcher.disabled].sort()).toEqual(['rule-a', 'rule-b']);
    expect(watcher.apply({ type: 'rule-states', issuedAtMs: 9, disabled: [] })).toBe(false);
    expect(watcher.disabled.has('rule-a')).toBe(true);
    expect(watcher.apply({ type: 'rule-states', issuedAtMs: 11, disabled: [off('rule-b')] })).toBe(true);
    expect([...watcher.disabled]).toEqual(['rule-b']);
    expect((await metrics.render()).body).toMatch(/^vigil_engine_rules_disabled 1$/m);
  });
});
