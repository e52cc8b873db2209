import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@vigil/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geoipConfigSchema, type GeoipConfigInput } from './config.ts';
import { geoipErrors } from './errors.ts';
import { GeoipEnricher } from './geoip-enricher.ts';
import { writeMmdbFile } from './mmdb-writer.ts';
import { ASN_RECORDS, CITY_RECORDS } from './testdata/geolite2-records.ts';

let dir: string;
let cityDatabase: string;
let asnDatabase: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-geoip-'));
  cityDatabase = join(dir, 'GeoLite2-City.mmdb');
  asnDatabase = join(dir, 'GeoLite2-ASN.mmdb');
  await writeMmdbFile(cityDatabase, CITY_RECORDS, { databaseType: 'GeoLite2-City', languages: ['de', 'en'], description: { en: 'GeoLite2 City test database' } });
  await writeMmdbFile(asnDatabase, ASN_RECORDS, { databaseType: 'GeoLite2-ASN', recordSize: 24 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function started(config: Partial<GeoipConfigInput> = { cityDatabase, asnDatabase }): Promise<GeoipEnricher> {
  const enricher = new GeoipEnricher(geoipConfigSchema.parse(config), { logger: silentLogger() });
  await enricher.start();
  return enricher;
}

const sshdFailure = () => ({
  '@timestamp': '2026-11-20T03:14:07Z',
  message: 'Failed password for invalid user admin from 203.0.113.7 port 52144 ssh2',
  event: { kind: 'event', category: ['authentication'], type: ['start'], action: 'ssh_login', outcome: 'failure' },
  host: { hostname: 'bastion-01', ip: ['10.0.4.20'] },
  process: { name: 'sshd', pid: 2211 },
  source: { ip: '203.0.113.7', port: 52144 },
  user: { name: 'admin' },
});

const SYDNEY = {
  continent_code: 'OC',
  continent_name: 'Oceania',
  country_iso_code: 'AU',
  country_name: 'Australia',
  region_iso_code: 'AU-NSW',
  region_name: 'New South Wales',
  city_name: 'Sydney',
  postal_code: '2000',
  timezone: 'Australia/Sydney',
  location: { lat: -33.8715, lon: 151.2006 },
};

describe('GeoIP enrichment', () => {
  it('adds where an sshd login attempt came from and which network owns the address', async () => {
    const enricher = await started();
    const event = sshdFailure();
    enricher.enrich(event);
    expect(event).toEqual({
      ...sshdFailure(),
      source: { ip: '203.0.113.7', port: 52144, geo: SYDNEY, as: { number: 64500, organization: { name: 'Example Transit Pty Ltd' } } },
    });
    expect(enricher.stats).toEqual({ lookups: 1, skipped: 1, cityHits: 1, asnHits: 1, errors: 0 });
  });

  it('leaves private, loopback and carrier-grade NAT addresses alone', async () => {
    const enricher = await started();
    const firewall = {
      message: 'DROP IN=eth0 SRC=192.168.1.10 DST=10.0.0.5',
      source: { ip: '192.168.1.10', port: 51514 },
      destination: { ip: '10.0.0.5', port: 445 },
      client: { ip: '100.64.3.3' },
      server: { ip: '::1' },
      host: { ip: ['fe80::1', '127.0.0.1'] },
    };
    const before = structuredClone(firewall);
    enricher.enrich(firewall);
    expect(firewall).toEqual(before);
    expect(enricher.stats).toMatchObject({ lookups: 0, skipped: 5 });
  });

  it('never overwrites a field the event already has', async () => {
    const enricher = await started();
    const event = {
      source: { ip: '203.0.113.7', geo: { country_name: 'Australien', location: { lat: -33.9, lon: 151.2 } }, as: { organization: { name: 'Parsed Org' } } },
      destination: { ip: '198.51.100.20', geo: 'DE', as: null },
    };
    enricher.enrich(event);
    expect(event.source).toEqual({
      ip: '203.0.113.7',
      geo: { ...SYDNEY, country_name: 'Australien', location: { lat: -33.9, lon: 151.2 } },
      as: { number: 64500, organization: { name: 'Parsed Org' } },
    });
    expect(event.destination).toEqual({ ip: '198.51.100.20', geo: 'DE', as: null });
  });

  it('enriches IPv6 addresses, setting only the fields the record has', async () => {
    const enricher = await started();
    const request = { url: { path: '/login' }, source: { ip: '2001:db8:1::77' }, destination: { ip: '::ffff:198.51.100.20' } };
    enricher.enrich(request);
    expect(request.source).toEqual({
      ip: '2001:db8:1::77',
      geo: {
        continent_code: 'EU',
        continent_name: 'Europe',
        country_iso_code: 'NL',
        country_name: 'Netherlands',
        region_iso_code: 'NL-NH',
        region_name: 'North Holland',
        city_name: 'Amsterdam',
        timezone: 'Europe/Amsterdam',
        location: { lat: 52.3759, lon: 4.8975 },
      },
      as: { number: 64502, organization: { name: 'Voorbeeld Netwerken B.V.' } },
    });
    expect(request.destination).toMatchObject({ geo: { city_name: 'Frankfurt am Main', region_iso_code: 'DE-HE' }, as: { number: 64501 } });
  });

  it('places a host by its first public address, without AS fields (ECS has no host.as)', async () => {
    const enricher = await started();
    const heartbeat = { host: { hostname: 'web-02', ip: ['10.0.4.21', '198.51.100.20', '203.0.113.9'] } };
    enricher.enrich(heartbeat);
    expect(heartbeat.host).toEqual({ hostname: 'web-02', ip: ['10.0.4.21', '198.51.100.20', '203.0.113.9'], geo: expect.objectContaining({ city_name: 'Frankfurt am Main' }) });
  });

  it('sets country-level fields from a record without a city, and nothing for an address in no database', async () => {
    const enricher = await started();
    const event = { source: { ip: '192.0.2.44' }, destination: { ip: '8.8.8.8' } };
    enricher.enrich(event);
    expect(event).toEqual({
      source: {
        ip: '192.0.2.44',
        geo: { continent_code: 'EU', continent_name: 'Europe', country_iso_code: 'DE', country_name: 'Germany', timezone: 'Europe/Berlin', location: { lat: 51.2993, lon: 9.491 } },
      },
      destination: { ip: '8.8.8.8' },
    });
    expect(enricher.stats).toMatchObject({ lookups: 2, cityHits: 1, asnHits: 0 });
  });

  it('gives every event its own objects, so editing one event never changes another', async () => {
    const enricher = await started();
    const first = sshdFailure();
    const second = sshdFailure();
    enricher.enrich(first);
    enricher.enrich(second);
    (first.source as unknown as { geo: { location: { lat: number } } }).geo.location.lat = 0;
    expect(second.source).toMatchObject({ geo: { location: { lat: -33.8715 } } });
  });

  it('uses only the databases configured', async () => {
    const asnOnly = await started({ asnDatabase });
    const event = sshdFailure();
    asnOnly.enrich(event);
    expect(event.source).toEqual({ ip: '203.0.113.7', port: 52144, as: { number: 64500, organization: { name: 'Example Transit Pty Ltd' } } });
    const cityOnly = await started({ cityDatabase, fields: ['source.ip'] });
    const other = sshdFailure();
    cityOnly.enrich(other);
    expect(other.source).toEqual({ ip: '203.0.113.7', port: 52144, geo: SYDNEY });
  });

  it('looks up private addresses in a site database when told to', async () => {
    const site = join(dir, 'site.mmdb');
    await writeMmdbFile(site, [{ network: '10.0.4.0/22', data: { city: { names: { en: 'Head office' } }, country: { iso_code: 'NL', names: { en: 'Netherlands' } } } }], {
      databaseType: 'Vigil-Site-City',
    });
    const enricher = await started({ cityDatabase: site, lookupClasses: ['public', 'private'] });
    const event = sshdFailure();
    enricher.enrich(event);
    expect(event.host).toEqual({ hostname: 'bastion-01', ip: ['10.0.4.20'], geo: { city_name: 'Head office', country_iso_code: 'NL', country_name: 'Netherlands' } });
  });

  it('stops start-up naming a database that is missing or corrupt', async () => {
    const missing = new GeoipEnricher(geoipConfigSchema.parse({ cityDatabase: join(dir, 'GeoLite2-Country.mmdb') }), { logger: silentLogger() });
    const missingError = await missing.start().catch((error: unknown) => error);
    expect(geoipErrors.is(missingError, 'VIGIL_ERR_GEOIP_DATABASE_UNREADABLE')).toBe(true);
    expect((missingError as Error).message).toContain('GeoLite2-Country.mmdb cannot be read');

    const corrupt = join(dir, 'half-downloaded.mmdb');
    await writeFile(corrupt, 'not a database\n');
    const corruptError = await new GeoipEnricher(geoipConfigSchema.parse({ asnDatabase: corrupt }), { logger: silentLogger() }).start().catch((error: unknown) => error);
    expect(geoipErrors.is(corruptError, 'VIGIL_ERR_GEOIP_DATABASE_INVALID')).toBe(true);
    expect((corruptError as Error).message).toContain(`GeoIP database ${corrupt} is not a valid MaxMind DB file`);
  });
});

describe('GeoIP configuration', () => {
  it('enriches the usual endpoint fields by default', () => {
    expect(geoipConfigSchema.parse({ cityDatabase: '/var/lib/vigil/GeoLite2-City.mmdb' })).toEqual({
      cityDatabase: '/var/lib/vigil/GeoLite2-City.mmdb',
      fields: ['source.ip', 'destination.ip', 'client.ip', 'server.ip', 'host.ip'],
      lookupClasses: ['public', 'documentation'],
      cacheEntries: 10_000,
      verifyOnLoad: true,
    });
  });

  it('says what to change when the settings cannot work', () => {
    const problems = (input: unknown) => geoipConfigSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(problems({})).toEqual([': set cityDatabase, asnDatabase or both']);
    expect(problems({ cityDatabase: 'a.mmdb', fields: ['source.address'] })).toEqual(['fields.0: must be a dotted ECS path ending in .ip, e.g. source.ip']);
    expect(problems({ cityDatabase: 'a.mmdb', fields: ['constructor.ip'] })).toEqual(['fields.0: must not name an object prototype key']);
    expect(problems({ cityDatabase: 'a.mmdb', lookupClasses: ['everything'] })?.[0]).toMatch(/^lookupClasses\.0: /);
    expect(problems({ cityDatabase: 'a.mmdb', databaseDir: '/tmp' })?.[0]).toMatch(/databaseDir/);
  });
});
