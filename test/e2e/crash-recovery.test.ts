import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { EcsEvent } from '@vigil/schema';
import { allocatePorts, apiClient, killVigil, makeDataDir, removeDataDir, startVigil, stopVigil, waitFor, type RunningVigil } from './harness.ts';

interface EventPage {
  total: number;
  events: EcsEvent[];
  cursor: string | null;
}

const EVENTS_PER_REQUEST = 50;
const CONCURRENT_CLIENTS = 4;

describe('SIGKILL in the middle of an HTTP ingest burst', () => {
  const dataDir = makeDataDir();
  let vigil: RunningVigil | undefined;

  afterAll(async () => {
    if (vigil) await stopVigil(vigil);
    removeDataDir(dataDir);
  });

  it('stores every event acknowledged with 202 exactly once after a restart', async () => {
    const ports = await allocatePorts();
    vigil = await startVigil({ dataDir, ports });
    const api = await apiClient(vigil);
    const { body: created } = await api<{ key: string }>('/api/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'crash-test', role: 'ingest' }) });
    const run = randomUUID().slice(0, 8);
    const acknowledged = new Set<string>();
    let sent = 0;
    let killed = false;
    const url = vigil.ingestUrl('/api/v1/events');

    async function client(clientId: number): Promise<void> {
      for (let request = 0; !killed; request++) {
        const ids = Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => `${clientId}-${request}-${i}`);
        const ndjson = ids.map((id) => JSON.stringify({ message: `crash probe ${id}`, labels: { run, probe: id } })).join('\n');
        sent += ids.length;
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/x-ndjson' },
            body: ndjson,
          });
          if (response.status === 202) {
            const body = (await response.json()) as { accepted: number };
            expect(body.accepted).toBe(EVENTS_PER_REQUEST);
            for (const id of ids) acknowledged.add(id);
          }
        } catch {
          return; // the process died under us: this request was not acknowledged
        }
      }
    }

    const clients = Array.from({ length: CONCURRENT_CLIENTS }, (_, i) => client(i));
    await waitFor(async () => acknowledged.size, (size) => size >= 3_000, 60_000, 'a few thousand acknowledged events');
    killed = true;
    await killVigil(vigil);
    await Promise.all(clients);
    expect(acknowledged.size).toBeGreaterThanOrEqual(3_000);
    expect(sent).toBeGreaterThan(acknowledged.size - 1);

    vigil = await startVigil({ dataDir, ports });
    const restartedApi = await apiClient(vigil);
    const query = (cursor?: string) =>
      `/api/v1/events?${new URLSearchParams({ q: `labels.run:${run}`, size: '1000', ...(cursor ? { cursor } : {}) })}`;
    await waitFor(
      async () => (await restartedApi<EventPage>(query())).body.total,
      (total) => total >= acknowledged.size,
      90_000,
      'every acknowledged event stored after the restart',
    );

    const seen = new Map<string, number>();
    let cursor: string | undefined;
    do {
      const { body } = await restartedApi<EventPage>(query(cursor));
      for (const event of body.events) {
        const probe = event.labels?.probe ?? '';
        seen.set(probe, (seen.get(probe) ?? 0) + 1);
      }
      cursor = body.cursor ?? undefined;
    } while (cursor);

    const missing = [...acknowledged].filter((id) => !seen.has(id));
    const duplicated = [...seen].filter(([, count]) => count > 1);
    expect(missing).toEqual([]);
    expect(duplicated).toEqual([]);
    console.log(`crash test: ${sent} sent, ${acknowledged.size} acknowledged before SIGKILL, ${seen.size} stored after restart, 0 missing, 0 duplicated`);
  });
});
