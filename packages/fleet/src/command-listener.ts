import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Bus, BusBatch, BusConsumer, BusMessage, BusProducer } from '@vigil/bus';
import { writeFileAtomic, type ControlVerifier, type EdgeControlSigner } from '@vigil/provenance';
import { OncePerInterval, describeError, type Component, type Logger, type Metrics } from '@vigil/runtime';
import { TOPICS } from '@vigil/schema';
import { fleetErrors, type FleetErrorCode } from './errors.ts';
import { COMMAND_ACTIONS, COMMAND_STATUSES, REVOCATIONS_KEY, commandSchema, type Command, type CommandResult, type CommandStatus } from './messages.ts';

/** What carrying out a command came to. */
export interface CommandOutcome {
  status: Extract<CommandStatus, 'succeeded' | 'failed'>;
  /** For the record and the admin: what changed, or why nothing did. */
  detail: string;
}

/** Carries out verified, unexpired commands addressed to this edge (the edge's `control/` handlers). */
export interface CommandHandler {
  /** May throw: a thrown error becomes a `failed` result with its message. */
  execute(command: Command): Promise<CommandOutcome>;
}

export interface CommandListenerOptions {
  bus: Bus;
  /** Publishes results on `vigil.heartbeats`. */
  producer: BusProducer;
  /** Signs results as this edge. */
  signer: EdgeControlSigner;
  /** Checks that a command was signed with the CA key. */
  verifier: ControlVerifier;
  edgeId: string;
  handler: CommandHandler;
  /** Ids of commands already handled (`<dataDir>/edge/commands.json`), so a restart never runs one twice. */
  stateFile: string;
  /**
   * Every command and its result, one JSON object per line (`<dataDir>/edge/commands.log`). Past
   * `maxAuditBytes` (default 10 MiB) it is renamed to `<auditFile>.1`, replacing the one before:
   * the core keeps the full history of commands and results, the edge the recent part.
   */
  auditFile: string;
  maxAuditBytes?: number;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
  /** Most command ids remembered; the oldest are forgotten first. */
  maxRemembered?: number;
}

/** How long a handled command's id is kept after the command expired. */
const REMEMBER_AFTER_EXPIRY_MS = 7 * 86_400_000;
const MAX_DETAIL = 2048;
const MAX_AUDIT_BYTES = 10 * 1024 * 1024;

const handledSchema = z.object({
  id: z.string(),
  action: z.enum(COMMAND_ACTIONS),
  status: z.enum(COMMAND_STATUSES),
  detail: z.string(),
  atMs: z.number(),
  expiresAtMs: z.number(),
  /** False until the result is on the bus; a redelivered command then only re-sends it. */
  published: z.boolean(),
});
type Handled = z.infer<typeof handledSchema>;
const stateSchema = z.object({ commands: z.array(handledSchema) });

/**
 * The edge's side of `vigil.commands`. Reads the topic from the beginning in a group of its
 * own (`vigil-edge-<edgeId>`), skips what is keyed for other edges and the revocation list,
 * and believes a command only when it is signed with the CA key, matches the schema, names
 * this edge and has not expired. Each command id runs once, also across restarts. Every
 * command, believed or not, and its result go to a local JSONL record; the result of every
 * believed command is signed and published on `vigil.heartbeats` (key: edge id).
 */
export class CommandListener implements Component {
  readonly name = 'command-listener';
  readonly #options: CommandListenerOptions;
  readonly #now: () => number;
  readonly #logOnce = new OncePerInterval();
  readonly #commands: ReturnType<Metrics['counter']>;
  readonly #handled = new Map<string, Handled>();
  #consumer: BusConsumer | undefined;

  constructor(options: CommandListenerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#commands = options.metrics.counter('vigil_edge_commands_total', 'Commands from the core seen by this edge, by action and status (succeeded, failed, rejected, expired, duplicate).', ['action', 'status']);
  }

