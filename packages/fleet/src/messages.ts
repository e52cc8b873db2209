import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The control plane between edges and the core. Every message travels in a signed control
 * envelope (`@vigil/provenance` control-envelope.ts):
 * - edge → core on `vigil.heartbeats` (key: edge id), signed by the edge: heartbeats and
 *   command results;
 * - core → edge on `vigil.commands`, signed with the CA key: commands (key: edge id) and the
 *   revocation list (key: {@link REVOCATIONS_KEY}), which every engine and indexer reads, and
 *   the alert suppressions (key: {@link SUPPRESSIONS_KEY}) and the disabled rules (key:
 *   {@link RULE_STATES_KEY}), which every engine reads.
 */

/** Bus key of the revocation list on `vigil.commands`. */
export const REVOCATIONS_KEY = 'vigil.revocations';

/** Bus key of the alert suppression list on `vigil.commands`. */
export const SUPPRESSIONS_KEY = 'vigil.suppressions';

/** Bus key of the list of disabled rules on `vigil.commands`. */
export const RULE_STATES_KEY = 'vigil.rule-states';

const edgeId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'an edge id: letters, digits, . _ -');
const timeMs = z.number().int().nonnegative();
const count = z.number().int().nonnegative();

/** An IPv4/IPv6 address or a CIDR block, as commands name sources. */
export const sourceAddressSchema = z.string().refine((value) => {
  const [address, bits, extra] = value.split('/');
  if (extra !== undefined || address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d{1,3}$/.test(bits) && prefix <= (family === 4 ? 32 : 128);
}, 'an IP address or CIDR block');

/** The longest heartbeat interval an edge may announce (edge.heartbeatIntervalMs allows no more). */
export const MAX_HEARTBEAT_INTERVAL_MS = 300_000;

/** What an edge reports every few seconds. */
export const heartbeatSchema = z
  .object({
    type: z.literal('heartbeat'),
    edgeId,
    bootId: z.string().min(1).max(64),
    version: z.string().max(64),
    /** The edge's clock when it sent this heartbeat; the core compares it with its own. */
    sentAtMs: timeMs,
    startedAtMs: timeMs,
    /**
     * How often the edge sends heartbeats; the core calls an edge silent after a few missed ones.
     * Capped as the edge's own setting is, so an edge cannot announce an interval long enough to
     * go quiet unnoticed.
     */
    intervalMs: z.number().int().min(1).max(MAX_HEARTBEAT_INTERVAL_MS),
    /** Events received per second over the last interval. */
    eventsPerSecond: z.number().nonnegative(),
    received: count,
    published: count,
    inFlight: count,
    spool: z.object({ usedBytes: count, maxBytes: count, pendingRecords: count }).strict().optional(),
    /** Drop counters since the edge started, by reason (as in vigil_edge_dropped_total). */
    drops: z.record(z.string().max(64), count),
    certificate: z.object({ serial: z.string().max(64), notAfter: z.iso.datetime({ offset: true }) }).strict(),
  })
  .strict();
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** The actions the core can ask of an edge. */
export const COMMAND_ACTIONS = ['set-log-level', 'reload-config', 'block-source', 'unblock-source'] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

const commandBase = {
  type: z.literal('command'),
  id: z.uuid(),
  edgeId,
  issuedAtMs: timeMs,
  /** An edge ignores (and reports as expired) a command it sees after this time. */
  expiresAtMs: timeMs,
  /** Who asked for it (user name or API key name), for the record. */
  issuedBy: z.string().max(128),
};

/** A signed, expiring instruction for one edge. */
export const commandSchema = z.discriminatedUnion('action', [
  z.object({ ...commandBase, action: z.literal('set-log-level'), args: z.object({ level: z.enum(LOG_LEVELS) }).strict() }).strict(),
  z.object({ ...commandBase, action: z.literal('reload-config'), args: z.object({}).strict() }).strict(),
  z.object({ ...commandBase, action: z.literal('block-source'), args: z.object({ address: sourceAddressSchema }).strict() }).strict(),
  z.object({ ...commandBase, action: z.literal('unblock-source'), args: z.object({ address: sourceAddressSchema }).strict() }).strict(),
]);
export type Command = z.infer<typeof commandSchema>;

/** What became of a command, reported by the edge. */
export const COMMAND_STATUSES = ['succeeded', 'failed', 'rejected', 'expired'] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

export const commandResultSchema = z
  .object({
    type: z.literal('command-result'),
    commandId: z.uuid(),
    edgeId,
    action: z.enum(COMMAND_ACTIONS),
    status: z.enum(COMMAND_STATUSES),
    detail: z.string().max(2048),
    atMs: timeMs,
  })
  .strict();
export type CommandResult = z.infer<typeof commandResultSchema>;

/** One revoked edge certificate (or every certificate of the edge when `serial` is absent). */
export const revocationSchema = z
  .object({
    edgeId,
    /** Certificate serial, hex upper case (as node:crypto prints it). */
    serial: z.string().regex(/^[0-9A-F]{1,64}$/).optional(),
    revokedAtMs: timeMs,
    reason: z.string().max(512),
  })
  .strict();
export type Revocation = z.infer<typeof revocationSchema>;

/** The full list of revocations; the newest list (by issuedAtMs) replaces older ones. */
export const revocationListSchema = z
  .object({ type: z.literal('revocations'), issuedAtMs: timeMs, revoked: z.array(revocationSchema).max(100_000) })
  .strict();
export type RevocationList = z.infer<typeof revocationListSchema>;

/**
 * An alert suppression: while it lasts, hits of `rule` (its id or name; every rule when absent)
 * whose alert group or event has every `match` field at the given value raise no alert.
 */
export const suppressionSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    rule: z.string().min(1).max(256).optional(),
    match: z.record(z.string().regex(/^[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,255}$/, 'a field path'), z.string().max(1024)),
    reason: z.string().min(1).max(1024),
    createdBy: z.string().min(1).max(256),
    createdAtMs: timeMs,
    expiresAtMs: timeMs,
  })
  .strict()
  .refine((suppression) => suppression.rule !== undefined || Object.keys(suppression.match).length > 0, 'a suppression names a rule, fields to match, or both');
