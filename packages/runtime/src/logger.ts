import { pino, type Logger } from 'pino';

export type { Logger };

/** Field names whose values are never written to logs. */
const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'key',
  '*.key',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'privateKey',
  '*.privateKey',
];

/** The process logger: JSON lines on stdout, secrets redacted. */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'vigil',
    level: options.level ?? process.env.VIGIL_LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  });
}

/** A logger that writes nothing, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Logs an error code once per interval: after start-up Vigil never crashes on input, it
 * counts and logs, and a flood of bad input must not flood the log too.
 */
export class OncePerInterval {
  readonly #lastLogged = new Map<string, number>();
  readonly #intervalMs: number;

  constructor(intervalMs = 60_000) {
    this.#intervalMs = intervalMs;
  }

  /** True when `key` has not been logged within the interval (and records that it now is). */
  shouldLog(key: string, now = Date.now()): boolean {
    const last = this.#lastLogged.get(key);
    if (last !== undefined && now - last < this.#intervalMs) return false;
    this.#lastLogged.set(key, now);
    return true;
  }
}
