/**
 * The lifecycle every source, transform and sink has. A host (the CLI's role runners)
 * creates components from their configs, starts them in order and stops them in reverse.
 */
export interface Component {
  /** A short name for logs and metrics, e.g. `syslog-tcp`. */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts components in order; on failure stops the ones already started and rethrows. */
export async function startAll(components: readonly Component[]): Promise<void> {
  const started: Component[] = [];
  try {
    for (const component of components) {
      await component.start();
      started.push(component);
    }
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/** Stops components in reverse order; every stop runs even when an earlier one fails. */
export async function stopAll(components: readonly Component[]): Promise<void> {
  const failures: unknown[] = [];
  for (const component of [...components].reverse()) {
    try {
      await component.stop();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'some components failed to stop');
}
