import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const HOOK = fileURLToPath(new URL('./stripped-source-cache.js', import.meta.url));

describe('stripped-source cache', () => {
  let dir: string;
  let cache: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-stripped-'));
    cache = join(dir, 'cache');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    writeFileSync(join(dir, 'limits.ts'), 'export const maxInFlight: number = 10_000;\nexport interface Limit { name: string }\n');
    writeFileSync(
      join(dir, 'main.ts'),
      [
        "import { maxInFlight, type Limit } from './limits.ts';",
        "const limit: Limit = { name: 'in-flight' };",
        'const line = Number(/main\\.ts:(\\d+)/.exec(new Error().stack ?? "")?.[1]);',
        "const stripper = process.moduleLoadList.some((name: string) => name.includes('amaro'));",
        'console.log(JSON.stringify({ limit: limit.name, maxInFlight, line, stripper }));',
      ].join('\n'),
    );
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(): { limit: string; maxInFlight: number; line: number; stripper: boolean } {
    const output = execFileSync(process.execPath, ['--import', HOOK, join(dir, 'main.ts')], { env: { ...process.env, VIGIL_JS_CACHE: cache }, encoding: 'utf8' });
    return JSON.parse(output.trim().split('\n').at(-1)!);
  }

  it('strips a module once, then serves it without loading the type stripper, keeping lines where they were', () => {
    expect(run()).toEqual({ limit: 'in-flight', maxInFlight: 10_000, line: 3, stripper: true });
    expect(readdirSync(cache).filter((name) => name.endsWith('.js'))).toHaveLength(2);
    expect(run()).toEqual({ limit: 'in-flight', maxInFlight: 10_000, line: 3, stripper: false });
  });

  it('never serves a module whose source changed since it was stripped', () => {
    run();
    writeFileSync(join(dir, 'limits.ts'), 'export const maxInFlight: number = 4_000;\nexport interface Limit { name: string }\n');
    expect(run()).toMatchObject({ maxInFlight: 4_000, stripper: true });
    expect(readdirSync(cache).filter((name) => name.endsWith('.js'))).toHaveLength(2);
    expect(run()).toMatchObject({ maxInFlight: 4_000, stripper: false });
  });

  it('fills the cache ahead of time for every module under a directory, tests aside', () => {
    writeFileSync(join(dir, 'main.test.ts'), 'export {};\n');
    const output = execFileSync(process.execPath, [HOOK, dir], { env: { ...process.env, VIGIL_JS_CACHE: cache }, encoding: 'utf8' });
    expect(output).toContain(': 2 modules');
    expect(run()).toMatchObject({ stripper: false });
  });
});
