/**
 * Enrichment data for the detection benchmarks, sized like a deployment's: a GeoIP city and an
 * ASN database with a network for every public /16 of IPv4 (the mix's public addresses are
 * random, so nearly every one is found), a STIX 2.1 bundle of 10,000 address and domain
 * indicators, and an asset inventory of a quarter of the mix's hosts plus its internal networks.
 * Written with Vigil's own mmdb writer (a test helper), so no real network is named and nothing
 * is downloaded.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEnrichment, engineConfigSchema, type EngineConfig, type EventEnricher } from '@vigil/engine';
import { Metrics, silentLogger } from '@vigil/runtime';
import { writeMmdbFile, type MmdbNetworkRecord } from '../../packages/engine/src/enrich/geoip/mmdb-writer.ts';
import { mmdbValue } from '../../packages/engine/src/enrich/geoip/mmdb-encoder.ts';
import type { EcsEvent } from '@vigil/schema';
import { Rng } from './lines.ts';

/** Cities the networks are spread over (name, country ISO code, continent code, latitude, longitude, time zone). */
const CITIES: readonly (readonly [string, string, string, number, number, string])[] = [
  ['Frankfurt am Main', 'DE', 'EU', 50.1188, 8.6843, 'Europe/Berlin'],
  ['Amsterdam', 'NL', 'EU', 52.3759, 4.8975, 'Europe/Amsterdam'],
  ['Paris', 'FR', 'EU', 48.8534, 2.3488, 'Europe/Paris'],
  ['London', 'GB', 'EU', 51.5085, -0.1257, 'Europe/London'],
  ['Warsaw', 'PL', 'EU', 52.2298, 21.0118, 'Europe/Warsaw'],
  ['Ashburn', 'US', 'NA', 39.0437, -77.4875, 'America/New_York'],
  ['Dallas', 'US', 'NA', 32.7831, -96.8067, 'America/Chicago'],
  ['San Jose', 'US', 'NA', 37.3394, -121.895, 'America/Los_Angeles'],
  ['Toronto', 'CA', 'NA', 43.7064, -79.3986, 'America/Toronto'],
  ['São Paulo', 'BR', 'SA', -23.5475, -46.6361, 'America/Sao_Paulo'],
  ['Singapore', 'SG', 'AS', 1.2897, 103.8501, 'Asia/Singapore'],
  ['Tokyo', 'JP', 'AS', 35.6895, 139.6917, 'Asia/Tokyo'],
  ['Mumbai', 'IN', 'AS', 19.0728, 72.8826, 'Asia/Kolkata'],
  ['Sydney', 'AU', 'OC', -33.8715, 151.2006, 'Australia/Sydney'],
  ['Johannesburg', 'ZA', 'AF', -26.2023, 28.0436, 'Africa/Johannesburg'],
];

/** First octets that are not public unicast space. */
const NOT_PUBLIC = new Set([0, 10, 100, 127, 169, 172, 192, 198, 203]);

/** Every public /16 of IPv4 (first octets 1–223, private and reserved ranges left out). */
function publicBlocks(): [number, number][] {
  const blocks: [number, number][] = [];
  for (let a = 1; a <= 223; a++) if (!NOT_PUBLIC.has(a)) for (let b = 0; b < 256; b++) blocks.push([a, b]);
  return blocks;
}

function cityRecord(index: number): Record<string, unknown> {
  const [city, iso, continent, latitude, longitude, timeZone] = CITIES[index % CITIES.length]!;
  const country = { geoname_id: 1000 + (index % CITIES.length), iso_code: iso, names: { en: iso } };
  return {
    city: { geoname_id: 5000 + (index % CITIES.length), names: { en: city } },
    continent: { code: continent, geoname_id: 6000 + continent.charCodeAt(0), names: { en: continent } },
    country,
    registered_country: country,
    location: { accuracy_radius: mmdbValue.uint16(20 + (index % 200)), latitude, longitude, time_zone: timeZone },
  };
}

function stixIndicator(index: number, pattern: string, confidence: number): Record<string, unknown> {
  const hex = index.toString(16).padStart(12, '0');
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--8e2e2d2b-17d4-4cbf-938f-${hex}`,
    created: '2026-11-01T00:00:00.000Z',
    modified: '2026-11-01T00:00:00.000Z',
    name: `bench indicator ${index}`,
    pattern,
    pattern_type: 'stix',
    valid_from: '2026-11-01T00:00:00Z',
    confidence,
  };
}

/**
 * Writes the data into `dir` and returns the engine's enrichment configuration reading it. The
 * indicators are random public addresses and domains (so a few of the mix's addresses match, as
 * in a real feed), the assets the hosts `events` name.
 */
export async function writeEnrichmentData(dir: string, events: readonly EcsEvent[]): Promise<EngineConfig['enrichment']> {
  const blocks = publicBlocks();
  const city: MmdbNetworkRecord[] = blocks.map(([a, b], index) => ({ network: `${a}.${b}.0.0/16`, data: cityRecord(index) as MmdbNetworkRecord['data'] }));
  const asn: MmdbNetworkRecord[] = blocks.map(([a, b], index) => ({
    network: `${a}.${b}.0.0/16`,
    data: { autonomous_system_number: mmdbValue.uint32(64_512 + (index % 1_000)), autonomous_system_organization: `Bench Transit ${index % 1_000}` },
  }));
  const cityDatabase = join(dir, 'bench-city.mmdb');
  const asnDatabase = join(dir, 'bench-asn.mmdb');
  await writeMmdbFile(cityDatabase, city, { databaseType: 'GeoLite2-City' });
  await writeMmdbFile(asnDatabase, asn, { databaseType: 'GeoLite2-ASN' });

  const rng = new Rng(7);
  const objects: Record<string, unknown>[] = [];
  for (let i = 0; i < 8_000; i++) objects.push(stixIndicator(i, `[ipv4-addr:value = '${1 + rng.int(223)}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}']`, 40 + (i % 60)));
  for (let i = 8_000; i < 10_000; i++) objects.push(stixIndicator(i, `[domain-name:value = 'c2-${i}.bench-threat.example']`, 70));
  const bundle = join(dir, 'bench-intel.json');
  writeFileSync(bundle, JSON.stringify({ type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-000000000001', objects }));

  const hosts = [...new Set(events.map((event) => event.host?.hostname).filter((name): name is string => typeof name === 'string'))].sort();
  const criticality = ['low', 'medium', 'high', 'critical'];
  const rows = hosts.filter((_, index) => index % 4 === 0).map((host, index) => `${host},${host} service,team-${index % 20}@example.com,${criticality[index % 4]}`);
  rows.push('10.0.0.0/8,Internal network,netops@example.com,medium', '192.168.0.0/16,Office network,it@example.com,low');
  const assets = join(dir, 'bench-assets.csv');
  writeFileSync(assets, `host,name,owner,criticality\n${rows.join('\n')}\n`);

  return engineConfigSchema.parse({
    enrichment: {
      geoip: { cityDatabase, asnDatabase },
      intel: { feeds: [{ name: 'bench-stix', kind: 'stix', path: bundle }] },
      assets: { path: assets },
    },
  }).enrichment;
}

/** The enricher an engine builds from `config`, its data loaded; `stop` releases it. */
export async function startEnrichment(config: EngineConfig['enrichment']): Promise<{ enricher: EventEnricher; stop: () => Promise<void> }> {
  const { enricher, components } = createEnrichment(config, { logger: silentLogger(), metrics: new Metrics() });
  for (const component of components) await component.start();
  return { enricher, stop: async () => { for (const component of components.reverse()) await component.stop(); } };
}
