import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@vigil/provenance';

/**
 * The engine's state files in the data directory. Sequence tracking is written before every
 * offset commit (so a restart never mistakes a redelivery for a replay, or a resumed stream
 * for a gap); the state of each hits-topic partition (correlation groups, alerts) is
 * checkpointed on an interval and at shutdown, with the offset it covers.
 */
export class EngineStateFiles {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  read(name: string): { ok: true; value: unknown } | { ok: false; reason: string } | null {
    const path = this.path(name);
    if (!existsSync(path)) return null;
    try {
      return { ok: true, value: JSON.parse(readFileSync(path, 'utf8')) };
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
  }

  write(name: string, value: unknown): void {
    writeFileAtomic(this.path(name), JSON.stringify(value));
  }

  path(name: string): string {
    return join(this.#dir, `${name}.json`);
  }
}
