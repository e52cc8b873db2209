import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { apiErrors, openApiDocument } from '@vigil/api';
import { busErrors } from '@vigil/bus';
import { edgeErrors } from '@vigil/edge';
import { engineErrors } from '@vigil/engine';
import { fleetErrors } from '@vigil/fleet';
import { indexerErrors } from '@vigil/indexer';
import { provenanceErrors } from '@vigil/provenance';
import type { ErrorCode, ErrorRegistry } from '@vigil/runtime';
import { storeErrors } from '@vigil/store';
import { vigilConfigSchema } from '../config.ts';
import { renderConfigReference } from './config-reference.ts';
import { renderErrorsReference } from './errors-reference.ts';
import { renderApiTypes } from './api-types.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..', '..');

/** Every generated reference document: path (relative to the repo) → expected content. */
export async function referenceDocs(): Promise<Record<string, string>> {
  const registries = {
    '@vigil/api': apiErrors,
    '@vigil/bus': busErrors,
    '@vigil/edge': edgeErrors,
    '@vigil/engine': engineErrors,
    '@vigil/fleet': fleetErrors,
    '@vigil/indexer': indexerErrors,
    '@vigil/provenance': provenanceErrors,
    '@vigil/store': storeErrors,
  } as Record<string, ErrorRegistry<ErrorCode>>;
  const openApi = openApiDocument();
  return {
    'docs/configuration.md': renderConfigReference(vigilConfigSchema),
    'docs/errors.md': renderErrorsReference(registries),
    'docs/openapi.json': `${JSON.stringify(openApi, null, 2)}\n`,
    'packages/web/src/app/api-types.ts': await renderApiTypes(openApi),
  };
}

/** Paths whose content on disk differs from what the code generates. */
export async function staleReferenceDocs(): Promise<string[]> {
  return Object.entries(await referenceDocs())
    .filter(([path, content]) => {
      try {
        return readFileSync(join(REPO_ROOT, path), 'utf8') !== content;
      } catch {
        return true;
      }
    })
    .map(([path]) => path);
}
