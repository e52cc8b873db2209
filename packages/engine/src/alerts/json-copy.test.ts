import { describe, expect, it } from 'vitest';
import { jsonCopy } from './json-copy.ts';

describe('jsonCopy', () => {
  it('copies a JSON value deeply: equal, and sharing no object or array with the original', () => {
    const original = { ip: '198.51.100.9', port: 22, geo: { city_name: 'Frankfurt am Main', location: { lat: 50.1, lon: 8.7 } }, as: null, tags: ['a', { b: [1, true] }] };
    const copy = jsonCopy(original);
    expect(copy).toEqual(original);
    expect(copy.geo).not.toBe(original.geo);
    expect(copy.geo.location).not.toBe(original.geo.location);
    expect(copy.tags).not.toBe(original.tags);
    expect(copy.tags[1]).not.toBe(original.tags[1]);
    copy.geo.location.lat = 0;
    expect(original.geo.location.lat).toBe(50.1);
  });

  it('gives scalars back as they are', () => {
    for (const value of ['text', 0, -1.5, true, false, null]) expect(jsonCopy(value)).toBe(value);
  });
});