export type Suppression = z.infer<typeof suppressionSchema>;

/** Every suppression in force (expired ones are left out); the newest list (by issuedAtMs) replaces older ones. */
export const suppressionListSchema = z
  .object({ type: z.literal('suppressions'), issuedAtMs: timeMs, suppressions: z.array(suppressionSchema).max(10_000) })
  .strict();
export type SuppressionList = z.infer<typeof suppressionListSchema>;

/** A rule an analyst turned off: the engines neither match it nor let it feed correlations or raise alerts. */
export const disabledRuleSchema = z
  .object({
    rule: z.string().min(1).max(256).describe('Rule id.'),
    reason: z.string().min(1).max(1024),
    disabledBy: z.string().min(1).max(256),
    disabledAtMs: timeMs,
  })
  .strict();
export type DisabledRule = z.infer<typeof disabledRuleSchema>;

/** Every rule disabled now; the newest list (by issuedAtMs) replaces older ones. */
export const ruleStateListSchema = z.object({ type: z.literal('rule-states'), issuedAtMs: timeMs, disabled: z.array(disabledRuleSchema).max(100_000) }).strict();
export type RuleStateList = z.infer<typeof ruleStateListSchema>;

/** What an edge may send on `vigil.heartbeats`. */
export const edgeMessageSchema = z.discriminatedUnion('type', [heartbeatSchema, commandResultSchema]);
export type EdgeMessage = z.infer<typeof edgeMessageSchema>;

/** What the core may send on `vigil.commands`. */
export const coreMessageSchema = z.union([commandSchema, revocationListSchema, suppressionListSchema, ruleStateListSchema]);
export type CoreMessage = z.infer<typeof coreMessageSchema>;
