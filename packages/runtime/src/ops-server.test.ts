import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.ts';
import { OpsServer } from './ops-server.ts';

describe('ops HTTP server', () => {
  it('answers health by readiness and serves Prometheus metrics', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.counter('vigil_test_things_total', 'Things.').inc(3);
    let ready = false;
    const server = new OpsServer({ host: '127.0.0.1', port: 0, metrics, ready: () => ready });
    await server.start();
    const base = `http://127.0.0.1:${server.address()!.port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('vigil_test_things_total 3');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
