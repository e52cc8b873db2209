// @ts-check
/**
 * Hands Node Vigil's TypeScript modules as JavaScript whose types are already stripped, from a
 * cache on disk, so a running Vigil never loads Node's own type stripper (amaro, a WebAssembly
 * build of swc that keeps ~17 MB resident for the life of the process). bin/vigil and the
 * Dockerfile register it with `node --import`. It is plain JavaScript because a TypeScript file
 * here would load the stripper to read it.
 *
 * One entry per module, named after the module's path, holding the SHA-256 of the source it was
 * made from: a module whose source changed is stripped again (by the process that finds it
 * changed, which then loads the stripper once) and its entry replaced, so the cache never
 * serves stale code. Stripping keeps every line and column where it was, so stack traces point
 * into the TypeScript source. `VIGIL_JS_CACHE` names the directory (default
 * `~/.cache/vigil/js`); a cache that cannot be written (the image's, filled when it is built)
 * is only read.
 *
 * Filling it ahead of time, for every module under the given directories:
 *   node packages/cli/src/stripped-source-cache.js packages test
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const CACHE_DIR = process.env.VIGIL_JS_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vigil', 'js');
const HEADER = '// vigil: types stripped from the source with sha256 ';
/** The formats Node gives TypeScript modules, and the JavaScript format each becomes. */
const JS_FORMAT = new Map([
  ['module-typescript', 'module'],
  ['commonjs-typescript', 'commonjs'],
]);

/**
 * The JavaScript of the TypeScript module at `path`: from the cache when its entry was made from
 * this very source, else stripped now and written to the cache.
 * @param {string} path absolute path of a `.ts` file
 * @returns {string}
 */
export function strippedSource(path) {
  const source = readFileSync(path, 'utf8');
  const header = `${HEADER}${createHash('sha256').update(source).digest('hex')}\n`;
  const entry = join(CACHE_DIR, `${createHash('sha256').update(path).digest('hex').slice(0, 40)}.js`);
  try {
    const cached = readFileSync(entry, 'utf8');
    if (cached.startsWith(header)) return cached.slice(header.length);
  } catch {
    // No entry yet.
  }
  const javascript = strip(source);
  store(entry, header + javascript);
  return javascript;
}

/**
 * Node's stripper, without the ExperimentalWarning its public entry point prints (Node strips
 * the same way, silently, when it loads a module itself).
 * @param {string} source
 * @returns {string}
 */
function strip(source) {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return stripTypeScriptTypes(source, { mode: 'strip' });
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * Writes an entry whole (a concurrent reader sees the old entry or the new one, never half);
 * a cache that cannot be written costs speed, not correctness.
 * @param {string} entry
 * @param {string} content
 */
function store(entry, content) {
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const temporary = `${entry}.${process.pid}.tmp`;
    writeFileSync(temporary, content);
    renameSync(temporary, entry);
  } catch {
    // Read-only or full: the next process strips the module again.
  }
}

registerHooks({
  load(url, context, nextLoad) {
    const format = JS_FORMAT.get(context.format ?? '');
    if (format === undefined || !url.startsWith('file:') || url.includes('/node_modules/')) return nextLoad(url, context);
    return { format, source: strippedSource(fileURLToPath(url)), shortCircuit: true };
  },
});

/**
 * Every `.ts` file under `directory`, test files and dependencies aside.
 * @param {string} directory
 * @returns {string[]}
 */
function sourcesUnder(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((file) => {
    const path = join(directory, file.name);
    if (file.isDirectory()) return file.name === 'node_modules' ? [] : sourcesUnder(path);
    return file.isFile() && file.name.endsWith('.ts') && !file.name.endsWith('.test.ts') && !file.name.endsWith('.d.ts') ? [path] : [];
  });
}

if (import.meta.main) {
  const paths = process.argv.slice(2).flatMap((directory) => sourcesUnder(resolve(directory)));
  for (const path of paths) strippedSource(path);
  process.stdout.write(`stripped-source cache ${CACHE_DIR}: ${paths.length} modules\n`);
}
