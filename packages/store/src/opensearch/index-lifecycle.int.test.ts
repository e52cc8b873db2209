import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '@vigil/runtime';
import { FIXTURE_EVENTS } from '../contract/event-fixtures.ts';
import type { StorableEvent } from '../store.ts';
import type { OpenSearchStoreOptions } from './config.ts';
import { createOpenSearchStore, type OpenSearchStore } from './opensearch-store.ts';
import { dropPrefix, indicesOf, openSearchUrl, testOptions, uniquePrefix } from './test-helpers.ts';

const url = openSearchUrl();

async function get(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${path}`);
  return (await response.json()) as Record<string, unknown>;
}

function receivedOn(id: string, created: string): StorableEvent {
  const event = structuredClone(FIXTURE_EVENTS.find((candidate) => candidate.event.id === id)!);
  return { ...event, event: { ...event.event, created } };
}

describe('opensearch store: templates, rollover and retention', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function openStore(prefix: string, now: () => Date, overrides: Partial<OpenSearchStoreOptions> = {}, metrics?: Metrics): Promise<OpenSearchStore> {
    const store = await createOpenSearchStore(testOptions(url, prefix, overrides), { now, ...(metrics && { metrics }) });
    cleanups.push(() => store.close());
    return store;
  }

  function cleanupPrefix(prefix: string): void {
    cleanups.unshift(() => dropPrefix(url, prefix));
  }

  it('installs component and index templates that give events ECS types, free-text words outside _source, and the read alias', async () => {
    const prefix = uniquePrefix();
    cleanupPrefix(prefix);
    const store = await openStore(prefix, () => new Date('2024-05-14T08:00:00Z'));
    await store.init();
    await store.init();

    const template = (await get(`/_index_template/${prefix}-events`)) as { index_templates: { index_template: { composed_of: string[]; index_patterns: string[] } }[] };
    expect(template.index_templates[0]!.index_template).toMatchObject({ index_patterns: [`${prefix}-events-*`], composed_of: [`${prefix}-ecs`, `${prefix}-events`] });
    expect(await indicesOf(url, prefix)).toEqual([`${prefix}-alerts`, `${prefix}-events-2024.05.14`, `${prefix}-events-2024.05.15`]);

    const index = `${prefix}-events-2024.05.14`;
    const mapping = ((await get(`/${index}/_mapping`)) as Record<string, { mappings: Record<string, unknown> }>)[index]!.mappings;
    const field = async (name: string) => ((await get(`/${index}/_mapping/field/${name}`)) as Record<string, { mappings: Record<string, { mapping: Record<string, { type: string }> }> }>)[index]!.mappings[name]!.mapping;
    expect((await field('source.ip')).ip).toMatchObject({ type: 'ip' });
    expect((await field('@timestamp'))['@timestamp']).toMatchObject({ type: 'date' });
    expect((await field('http.response.status_code')).status_code).toMatchObject({ type: 'long' });
    expect((await field('user.name')).name).toMatchObject({ type: 'keyword' });
    expect((await field('labels')).labels).toMatchObject({ type: 'flat_object' });
    expect((await field('vigil.signature.status')).status).toMatchObject({ type: 'keyword' });
    expect(mapping._source).toEqual({ excludes: ['vigil_search'] });
    const aliases = (await get(`/${index}/_alias`)) as Record<string, { aliases: Record<string, unknown> }>;
    expect(Object.keys(aliases[index]!.aliases)).toEqual([`${prefix}-events`]);

    await store.writeEvents([receivedOn('sudo-04', '2024-05-14T08:05:46Z')]);
    const hits = (await get(`/${prefix}-events/_search?q=vigil_search.message:jurgen`)) as { hits: { hits: { _source: Record<string, unknown> }[] } };
    expect(hits.hits.hits).toHaveLength(1);
    expect(hits.hits.hits[0]!._source).not.toHaveProperty('vigil_search');
  });

  it('deletes events indices whose whole period is older than the retention, at init and on each run', async () => {
    const prefix = uniquePrefix();
    cleanupPrefix(prefix);
    const metrics = new Metrics({ defaultMetrics: false });
    let now = new Date('2024-07-01T12:00:00Z');
    const writer = await openStore(prefix, () => now, {}, metrics);
    await writer.init();
    await writer.writeEvents([
      receivedOn('ssh-fail-01', '2024-05-14T08:00:01Z'),
      receivedOn('ssh-fail-02', '2024-05-31T23:59:59Z'),
      receivedOn('ssh-fail-03', '2024-06-01T00:00:00Z'),
      receivedOn('ssh-fail-04', '2024-07-01T11:00:00Z'),
    ]);
    await writer.close();

    // A store with 30 days of retention starting a month later: its init deletes what is older.
    const store = await openStore(prefix, () => now, { eventsRetentionDays: 30 }, metrics);
    await store.init();
    expect(await indicesOf(url, prefix)).toEqual([
      `${prefix}-alerts`,
      `${prefix}-events-2024.06.01`,
      `${prefix}-events-2024.07.01`,
      `${prefix}-events-2024.07.02`,
    ]);
    expect(await store.countEvents()).toBe(2);

    // A late event for an expired day is stored, and goes with the next run.
    expect(await store.writeEvents([receivedOn('ssh-fail-05', '2024-05-20T10:00:00Z')])).toEqual({ created: 1, duplicates: 0 });
    now = new Date('2024-07-02T00:30:00Z');
    expect(await store.maintain()).toEqual({ created: [`${prefix}-events-2024.07.03`], deleted: [`${prefix}-events-2024.05.20`, `${prefix}-events-2024.06.01`] });
    expect((await store.searchEvents({ query: '', size: 10 })).events.map((event) => event.event?.id)).toEqual(['ssh-fail-04']);
    const rendered = (await metrics.render()).body;
    expect(rendered).toMatch(/vigil_opensearch_indices_deleted_total 4/);
  });

  it('keeps everything when retention is off, and names indices by hour or month when asked', async () => {
    const hourly = uniquePrefix();
    cleanupPrefix(hourly);
    const store = await openStore(hourly, () => new Date('2024-05-14T23:30:00Z'), { rollover: { period: 'hour' } });
    await store.init();
    await store.writeEvents([receivedOn('web-01', '2020-01-01T00:00:00Z')]);
    expect(await store.maintain(new Date('2030-01-01T00:00:00Z'))).toEqual({ created: [`${hourly}-events-2030.01.01.00`, `${hourly}-events-2030.01.01.01`], deleted: [] });
    expect(await indicesOf(url, hourly)).toContain(`${hourly}-events-2020.01.01.00`);

    const monthly = uniquePrefix();
    cleanupPrefix(monthly);
    const other = await openStore(monthly, () => new Date('2024-12-31T23:00:00Z'), { rollover: { period: 'month' } });
    await other.init();
    expect(await indicesOf(url, monthly)).toEqual([`${monthly}-alerts`, `${monthly}-events-2024.12`, `${monthly}-events-2025.01`]);
  });

  it('rolls over to the next period on its timer, without a write or a call', async () => {
    const prefix = uniquePrefix();
    cleanupPrefix(prefix);
    let now = new Date('2024-05-14T08:00:00Z');
    const store = await openStore(prefix, () => now, { rollover: { period: 'day', checkIntervalMs: 1000 } });
    await store.init();
    now = new Date('2024-05-15T00:00:01Z');
    const deadline = Date.now() + 5000;
    while (!(await indicesOf(url, prefix)).includes(`${prefix}-events-2024.05.16`) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await indicesOf(url, prefix)).toEqual([`${prefix}-alerts`, `${prefix}-events-2024.05.14`, `${prefix}-events-2024.05.15`, `${prefix}-events-2024.05.16`]);
  });
});
