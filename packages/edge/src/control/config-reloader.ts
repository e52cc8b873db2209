import { isDeepStrictEqual } from 'node:util';
import { describeError } from '@vigil/runtime';
import { edgeErrors } from '../errors.ts';

/** A setting the running process can change without a restart. */
export interface LiveSetting<C> {
  /** Dotted path in the configuration (`logLevel`, `edge.blockedSources`); everything under it is covered. */
  path: string;
  /** Applies the new value; may return a note for the report (e.g. `2 added`). */
  apply(next: C): string | undefined;
}

/** What a reload found and did. Paths only: values (passwords among them) are never reported. */
export interface ReloadReport {
  /** Live settings that changed and were applied, with notes. */
  applied: string[];
  /** Settings that differ from what the process started with and take effect only after a restart. */
  needsRestart: string[];
}

export interface ConfigReloaderOptions<C> {
  /** The configuration the process started with. */
  initial: C;
  /** Reads the configuration again, as at start-up (file and environment); throws when it is invalid. */
  load: () => C | Promise<C>;
  live: readonly LiveSetting<C>[];
}

/**
 * Re-reads the configuration on request (the `reload-config` command) and applies what can
 * change live; everything else that changed is reported as needing a restart. Live settings
 * are compared with the previous reload, the rest with what the process started with, so a
 * change that still waits for a restart is reported again each time.
 */
export class ConfigReloader<C extends object> {
  readonly #options: ConfigReloaderOptions<C>;
  readonly #initial: C;
  #current: C;

  constructor(options: ConfigReloaderOptions<C>) {
    this.#options = options;
    this.#initial = options.initial;
    this.#current = options.initial;
  }

  /** Throws VIGIL_ERR_EDGE_CONFIG_RELOAD_FAILED (nothing applied) when the configuration cannot be read or is invalid. */
  async reload(): Promise<ReloadReport> {
    let next: C;
    try {
      next = await this.#options.load();
    } catch (error) {
      throw edgeErrors.create('VIGIL_ERR_EDGE_CONFIG_RELOAD_FAILED', { reason: describeError(error) }, { cause: error });
    }
    const applied: string[] = [];
    for (const setting of this.#options.live) {
      if (isDeepStrictEqual(valueAt(this.#current, setting.path), valueAt(next, setting.path))) continue;
      const note = setting.apply(next);
      applied.push(note ? `${setting.path} (${note})` : setting.path);
    }
    const isLive = (path: string) => this.#options.live.some((setting) => path === setting.path || path.startsWith(`${setting.path}.`));
    const needsRestart = changedPaths(this.#initial, next).filter((path) => !isLive(path));
    this.#current = next;
    return { applied, needsRestart };
  }
}

/** One line for a command result: what was applied and what waits for a restart. */
export function describeReload(report: ReloadReport): string {
  const list = (paths: string[]) => (paths.length <= 20 ? paths.join(', ') : `${paths.slice(0, 20).join(', ')} and ${paths.length - 20} more`);
  const parts = [report.applied.length > 0 ? `applied: ${list(report.applied)}` : 'nothing to apply live'];
  if (report.needsRestart.length > 0) parts.push(`needs a restart: ${list(report.needsRestart)}`);
  return parts.join('; ');
}

/** Leaf paths whose values differ; arrays count as one value. */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => changedPaths(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  return isDeepStrictEqual(before, after) ? [] : [prefix || '(root)'];
}

function valueAt(config: object, path: string): unknown {
  let value: unknown = config;
  for (const key of path.split('.')) value = isPlainObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
