import { OncePerInterval, describeError, errorCode, type Component, type Logger } from '@vigil/runtime';
import { classifyAddress, type AddressClass } from './address-class.ts';
import type { GeoipConfig } from './config.ts';
import { asFields, geoFields, type AsFields, type GeoFields } from './ecs-fields.ts';
import { MmdbReader } from './mmdb-reader.ts';

/** What the enricher has done since it started. */
export interface GeoipStats {
  /** Addresses looked up (once per address, whichever databases are configured). */
  lookups: number;
  /** Addresses not looked up because of their class (private, loopback, …). */
  skipped: number;
  /** Lookups that found a City record with at least one geo field. */
  cityHits: number;
  /** Lookups that found an ASN record with at least one AS field. */
  asnHits: number;
  /** Lookups that hit a corrupt record (only possible with `verifyOnLoad: false`). */
  errors: number;
}

/** ECS field sets that have `as.*` (ECS puts `geo` on `host` and `observer` too, but no `as`). */
const AS_PARENTS = new Set(['source', 'destination', 'client', 'server']);

interface IpField {
  /** Path of the object that holds `ip` and gets `geo` and `as`. */
  parent: readonly string[];
  withAs: boolean;
}

interface Database<T> {
  path: string;
  reader: MmdbReader;
  // Field values per decoded record; records are shared and frozen, so they key a WeakMap.
  fields: WeakMap<object, T>;
  toFields: (record: unknown) => T;
}

/**
 * Enriches events with where their IP addresses are (`<x>.geo.*`, from a City database) and
 * which network owns them (`<x>.as.*`, from an ASN database). Fields the event already has are
 * never overwritten; addresses outside `lookupClasses` (private, loopback, …) are not looked up.
 * Databases are read and checked at `start`, so a missing or corrupt file stops start-up.
 */
export class GeoipEnricher implements Component {
  readonly name = 'geoip';
  readonly #config: GeoipConfig;
  readonly #logger: Logger;
  readonly #fields: readonly IpField[];
  readonly #lookupClasses: ReadonlySet<AddressClass>;
  readonly #logOnce = new OncePerInterval();
  readonly #stats: GeoipStats = { lookups: 0, skipped: 0, cityHits: 0, asnHits: 0, errors: 0 };
  #city: Database<GeoFields> | undefined;
  #asn: Database<AsFields> | undefined;
  #started = false;

  constructor(config: GeoipConfig, deps: { logger: Logger }) {
    this.#config = config;
    this.#logger = deps.logger;
    this.#lookupClasses = new Set(config.lookupClasses);
    this.#fields = config.fields.map((field) => {
      const parent = field.split('.').slice(0, -1);
      return { parent, withAs: parent.length === 1 && AS_PARENTS.has(parent[0]!) };
    });
  }

  /** Counts since start; read by the host for metrics. */
  get stats(): Readonly<GeoipStats> {
    return this.#stats;
  }

  /** Reads and checks the configured databases; throws `VIGIL_ERR_GEOIP_DATABASE_*` naming the file. */
  async start(): Promise<void> {
    const { cityDatabase, asnDatabase } = this.#config;
    const [city, asn] = await Promise.all([cityDatabase, asnDatabase].map((path) => (path === undefined ? undefined : this.#open(path))));
    this.#city = city && { ...city, fields: new WeakMap(), toFields: geoFields };
    this.#asn = asn && { ...asn, fields: new WeakMap(), toFields: asFields };
    this.#started = true;
  }

  async stop(): Promise<void> {
    this.#city = undefined;
    this.#asn = undefined;
    this.#started = false;
  }

  /** Adds geo and AS fields to `event` in place, next to each configured IP field. */
  enrich(event: Record<string, unknown>): void {
    if (!this.#started) throw new Error('GeoipEnricher.enrich called before start');
    for (const field of this.#fields) {
      const holder = objectAtPath(event, field.parent);
      if (holder === undefined) continue;
      const ip = this.#addressToLookUp(holder['ip']);
      if (ip === undefined) continue;
      this.#stats.lookups++;
      const geo = this.#city && this.#fieldsFor(this.#city, ip);
      if (geo !== undefined && geo.length > 0) {
        this.#stats.cityHits++;
        setGeo(holder, geo);
      }
      const as = field.withAs && this.#asn ? this.#fieldsFor(this.#asn, ip) : undefined;
      if (as !== undefined && (as.number !== undefined || as.organizationName !== undefined)) {
        this.#stats.asnHits++;
        setAs(holder, as);
      }
    }
  }

  async #open(path: string): Promise<{ path: string; reader: MmdbReader }> {
    const reader = await MmdbReader.open(path, { verify: this.#config.verifyOnLoad, cacheEntries: this.#config.cacheEntries });
    const { databaseType, buildEpoch, nodeCount } = reader.metadata;
    this.#logger.info({ path, databaseType, built: new Date(buildEpoch * 1000).toISOString(), nodeCount }, 'GeoIP database loaded');
    return { path, reader };
  }

  /** The address to look up: the value itself, or the first suitable one of a list (`host.ip`). */
  #addressToLookUp(value: unknown): string | undefined {
    if (typeof value === 'string') {
      if (this.#lookupClasses.has(classifyAddress(value))) return value;
      this.#stats.skipped++;
      return undefined;
    }
    if (!Array.isArray(value)) return undefined;
    for (const item of value) {
      if (typeof item === 'string' && this.#lookupClasses.has(classifyAddress(item))) return item;
    }
    if (value.length > 0) this.#stats.skipped++;
    return undefined;
  }

  #fieldsFor<T>(database: Database<T>, ip: string): T | undefined {
    let record: unknown;
    try {
      record = database.reader.get(ip);
    } catch (error) {
      // Only a file opened without verification gets here: count it, say it once, keep going.
      this.#stats.errors++;
      if (this.#logOnce.shouldLog(database.path)) this.#logger.warn({ code: errorCode(error), path: database.path }, describeError(error));
      return undefined;
    }
    if (typeof record !== 'object' || record === null) return undefined;
    let fields = database.fields.get(record);
    if (fields === undefined) {
      fields = database.toFields(record);
      database.fields.set(record, fields);
    }
    return fields;
  }
}

function objectAtPath(root: Record<string, unknown>, path: readonly string[]): Record<string, unknown> | undefined {
  let current: Record<string, unknown> | undefined = root;
  for (const key of path) {
    current = asObject(current[key]);
    if (current === undefined) return undefined;
  }
  return current;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The object under `key`, created when absent; undefined when something else is there (never overwritten). */
function childObject(parent: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  if (parent[key] === undefined) parent[key] = {};
  return asObject(parent[key]);
}

function setGeo(holder: Record<string, unknown>, fields: GeoFields): void {
  const geo = childObject(holder, 'geo');
  if (geo === undefined) return;
  for (const [field, value] of fields) {
    if (geo[field] !== undefined) continue;
    // A fresh geo_point per event: later stages may edit an event, never a shared record.
    geo[field] = typeof value === 'string' ? value : { lat: value.lat, lon: value.lon };
  }
}

function setAs(holder: Record<string, unknown>, fields: AsFields): void {
  const as = childObject(holder, 'as');
  if (as === undefined) return;
  if (fields.number !== undefined && as['number'] === undefined) as['number'] = fields.number;
  if (fields.organizationName === undefined) return;
  const organization = childObject(as, 'organization');
  if (organization !== undefined && organization['name'] === undefined) organization['name'] = fields.organizationName;
}
