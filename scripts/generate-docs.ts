import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, referenceDocs } from '../packages/cli/src/docs/reference-docs.ts';

// Regenerates the reference docs from the zod config schemas and the error registries.
for (const [path, content] of Object.entries(referenceDocs())) {
  writeFileSync(join(REPO_ROOT, path), content);
  console.log(`wrote ${path}`);
}
