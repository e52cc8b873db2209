import { describe, expect, it } from 'vitest';
import { referenceDocs, staleReferenceDocs } from './reference-docs.ts';

describe('generated reference docs', () => {
  it('are up to date with the config schemas, error registries and API routes (run `pnpm run docs` when this fails)', async () => {
    expect(await staleReferenceDocs()).toEqual([]);
  });

  it('document every config key with a description, every error code and every route', async () => {
    const docs = await referenceDocs();
    const configRows = docs['docs/configuration.md']!.split('\n').filter((line) => line.startsWith('| `'));
    expect(configRows.length).toBeGreaterThan(20);
    for (const row of configRows) expect(row.split(/(?<!\\)\|/)[5]!.trim(), row).not.toBe('');
    expect(docs['docs/configuration.md']).toContain('`VIGIL_SYSLOG_PORT`');
    expect(docs['docs/errors.md']).toContain('VIGIL_ERR_PROVENANCE_BAD_SIGNATURE');
    const openApi = JSON.parse(docs['docs/openapi.json']!) as { paths: Record<string, unknown> };
    expect(Object.keys(openApi.paths)).toEqual(expect.arrayContaining(['/api/v1/alerts/{id}', '/api/v1/edges', '/api/v1/suppressions', '/api/v1/audit', '/api/v1/users/{username}']));
    expect(docs['packages/web/src/app/api-types.ts']).toContain('export type Alert = components[\'schemas\'][\'Alert\'];');
  });
});
