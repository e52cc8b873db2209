import type { Logger } from '@vigil/runtime';

/**
 * A logger that keeps every line in memory, for tests that check what the API logs (and that
 * it never logs secrets). It has the methods fastify calls on a pino logger.
 */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const make = (bindings: Record<string, unknown>): unknown => {
    const write =
      (level: string) =>
      (objectOrMessage: unknown, message?: string): void => {
        lines.push(JSON.stringify({ level, ...bindings, ...(typeof objectOrMessage === 'object' ? serialize(objectOrMessage) : { msg: objectOrMessage }), ...(message && { msg: message }) }));
      };
    return {
      level: 'trace',
      trace: write('trace'),
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      fatal: write('fatal'),
      silent: () => {},
      child: (more: Record<string, unknown>) => make({ ...bindings, ...more }),
    };
  };
  return { logger: make({}) as Logger, lines };
}

function serialize(value: unknown): Record<string, unknown> {
  if (value instanceof Error) return { err: { message: value.message, stack: value.stack } };
  return JSON.parse(JSON.stringify(value, (_key, inner: unknown) => (inner instanceof Error ? { message: inner.message, stack: inner.stack } : inner))) as Record<string, unknown>;
}