  /** The consumer group: one per edge, since every edge must see every command. */
  get groupId(): string {
    return `vigil-edge-${this.#options.edgeId}`;
  }

  async start(): Promise<void> {
    this.#load();
    mkdirSync(dirname(this.#options.auditFile), { recursive: true, mode: 0o700 });
    this.#consumer = this.#options.bus.createConsumer({
      groupId: this.groupId,
      topics: [TOPICS.commands],
      fromBeginning: true,
      onError: (error) => {
        if (this.#logOnce.shouldLog('retry')) this.#options.logger.warn({ code: 'VIGIL_ERR_FLEET_RESULT_NOT_SENT', reason: describeError(error) }, 'command batch will be handled again');
      },
    });
    await this.#consumer.run(async (batch) => this.#handleBatch(batch));
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
    this.#consumer = undefined;
  }

  async #handleBatch(batch: BusBatch): Promise<void> {
    const { edgeId } = this.#options;
    for (const message of batch.messages) {
      const key = message.key?.toString();
      // Commands for other edges and the revocation list share the topic; they are not ours to judge.
      if (key !== edgeId || key === REVOCATIONS_KEY) continue;
      await this.#handleMessage(message);
    }
  }

  async #handleMessage(message: BusMessage): Promise<void> {
    const { verifier, edgeId } = this.#options;
    const at = { partition: message.partition, offset: message.offset };
    const verified = verifier.fromCore(message.value);
    if (!verified.ok) return this.#refuse(verified.error.code, verified.error.message, 'unknown', at);
    const parsed = commandSchema.safeParse(verified.payload);
    if (!parsed.success) {
      const reason = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ');
      return this.#refuse('VIGIL_ERR_FLEET_BAD_COMMAND', fleetErrors.create('VIGIL_ERR_FLEET_BAD_COMMAND', { reason }).message, 'unknown', at);
    }
    const command = parsed.data;
    if (command.edgeId !== edgeId) {
      const error = fleetErrors.create('VIGIL_ERR_FLEET_COMMAND_WRONG_EDGE', { commandId: command.id, target: command.edgeId, edgeId });
      return this.#refuse(error.code, error.message, command.action, at, command);
    }
    const seen = this.#handled.get(command.id);
    if (seen) {
      this.#commands.inc({ action: command.action, status: 'duplicate' });
      if (!seen.published) await this.#publish(seen);
      return;
    }
    const handled = await this.#run(command);
    this.#remember(handled);
    this.#record({ atMs: handled.atMs, commandId: command.id, action: command.action, status: handled.status, detail: handled.detail, command, bus: at });
    this.#commands.inc({ action: command.action, status: handled.status });
    await this.#publish(handled);
  }

  async #run(command: Command): Promise<Handled> {
    const { handler, logger } = this.#options;
    const base = { id: command.id, action: command.action, expiresAtMs: command.expiresAtMs, published: false };
    const nowMs = this.#now();
    if (nowMs > command.expiresAtMs) {
      const detail = fleetErrors.create('VIGIL_ERR_FLEET_COMMAND_EXPIRED', { commandId: command.id, expiresAt: new Date(command.expiresAtMs).toISOString() }).message;
      logger.warn({ code: 'VIGIL_ERR_FLEET_COMMAND_EXPIRED', commandId: command.id, action: command.action, issuedBy: command.issuedBy }, 'expired command not executed');
      return { ...base, status: 'expired', detail, atMs: nowMs };
    }
    let outcome: CommandOutcome;
    try {
      outcome = await handler.execute(command);
    } catch (error) {
      outcome = { status: 'failed', detail: describeError(error) };
    }
    const fields = { commandId: command.id, action: command.action, args: command.args, issuedBy: command.issuedBy, detail: outcome.detail };
    if (outcome.status === 'failed') logger.error({ ...fields, code: 'VIGIL_ERR_FLEET_COMMAND_FAILED' }, 'command from the core failed');
    else logger.info(fields, 'command from the core executed');
    return { ...base, status: outcome.status, detail: truncate(outcome.detail), atMs: this.#now() };
  }

  /** Not acted on: counted, logged once per interval per code, recorded. Not answered: the sender is not known to be the core. */
  #refuse(code: string, reason: string, action: string, at: { partition: number; offset: string }, command?: Command): void {
    this.#commands.inc({ action, status: 'rejected' });
    if (this.#logOnce.shouldLog(code)) this.#options.logger.warn({ code, reason, ...at }, 'message on vigil.commands not acted on (logged once per minute per code)');
    this.#record({ atMs: this.#now(), ...(command && { commandId: command.id, action: command.action }), status: 'rejected', code, detail: truncate(reason), ...(command && { command }), bus: at });
  }

  async #publish(handled: Handled): Promise<void> {
    const { producer, signer, edgeId } = this.#options;
    const result: CommandResult = { type: 'command-result', commandId: handled.id, edgeId, action: handled.action, status: handled.status, detail: handled.detail, atMs: handled.atMs };
    try {
      await producer.send(TOPICS.heartbeats, [{ key: edgeId, value: signer.sign(result) }]);
    } catch (error) {
      // Thrown on, so the bus hands the batch over again: the command is not re-run, only its result re-sent.
      throw fleetErrors.create('VIGIL_ERR_FLEET_RESULT_NOT_SENT', { commandId: handled.id, reason: describeError(error) }, { cause: error });
    }
    handled.published = true;
    this.#save();
  }

  #remember(handled: Handled): void {
    this.#handled.set(handled.id, handled);
    const nowMs = this.#now();
    const max = this.#options.maxRemembered ?? 10_000;
    for (const [id, entry] of this.#handled) {
      if (this.#handled.size <= max && entry.expiresAtMs + REMEMBER_AFTER_EXPIRY_MS > nowMs) break;
      if (id !== handled.id) this.#handled.delete(id);
    }
    this.#save();
  }

  #record(entry: { atMs: number } & Record<string, unknown>): void {
    const { auditFile, maxAuditBytes = MAX_AUDIT_BYTES } = this.#options;
    try {
      if ((statSync(auditFile, { throwIfNoEntry: false })?.size ?? 0) >= maxAuditBytes) renameSync(auditFile, `${auditFile}.1`);
      appendFileSync(auditFile, `${JSON.stringify({ at: new Date(entry.atMs).toISOString(), ...entry })}\n`, { mode: 0o600, flush: true });
    } catch (error) {
      this.#logError('VIGIL_ERR_FLEET_AUDIT_UNWRITABLE', { path: auditFile, reason: describeError(error) });
    }
  }

  #load(): void {
    const { stateFile } = this.#options;
    if (!existsSync(stateFile)) return;
    try {
      for (const entry of stateSchema.parse(JSON.parse(readFileSync(stateFile, 'utf8'))).commands) this.#handled.set(entry.id, entry);
    } catch (error) {
      this.#logError('VIGIL_ERR_FLEET_STATE_UNREADABLE', { path: stateFile, reason: describeError(error) });
    }
  }

  #save(): void {
    const { stateFile } = this.#options;
    try {
      mkdirSync(dirname(stateFile), { recursive: true, mode: 0o700 });
      writeFileAtomic(stateFile, JSON.stringify({ commands: [...this.#handled.values()] }), 0o600);
    } catch (error) {
      this.#logError('VIGIL_ERR_FLEET_STATE_UNWRITABLE', { path: stateFile, reason: describeError(error) });
    }
  }

  #logError(code: FleetErrorCode, params: Record<string, unknown>): void {
    if (this.#logOnce.shouldLog(code)) this.#options.logger.error({ code, ...params }, fleetErrors.create(code, params).message);
  }
}

function truncate(text: string): string {
  return text.length <= MAX_DETAIL ? text : `${text.slice(0, MAX_DETAIL - 1)}…`;
}
