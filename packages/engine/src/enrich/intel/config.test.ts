import { describe, expect, it } from 'vitest';
import { intelConfigSchema } from './config.ts';
import { DEFAULT_MATCH_FIELDS } from './match-fields.ts';

const problems = (input: unknown) => {
  const result = intelConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('intel config', () => {
  it('fills in defaults for the feeds and the looked-up fields', () => {
    const config = intelConfigSchema.parse({ feeds: [{ name: 'soc', kind: 'csv', path: '/etc/vigil/intel/soc.csv', columns: { value: 'ioc' } }] });
    expect(config.feeds[0]).toEqual({ name: 'soc', kind: 'csv', path: '/etc/vigil/intel/soc.csv', columns: { value: 'ioc' }, refreshIntervalMs: 3_600_000, defaultConfidence: 50, timeoutMs: 60_000 });
    expect(config.maxIndicatorsPerFeed).toBe(1_000_000);
    expect(config.fields).toEqual(DEFAULT_MATCH_FIELDS);
  });

  it('accepts a TAXII collection with a bearer token', () => {
    const config = intelConfigSchema.parse({
      feeds: [{ name: 'partner', kind: 'taxii', url: 'https://taxii.example.net/api1/', auth: { token: 't0ken' }, taxii: { collectionId: '91a7b528-80eb-42ed-a74d-c6fbd5a26116' } }],
    });
    expect(config.feeds[0]!.taxii).toEqual({ collectionId: '91a7b528-80eb-42ed-a74d-c6fbd5a26116', maxPages: 1_000 });
  });

  it('names what to change in a bad feed list', () => {
    expect(
      problems({
        feeds: [
          { name: 'soc', kind: 'csv', path: '/a.csv', url: 'https://x.example/a.csv' },
          { name: 'soc', kind: 'stix' },
          { name: 'partner', kind: 'taxii', path: '/p' },
          { name: 'misp', kind: 'misp', url: 'ftp://misp.example/feed/', columns: { value: 'v' } },
          { name: 'auth', kind: 'csv', url: 'https://x.example/a.csv', auth: { username: 'u' } },
          { name: 'bad name!', kind: 'csv', path: '/b.csv', pollMs: 5 },
        ],
      }),
    ).toEqual([
      'feeds.0.path: give exactly one of `path` or `url`',
      'feeds.1.path: give exactly one of `path` or `url`',
      'feeds.2.url: a taxii feed needs `url` (the API root)',
      'feeds.2.path: a taxii feed has no `path`',
      'feeds.2.taxii: a taxii feed needs `taxii.collectionId`',
      'feeds.3.url: Invalid URL',
      'feeds.3.columns: only a csv feed has `columns`',
      'feeds.4.auth: give either username and password (basic) or token (bearer)',
      'feeds.5.name: letters, digits, `_`, `.` or `-`, at most 64',
      'feeds.5: Unrecognized key: "pollMs"',
      "feeds.1.name: feed name 'soc' is used twice",
    ]);
    expect(problems({ feeds: [{ name: 'x', kind: 'csv', path: '/a' }, { name: 'x', kind: 'csv', path: '/b' }] })).toEqual(["feeds.1.name: feed name 'x' is used twice"]);
  });
});
