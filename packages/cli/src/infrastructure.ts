import { join, resolve } from 'node:path';
import { createEmbeddedBus, createKafkaBus, type Bus } from '@vigil/bus';
import type { Logger, Metrics } from '@vigil/runtime';
import { createOpenSearchStore, createSqliteStore, type Store } from '@vigil/store';
import type { VigilConfig } from './config.ts';
import { TOPIC_SPECS } from './topics.ts';

/** The bus the configuration names, with Vigil's topics created. */
export async function openBus(config: Readonly<VigilConfig>, metrics: Metrics, logger: Logger): Promise<Bus> {
  const bus =
    config.bus.kind === 'kafka'
      ? await createKafkaBus(config.bus.kafka, { metrics, logger: logger.child({ component: 'kafka' }) })
      : await createEmbeddedBus({ ...config.bus.embedded, directory: join(dataDirOf(config), 'bus') }, { metrics, logger });
  await bus.ensureTopics([...TOPIC_SPECS]);
  return bus;
}

/** The store the configuration names, initialised. */
export async function openStore(config: Readonly<VigilConfig>, metrics: Metrics, logger: Logger): Promise<Store> {
  const store =
    config.store.kind === 'opensearch'
      ? await createOpenSearchStore(config.store.opensearch, { metrics, logger: logger.child({ component: 'opensearch' }) })
      : await createSqliteStore({ path: sqliteStorePath(config) });
  await store.init();
  return store;
}

/** Where the embedded (SQLite) store keeps its database. */
export function sqliteStorePath(config: Readonly<VigilConfig>): string {
  return join(dataDirOf(config), 'store', 'vigil.db');
}

export function dataDirOf(config: Readonly<VigilConfig>): string {
  return resolve(config.dataDir);
}
