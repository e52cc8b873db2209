import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@vigil/runtime';
import { SEVERITY_SCORE, alertSchema, type Alert, type EcsEvent } from '@vigil/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { DetectionEngine } from '../alerts/detection-engine.ts';
import { Notifier } from '../notify/notifier.ts';
import { parseRuleSources } from '../sigma/loader.ts';
import { startTestEnrichment, stixBundleOf } from './test-enrichment.ts';
import { FAILED_SSH_LOGIN_RULE } from '../sigma/test-rules.ts';

const RULES = `${FAILED_SSH_LOGIN_RULE}
---
title: SSH brute force
id: 0e95725d-7320-415d-80f7-004da920fc11
tags: [attack.credential_access, attack.t1110]
level: high
correlation: {type: event_count, rules: [failed_login], group-by: [source.ip], timespan: 1m, condition: {gte: 3}}
`;

const ASSETS = 'host,name,owner,criticality\nweb-1,Public web frontend,web-team@example.com,critical\n';

const T0 = Date.parse('2026-11-25T03:14:00Z');

function failure(seconds: number, id: string): EcsEvent {
  const at = new Date(T0 + seconds * 1000).toISOString();
  return {
    '@timestamp': at,
    message: 'Failed password for root from 203.0.113.7 port 52814 ssh2',
    event: { id, kind: 'event', category: ['authentication'], action: 'ssh_login', outcome: 'failure', created: at },
    host: { hostname: 'web-1' },
    process: { name: 'sshd', pid: 24012 },
    source: { ip: '203.0.113.7', port: 52814 },
    user: { name: 'root' },
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A webhook receiver that checks Vigil's signature the way an integrator would. */
async function webhookReceiver(secret: string): Promise<{ url: string; received: { event: string; alert: Alert }[]; rejected: number }> {
  const state = { url: '', received: [] as { event: string; alert: Alert }[], rejected: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const timestamp = String(request.headers['x-vigil-timestamp']);
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
      if (request.headers['x-vigil-signature'] !== expected) {
        state.rejected++;
        response.writeHead(401).end();
        return;
      }
      state.received.push(JSON.parse(body) as { event: string; alert: Alert });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/vigil`;
  return state;
}

describe('alert enrichment and notification', () => {
  it('puts GeoIP, threat intel and the asset on the alert, raises its risk score, and sends a signed webhook', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-enrich-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { enricher, stop } = await startTestEnrichment(dir, { stix: stixBundleOf('203.0.113.7', 85), assetsCsv: ASSETS });
    cleanups.push(stop);
    const receiver = await webhookReceiver('s3cret-shared-with-the-receiver');
    const notifier = new Notifier({ channels: [{ name: 'soc', kind: 'webhook', url: receiver.url, secret: 's3cret-shared-with-the-receiver' }] }, { logger: silentLogger() });
    await notifier.start();
    cleanups.push(() => notifier.stop());

    const { ruleset } = parseRuleSources([{ file: 'rules.yml', text: RULES }]);
    const engine = new DetectionEngine(ruleset, { enricher, onAlert: (alert, change) => notifier.notify(alert, change) });
    const plain = new DetectionEngine(ruleset);
    const events = [failure(0, 'e1'), failure(10, 'e2'), failure(20, 'e3')];
    const alerts = events.flatMap((event) => engine.processText(JSON.stringify(event)));
    const plainAlerts = events.flatMap((event) => plain.process(structuredClone(event)));

    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alertSchema.parse(alert)).toEqual(alert);
    expect(alert.source).toEqual({
      ip: '203.0.113.7',
      port: 52814,
      geo: expect.objectContaining({ country_iso_code: 'AU', city_name: 'Sydney', location: { lat: -33.8715, lon: 151.2006 } }),
      as: { number: 64500, organization: { name: 'Example Transit Pty Ltd' } },
    });
    expect(alert.threat?.enrichments).toEqual([
      expect.objectContaining({
        indicator: expect.objectContaining({ type: 'ipv4-addr', ip: '203.0.113.7', provider: 'honeypots', confidence: 'High', name: '203.0.113.7' }),
        matched: expect.objectContaining({ atomic: '203.0.113.7', field: 'source.ip', type: 'indicator_match_rule' }),
      }),
    ]);
    expect(alert.threat?.technique?.id).toEqual(['T1110']);
    expect(alert.vigil.alert.asset).toEqual({ name: 'Public web frontend', owner: 'web-team@example.com', criticality: 'critical' });
    // High (73) on a critical asset (×1.5, capped at 100) plus the indicator: the plain alert stays at the rule's level.
    expect(plainAlerts[0]!.event.risk_score).toBe(SEVERITY_SCORE.high);
    expect(alert.event.risk_score).toBe(100);

    const deadline = Date.now() + 5_000;
    while (receiver.received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(receiver.rejected).toBe(0);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.event).toBe('created');
    expect(receiver.received[0]!.alert.id).toBe(alert.id);
    expect(receiver.received[0]!.alert.event.risk_score).toBe(100);
  });
});
