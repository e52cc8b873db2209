import { describe, expect, it } from 'vitest';
import { referenceDocs, staleReferenceDocs } from './reference-docs.ts';

describe('generated reference docs', () => {
  it('are up to date with the config schemas and error registries (run `pnpm run docs` when this fails)', () => {
    expect(staleReferenceDocs()).toEqual([]);
  });

  it('document every config key with a description and every error code', () => {
    const docs = referenceDocs();
    const configRows = docs['docs/configuration.md']!.split('\n').filter((line) => line.startsWith('| `'));
    expect(configRows.length).toBeGreaterThan(20);
    for (const row of configRows) expect(row.split(/(?<!\\)\|/)[5]!.trim(), row).not.toBe('');
    expect(docs['docs/configuration.md']).toContain('`VIGIL_SYSLOG_PORT`');
    expect(docs['docs/errors.md']).toContain('VIGIL_ERR_PROVENANCE_BAD_SIGNATURE');
  });
});
