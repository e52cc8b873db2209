import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '@vigil/runtime';
import { AssetInventory } from './assets/asset-inventory.ts';
import { assetConfigSchema } from './assets/config.ts';
import { EventEnricher } from './event-enricher.ts';
import { geoipConfigSchema } from './geoip/config.ts';
import { GeoipEnricher } from './geoip/geoip-enricher.ts';
import { writeMmdbFile } from './geoip/mmdb-writer.ts';
import { ASN_RECORDS, CITY_RECORDS } from './geoip/testdata/geolite2-records.ts';
import { intelConfigSchema } from './intel/config.ts';
import { IndicatorStore } from './intel/indicator-store.ts';
import { IntelFeeds } from './intel/intel-feeds.ts';
import { IntelMatcher } from './intel/intel-matcher.ts';

/** A STIX 2.1 bundle of one address indicator. */
export function stixBundleOf(address: string, confidence: number): Record<string, unknown> {
  return {
    type: 'bundle',
    id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
    objects: [
      {
        type: 'indicator',
        spec_version: '2.1',
        id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
        created: '2026-11-01T00:00:00.000Z',
        modified: '2026-11-01T00:00:00.000Z',
        name: 'SSH scanner seen by the honeypot fleet',
        pattern: `[ipv4-addr:value = '${address}']`,
        pattern_type: 'stix',
        valid_from: '2026-11-01T00:00:00Z',
        confidence,
      },
    ],
  };
}

/**
 * Real enrichment from files written into `dir`, as an engine configures it: GeoIP city and ASN
 * databases of the test records (RFC 5737 networks), a STIX bundle (feed "honeypots") and an
 * asset CSV. Started; `stop` stops its parts.
 */
export async function startTestEnrichment(dir: string, data: { stix: Record<string, unknown>; assetsCsv: string }): Promise<{ enricher: EventEnricher; stop: () => Promise<void> }> {
  const city = join(dir, 'city.mmdb');
  const asn = join(dir, 'asn.mmdb');
  await writeMmdbFile(city, CITY_RECORDS, { databaseType: 'GeoLite2-City' });
  await writeMmdbFile(asn, ASN_RECORDS, { databaseType: 'GeoLite2-ASN' });
  await writeFile(join(dir, 'bundle.json'), JSON.stringify(data.stix));
  await writeFile(join(dir, 'assets.csv'), data.assetsCsv);
  const logger = silentLogger();
  const geoipConfig = geoipConfigSchema.parse({ cityDatabase: city, asnDatabase: asn });
  const geoip = new GeoipEnricher(geoipConfig, { logger });
  const intelConfig = intelConfigSchema.parse({ feeds: [{ name: 'honeypots', kind: 'stix', path: join(dir, 'bundle.json') }] });
  const store = new IndicatorStore({ maxIndicatorsPerFeed: intelConfig.maxIndicatorsPerFeed });
  const feeds = new IntelFeeds(intelConfig, { store, logger });
  const assets = new AssetInventory(assetConfigSchema.parse({ path: join(dir, 'assets.csv') }), { logger });
  const parts = [geoip, feeds, assets];
  for (const part of parts) await part.start();
  const enricher = new EventEnricher({ geoip: { enricher: geoip, fields: geoipConfig.fields }, intel: new IntelMatcher(store), assets });
  return {
    enricher,
    stop: async () => {
      for (const part of parts.reverse()) await part.stop();
    },
  };
}
