import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSearchStoreConfigSchema } from './config.ts';
import { createOpenSearchStore } from './opensearch-store.ts';

describe('opensearch store without a node', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('has a default for every option, so a config file may leave the whole section out', () => {
    const config = openSearchStoreConfigSchema.parse({});
    expect(config).toMatchObject({
      url: 'http://localhost:9200',
      indexPrefix: 'vigil',
      tls: { rejectUnauthorized: true },
      bulk: { maxBulkBytes: 5 * 1024 * 1024, maxBulkDocs: 1000, concurrency: 2 },
      rollover: { period: 'day' },
      eventsRetentionDays: 90,
    });
    expect(config.auth).toBeUndefined();
  });

  it('fails at creation on options it does not know or cannot use, naming them', async () => {
    await expect(createOpenSearchStore({ url: 'http://127.0.0.1:9200', shards: 3 } as never)).rejects.toThrow(/shards/);
    await expect(createOpenSearchStore({ indexPrefix: 'Vigil_Prod' })).rejects.toThrow(/indexPrefix/);
    await expect(createOpenSearchStore({ bulk: { concurrency: 0 } })).rejects.toThrow(/bulk\.concurrency/);
    await expect(createOpenSearchStore({ rollover: { period: 'week' as never } })).rejects.toThrow(/rollover\.period/);
    await expect(createOpenSearchStore({ auth: { username: 'vigil' } as never })).rejects.toThrow(/auth\.password/);
  });

  it('fails at creation when the CA file cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-os-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await expect(createOpenSearchStore({ url: 'https://127.0.0.1:9200', tls: { caPath: join(dir, 'missing-ca.pem') } })).rejects.toThrow(/tls\.caPath .*missing-ca\.pem cannot be read/);
  });

  it('says so when used before init() or after close()', async () => {
    const store = await createOpenSearchStore({ url: 'http://127.0.0.1:9200' });
    await expect(store.countEvents()).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_NOT_READY', message: expect.stringContaining('not initialised') });
    await store.close();
    await expect(store.searchEvents({ query: '', size: 1 })).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_NOT_READY', message: expect.stringContaining('closed') });
    await expect(store.init()).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_NOT_READY' });
    await store.close();
  });

  it('fails init with a retryable error when no node answers', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const store = await createOpenSearchStore({ url: `http://127.0.0.1:${port}`, requestTimeoutMs: 2000 });
    cleanups.push(() => store.close());
    await expect(store.init()).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_UNAVAILABLE', retryable: true, message: expect.stringContaining('OpenSearch is unreachable') });
    await expect(store.countEvents()).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_NOT_READY' });
  });
});
