import { existsSync, readFileSync } from 'node:fs';
import type { Bus, BusBatch, BusConsumer } from '@vigil/bus';
import { writeFileAtomic, type ControlVerifier } from '@vigil/provenance';
import { OncePerInterval, describeError, type Component, type Logger, type Metrics } from '@vigil/runtime';
import { TOPICS } from '@vigil/schema';
import type { z } from 'zod';

/** What a process that follows a signed list gives it. */
export interface ListReaderOptions {
  bus: Bus;
  /** Consumer group; one per process that needs the list, since every reader needs every list. */
  groupId: string;
  /** Checks that a list was signed by the core (the CA key). */
  verifier: ControlVerifier;
  /** Where the newest list is kept between restarts. */
  stateFile: string;
  metrics: Metrics;
  logger: Logger;
}

export interface SignedListFollowerOptions<T extends { issuedAtMs: number }> {
  bus: Bus;
  /** Consumer group; one per process that needs the list, since every reader needs every list. */
  groupId: string;
  /** Checks that a list was signed by the core (the CA key). */
  verifier: ControlVerifier;
  /** Where the newest list is kept between restarts. */
  stateFile: string;
  /** The list's bus key on `vigil.commands`, its schema, and what it is called in logs. */
  key: string;
  schema: z.ZodType<T>;
  what: string;
  /** The error code of a list that does not match the schema. */
  badListCode: string;
  /** Counts a list that failed its signature or schema check, by code. */
  rejected(code: string): void;
  logger: Logger;
}

/**
 * Follows a CA-signed list the API publishes on `vigil.commands` under one key (the revocation
 * list, the alert suppressions): verifies each one, hands on the newest (by `issuedAtMs`), and
 * keeps it on disk so a restarted process has it before it has read the bus.
 */
export abstract class SignedListFollower<T extends { issuedAtMs: number }> implements Component {
  abstract readonly name: string;
  readonly #options: SignedListFollowerOptions<T>;
  readonly #logOnce = new OncePerInterval();
  #issuedAtMs = -1;
  #consumer: BusConsumer | undefined;

  constructor(options: SignedListFollowerOptions<T>) {
    this.#options = options;
  }

  /** Issue time of the list in force, or -1 before any list was seen. */
  get issuedAtMs(): number {
    return this.#issuedAtMs;
  }

  async start(): Promise<void> {
    this.#loadSaved();
    this.#consumer = this.#options.bus.createConsumer({ groupId: this.#options.groupId, topics: [TOPICS.commands], fromBeginning: true });
    await this.#consumer.run(async (batch) => this.#handle(batch));
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
    this.#consumer = undefined;
  }

  /** Applies a list if it is newer than the one in force; returns whether it was applied. */
  apply(list: T): boolean {
    if (list.issuedAtMs <= this.#issuedAtMs) return false;
    this.take(list);
    this.#issuedAtMs = list.issuedAtMs;
    return true;
  }

  /** Takes a list newer than the one in force. */
  protected abstract take(list: T): void;

  async #handle(batch: BusBatch): Promise<void> {
    const { key, verifier, schema, logger, what, badListCode } = this.#options;
    for (const message of batch.messages) {
      if (message.key?.toString() !== key) continue;
      const verified = verifier.fromCore(message.value);
      if (!verified.ok) {
        this.#reject(verified.error.code, verified.error.message);
        continue;
      }
      const parsed = schema.safeParse(verified.payload);
      if (!parsed.success) {
        this.#reject(badListCode, parsed.error.issues[0]?.message ?? 'invalid');
        continue;
      }
      if (this.apply(parsed.data)) {
        this.#save(parsed.data);
        logger.info({ issuedAt: new Date(parsed.data.issuedAtMs).toISOString() }, `${what} applied`);
      }
    }
  }

  #reject(code: string, reason: string): void {
    this.#options.rejected(code);
    if (this.#logOnce.shouldLog(code)) this.#options.logger.warn({ code, reason }, `${this.#options.what} on vigil.commands ignored`);
  }

  #loadSaved(): void {
    const { stateFile, logger, schema, what } = this.#options;
    if (!existsSync(stateFile)) return;
    try {
      this.apply(schema.parse(JSON.parse(readFileSync(stateFile, 'utf8'))));
    } catch (error) {
      logger.error({ code: 'VIGIL_ERR_FLEET_STATE_UNREADABLE', path: stateFile, reason: describeError(error) }, `saved ${what} unreadable; waiting for the next one on the bus`);
    }
  }

  #save(list: T): void {
    try {
      writeFileAtomic(this.#options.stateFile, JSON.stringify(list));
    } catch (error) {
      this.#options.logger.error({ code: 'VIGIL_ERR_FLEET_STATE_UNWRITABLE', path: this.#options.stateFile, reason: describeError(error) }, `${this.#options.what} not saved`);
    }
  }
}
