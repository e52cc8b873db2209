import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, referenceDocs } from '../packages/cli/src/docs/reference-docs.ts';

// Regenerates the reference docs from the zod config schemas, the error registries and the API's
// routes (docs/openapi.json, and the web app's types generated from it).
for (const [path, content] of Object.entries(await referenceDocs())) {
  writeFileSync(join(REPO_ROOT, path), content);
  console.log(`wrote ${path}`);
}
