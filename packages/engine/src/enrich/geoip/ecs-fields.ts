/**
 * Maps GeoIP2/GeoLite2 records to ECS field values. Done once per decoded record (the reader
 * shares records between lookups), so an event only copies the ready values.
 */

/** ECS `geo.*` fields from a City or Country record, as `[field, value]` pairs. */
export type GeoFields = readonly (readonly [string, string | GeoPoint])[];

/** ECS `geo_point`. */
export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

/** ECS `as.*` fields from an ASN record. */
export interface AsFields {
  readonly number?: number;
  readonly organizationName?: string;
}

/**
 * The ECS geo fields of a GeoIP2/GeoLite2 City (or Country) record: `continent.code` and
 * `names.en`, `country.iso_code` and `names.en`, the first subdivision (`region_iso_code` is
 * `<country>-<subdivision>`, e.g. `AU-NSW`), `city.names.en`, `postal.code` and `location`
 * (latitude, longitude, time zone). Empty when the record has none of them.
 */
export function geoFields(record: unknown): GeoFields {
  const fields: [string, string | GeoPoint][] = [];
  const add = (field: string, value: string | undefined): void => {
    if (value !== undefined) fields.push([field, value]);
  };
  const continent = member(record, 'continent');
  const country = member(record, 'country');
  const subdivision = first(member(record, 'subdivisions'));
  const location = member(record, 'location');
  const countryCode = text(member(country, 'iso_code'));
  const subdivisionCode = text(member(subdivision, 'iso_code'));
  add('continent_code', text(member(continent, 'code')));
  add('continent_name', englishName(continent));
  add('country_iso_code', countryCode);
  add('country_name', englishName(country));
  add('region_iso_code', countryCode !== undefined && subdivisionCode !== undefined ? `${countryCode}-${subdivisionCode}` : undefined);
  add('region_name', englishName(subdivision));
  add('city_name', englishName(member(record, 'city')));
  add('postal_code', text(member(member(record, 'postal'), 'code')));
  add('timezone', text(member(location, 'time_zone')));
  const lat = member(location, 'latitude');
  const lon = member(location, 'longitude');
  if (isCoordinate(lat, 90) && isCoordinate(lon, 180)) fields.push(['location', Object.freeze({ lat, lon })]);
  return fields;
}

/** The ECS AS fields of a GeoIP2/GeoLite2 ASN record (`autonomous_system_number`, `autonomous_system_organization`). */
export function asFields(record: unknown): AsFields {
  const number = member(record, 'autonomous_system_number');
  const organizationName = text(member(record, 'autonomous_system_organization'));
  const asNumber = typeof number === 'bigint' && number <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(number) : number;
  return {
    ...(typeof asNumber === 'number' && Number.isSafeInteger(asNumber) && asNumber >= 0 ? { number: asNumber } : {}),
    ...(organizationName !== undefined ? { organizationName } : {}),
  };
}

function member(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function englishName(value: unknown): string | undefined {
  return text(member(member(value, 'names'), 'en'));
}

function isCoordinate(value: unknown, limit: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= limit;
}
