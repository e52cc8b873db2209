import { isUnsafeKey } from '@vigil/schema';
import { z } from 'zod';
import { ADDRESS_CLASSES } from './address-class.ts';

/** The IP fields enriched when `fields` is not set. */
export const DEFAULT_GEOIP_FIELDS = ['source.ip', 'destination.ip', 'client.ip', 'server.ip', 'host.ip'];

const ipField = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*\.ip$/, 'must be a dotted ECS path ending in .ip, e.g. source.ip')
  .refine((path) => !path.split('.').some(isUnsafeKey), 'must not name an object prototype key');

/** GeoIP and ASN enrichment from MaxMind DB (`.mmdb`) files. */
export const geoipConfigSchema = z
  .object({
    cityDatabase: z
      .string()
      .min(1)
      .optional()
      .describe('Path of a GeoLite2/GeoIP2 City (or Country) .mmdb file; sets <x>.geo.* (continent, country, region, city, postal code, time zone, location). Leave out to skip geo.'),
    asnDatabase: z
      .string()
      .min(1)
      .optional()
      .describe('Path of a GeoLite2/GeoIP2 ASN .mmdb file; sets <x>.as.number and <x>.as.organization.name. Leave out to skip AS.'),
    fields: z
      .array(ipField)
      .min(1)
      .default(DEFAULT_GEOIP_FIELDS)
      .describe('IP fields to enrich; <x>.ip gets <x>.geo and <x>.as next to it. A list value (host.ip) uses its first address that is looked up.'),
    lookupClasses: z
      .array(z.enum(ADDRESS_CLASSES))
      .min(1)
      .default(['public', 'documentation'])
      .describe('Address classes that are looked up; others (private, loopback, cgnat, …) are skipped. Documentation ranges are in so examples and tests resolve; add private for a site database of internal networks.'),
    cacheEntries: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('Decoded records kept in memory per database; many addresses share one record. 0 turns the cache off.'),
    verifyOnLoad: z
      .boolean()
      .default(true)
      .describe('Check every tree node and record of each database at start-up, so a corrupt file stops the start instead of failing lookups; one pass over the file.'),
  })
  .strict()
  .refine((config) => config.cityDatabase !== undefined || config.asnDatabase !== undefined, {
    message: 'set cityDatabase, asnDatabase or both',
  });

/** Parsed GeoIP settings. */
export type GeoipConfig = z.output<typeof geoipConfigSchema>;
/** GeoIP settings as written (defaults optional). */
export type GeoipConfigInput = z.input<typeof geoipConfigSchema>;
