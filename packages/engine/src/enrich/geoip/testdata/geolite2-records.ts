import { mmdbValue, type MmdbValue } from '../mmdb-encoder.ts';
import type { MmdbNetworkRecord } from '../mmdb-writer.ts';

/**
 * Records shaped like GeoLite2-City and GeoLite2-ASN ones, for documentation networks (RFC 5737,
 * RFC 3849) and documentation AS numbers (RFC 5398), so tests never name a real network.
 */

const names = (en: string, de: string): MmdbValue => ({ de, en });

const oceania = { code: 'OC', geoname_id: 6255151, names: names('Oceania', 'Ozeanien') };
const europe = { code: 'EU', geoname_id: 6255148, names: names('Europe', 'Europa') };
const australia = { geoname_id: 2077456, iso_code: 'AU', names: names('Australia', 'Australien') };
const germany = { geoname_id: 2921044, iso_code: 'DE', names: names('Germany', 'Deutschland') };
const netherlands = { geoname_id: 2750405, iso_code: 'NL', names: names('Netherlands', 'Niederlande') };

/** City records: Sydney for 203.0.113.0/24, Frankfurt for 198.51.100.0/24, Amsterdam for 2001:db8:1::/48. */
export const CITY_RECORDS: MmdbNetworkRecord[] = [
  {
    network: '203.0.113.0/24',
    data: {
      city: { geoname_id: 2147714, names: names('Sydney', 'Sydney') },
      continent: oceania,
      country: australia,
      location: { accuracy_radius: mmdbValue.uint16(20), latitude: -33.8715, longitude: 151.2006, time_zone: 'Australia/Sydney' },
      postal: { code: '2000' },
      registered_country: australia,
      subdivisions: [{ geoname_id: 2155400, iso_code: 'NSW', names: names('New South Wales', 'Neusüdwales') }],
    },
  },
  {
    network: '198.51.100.0/24',
    data: {
      city: { geoname_id: 2925533, names: names('Frankfurt am Main', 'Frankfurt am Main') },
      continent: europe,
      country: germany,
      location: { accuracy_radius: mmdbValue.uint16(10), latitude: 50.1188, longitude: 8.6843, time_zone: 'Europe/Berlin' },
      postal: { code: '60313' },
      registered_country: germany,
      subdivisions: [{ geoname_id: 2905330, iso_code: 'HE', names: names('Hesse', 'Hessen') }],
    },
  },
  {
    network: '2001:db8:1::/48',
    data: {
      city: { geoname_id: 2759794, names: names('Amsterdam', 'Amsterdam') },
      continent: europe,
      country: netherlands,
      location: { accuracy_radius: mmdbValue.uint16(100), latitude: 52.3759, longitude: 4.8975, time_zone: 'Europe/Amsterdam' },
      registered_country: netherlands,
      subdivisions: [{ geoname_id: 2749879, iso_code: 'NH', names: names('North Holland', 'Nordholland') }],
    },
  },
  {
    // A Country-level record: GeoLite2 has these for networks it cannot place in a city.
    network: '192.0.2.0/24',
    data: { continent: europe, country: germany, location: { accuracy_radius: mmdbValue.uint16(1000), latitude: 51.2993, longitude: 9.491, time_zone: 'Europe/Berlin' } },
  },
];

/** ASN records for the same networks. */
export const ASN_RECORDS: MmdbNetworkRecord[] = [
  { network: '203.0.113.0/24', data: { autonomous_system_number: 64500, autonomous_system_organization: 'Example Transit Pty Ltd' } },
  { network: '198.51.100.0/24', data: { autonomous_system_number: 64501, autonomous_system_organization: 'Beispiel Hosting GmbH' } },
  { network: '2001:db8:1::/48', data: { autonomous_system_number: 64502, autonomous_system_organization: 'Voorbeeld Netwerken B.V.' } },
];
