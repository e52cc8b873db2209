/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `edge-ingest.ts --cpu-prof DIR`): the
 * functions with the most self time, and self time per source file, so a benchmark that misses
 * its target says where the time went.
 *
 *   node test/bench/profile-top.ts <file.cpuprofile> [top=25] [--inclusive name,name,...]
 *
 * `--inclusive` adds the total time spent inside each named function (its callees included),
 * e.g. `normalizeSyslog,sealEvents,append,sendBatches`.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT } from '../e2e/harness.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Time spent inside each named function, callees included (a sample counts once per name). */
export function inclusive(profile: Profile, names: readonly string[]): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map(names.map((name) => [name, 0]));
  profile.samples.forEach((id, index) => {
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const name = byId.get(current)!.callFrame.functionName;
      if (totals.has(name)) seen.add(name);
    }
    for (const name of seen) totals.set(name, totals.get(name)! + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  return totals;
}

/** Self time per function and per file, in ms, highest first. */
export function summarise(profile: Profile): { totalMs: number; functions: [string, number][]; files: [string, number][] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of selfMs) {
    const frame = byId.get(id)!.callFrame;
    const file = shortUrl(frame.url);
    const name = `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + ms);
    files.set(file || frame.functionName, (files.get(file || frame.functionName) ?? 0) + ms);
    totalMs += ms;
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return { totalMs, functions: sorted(functions), files: sorted(files) };
}

function shortUrl(url: string): string {
  if (!url) return '';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const pnpm = path.indexOf('/node_modules/.pnpm/');
  if (pnpm >= 0) return path.slice(path.indexOf('/node_modules/', pnpm + 20) + 14);
  return path.startsWith('/') ? relative(REPO_ROOT, path) : path;
}

if (import.meta.main) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [top] [--inclusive a,b]');
  const at = rest.indexOf('--inclusive');
  const names = at >= 0 ? (rest[at + 1] ?? '').split(',').filter(Boolean) : [];
  const top = Number(rest.find((arg, index) => /^\d+$/.test(arg) && rest[index - 1] !== '--inclusive') ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const { totalMs, functions, files } = summarise(profile);
  const line = ([name, ms]: [string, number]) => `${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${Math.round(ms).toString().padStart(7)} ms  ${name}`;
  console.log(`${Math.round(totalMs)} ms sampled\n\nself time by function:`);
  for (const entry of functions.slice(0, top)) console.log(line(entry));
  console.log('\nself time by file:');
  for (const entry of files.slice(0, top)) console.log(line(entry));
  if (names.length > 0) {
    console.log('\ninclusive time:');
    for (const entry of inclusive(profile, names)) console.log(line(entry));
  }
}
