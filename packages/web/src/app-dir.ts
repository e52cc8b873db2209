import { fileURLToPath } from 'node:url';

/** Where the built web app is (`pnpm --filter @vigil/web build`, run by bin/vigil and bin/test when the sources changed). */
export const WEB_APP_DIR = fileURLToPath(new URL('../dist/', import.meta.url));
