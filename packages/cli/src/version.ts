import { readFileSync } from 'node:fs';

/** Vigil's version, as released (the CLI package's version). */
export const VIGIL_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
