import { z } from 'zod';
import { COMMAND_ACTIONS, COMMAND_STATUSES, commandSchema, heartbeatSchema } from '@vigil/fleet';
import { isUnsafeKey } from '@vigil/schema';
import type { IssuedCertificate } from '../fleet/certificate-issuer.ts';
import type { CommandRecord, EdgeRecord } from '../fleet/fleet-repository.ts';

/** Request and response schemas of the fleet routes, and the views of fleet records they answer with. */

const PEM_MAX = 16_384;
const DAY_SECONDS = 86_400;

export const edgeIdSchema = heartbeatSchema.shape.edgeId.describe('Edge id: the CN of the edge\'s certificate, e.g. `dc1-fw-edge`.');

export const edgeIdParamsSchema = z.object({ id: edgeIdSchema }).strict();

export const createEnrollmentTokenRequestSchema = z
  .object({
    edgeId: edgeIdSchema,
    ttlSeconds: z.number().int().min(60).max(7 * DAY_SECONDS).default(3600).describe('How long the token can be used, in seconds (1 minute to 7 days).'),
  })
  .strict();

export const enrollmentTokenResponseSchema = z
  .object({
    token: z.string().describe('The one-time token, `vget_<secret>`, for `vigil enroll`. Shown only in this response.'),
    edgeId: edgeIdSchema,
    expiresAt: z.iso.datetime().describe('When the token stops working if unused.'),
  })
  .strict();

export const enrollRequestSchema = z
  .object({
    token: z.string().min(1).max(256).describe('The enrollment token an admin created for this edge.'),
    csrPem: z.string().min(1).max(PEM_MAX).describe('PEM PKCS#10 certificate signing request with the edge\'s new RSA key (2048 bits or more); its subject CN must be the token\'s edge id.'),
  })
  .strict();

export const renewRequestSchema = z
  .object({
    certificatePem: z.string().min(1).max(PEM_MAX).describe('The edge\'s current certificate (PEM); it must be issued by the Vigil CA, unexpired and not revoked.'),
    csrPem: z.string().min(1).max(PEM_MAX).describe('PEM PKCS#10 request with the new key; its CN must equal the current certificate\'s.'),
    signature: z.string().min(1).max(2048).describe('Base64 RSA-SHA256 signature over the UTF-8 bytes of `csrPem`, made with the current certificate\'s key.'),
  })
  .strict();

export const issuedCertificateResponseSchema = z
  .object({
    edgeId: edgeIdSchema,
    certificatePem: z.string().describe('The edge\'s new certificate (PEM).'),
    caCertificatePem: z.string().describe('The Vigil CA certificate (PEM): commands and revocation lists verify against it.'),
    serial: z.string().describe('Serial number of the new certificate, hex upper case.'),
    notAfter: z.iso.datetime().describe('End of the new certificate\'s validity; renew before it.'),
  })
  .strict();

export const EDGE_STATUSES = ['online', 'silent', 'revoked', 'enrolled'] as const;

const heartbeatViewSchema = z
  .object({
    receivedAt: z.iso.datetime().describe('When the core read the heartbeat (core clock).'),
    sentAt: z.iso.datetime().nullable().describe('When the edge sent it, by the edge\'s clock (null when that clock gives no representable time).'),
    clockOffsetMs: z.number().int().describe('Core receipt time minus the edge\'s send time: large values mean a wrong edge clock (or a slow bus).'),
    bootId: z.string(),
    version: z.string().describe('Vigil version of the edge.'),
    intervalMs: z.number().int().describe('The edge\'s heartbeat interval.'),
    eventsPerSecond: z.number(),
    received: z.number().int().describe('Events received since the edge started.'),
    published: z.number().int().describe('Events published to the bus since the edge started.'),
    inFlight: z.number().int(),
    spool: z.object({ usedBytes: z.number().int(), maxBytes: z.number().int(), pendingRecords: z.number().int() }).strict().nullable().describe('Spool depth, null for an edge without a spool.'),
    drops: z.record(z.string(), z.number().int()).describe('Drop counters since the edge started, by reason.'),
    certificate: z.object({ serial: z.string(), notAfter: z.string() }).strict().describe('The certificate the edge signs with.'),
  })
  .strict();

export const edgeSchema = z
  .object({
    edgeId: edgeIdSchema,
    status: z
      .enum(EDGE_STATUSES)
      .describe('`online`: a heartbeat within the last few intervals; `silent`: none since; `revoked`; `enrolled`: never heard from.'),
    enrolledAt: z.iso.datetime().nullable().describe('First enrollment through the API; null for edges known only from heartbeats.'),
    firstSeenAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().nullable(),
    revocationReason: z.string().nullable(),
    certificate: z
      .object({ serial: z.string(), notAfter: z.string(), issuedAt: z.iso.datetime().nullable() })
      .strict()
      .nullable()
      .describe('The newest certificate issued through the API, else the one named in the last heartbeat (issuedAt null).'),
    lastHeartbeat: heartbeatViewSchema.nullable(),
  })
  .strict()
  .meta({ id: 'Edge', description: 'An edge collector as the core sees it.' });

export const listEdgesResponseSchema = z.object({ edges: z.array(edgeSchema).describe('By edge id.') }).strict();

export const revokeEdgeRequestSchema = z
  .object({ reason: z.string().trim().min(1).max(512).describe('Why, for the record and the revocation list, e.g. `key leaked`.') })
  .strict();

const ttlSecondsSchema = z.number().int().min(10).max(DAY_SECONDS).default(300).describe('Seconds until the command expires; an edge does not act on an expired command.');

// One request shape per action, taken from the command message itself, so a new action needs no change here.
const commandRequestOptions = commandSchema.options.map((option) => option.pick({ action: true, args: true }).extend({ ttlSeconds: ttlSecondsSchema }).strict());
export const commandRequestSchema = z.discriminatedUnion(
  'action',
  commandRequestOptions as unknown as [(typeof commandRequestOptions)[number], ...(typeof commandRequestOptions)[number][]],
);

export const commandRecordSchema = z
  .object({
    id: z.uuid(),
    edgeId: edgeIdSchema,
    action: z.enum(COMMAND_ACTIONS),
    args: z.record(z.string(), z.unknown()),
    issuedBy: z.string().describe('User name, or `api-key:<name>`.'),
    issuedAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    status: z.enum(['pending', ...COMMAND_STATUSES]).describe('`pending` until the edge reports; `expired` when no result came before the expiry.'),
    detail: z.string().nullable().describe('What the edge reported, or why the core closed the command.'),
    completedAt: z.iso.datetime().nullable(),
  })
  .strict()
  .meta({ id: 'EdgeCommand', description: 'A signed command sent to an edge, and what became of it.' });

export const listCommandsQuerySchema = z
  .object({ size: z.coerce.number().int().min(1).max(1000).default(100).describe('Most commands to return, 1 to 1000.') })
  .strict();

export const listCommandsResponseSchema = z.object({ commands: z.array(commandRecordSchema).describe('Newest first.') }).strict();

/** The response to an enrollment or renewal. */
export function issuedCertificateView(issued: IssuedCertificate): z.output<typeof issuedCertificateResponseSchema> {
  return { edgeId: issued.edgeId, certificatePem: issued.certificatePem, caCertificatePem: issued.caCertificatePem, serial: issued.serial, notAfter: iso(issued.notAfterMs) };
}

/** An edge with its health as of `nowMs`: online while a heartbeat came within `silentAfterIntervals` of its intervals. */
export function edgeView(edge: EdgeRecord, nowMs: number, silentAfterIntervals: number): z.output<typeof edgeSchema> {
  const last = edge.lastHeartbeat;
  const status =
    edge.revokedAtMs !== null ? 'revoked' : last === null ? 'enrolled' : nowMs - last.receivedAtMs <= silentAfterIntervals * last.heartbeat.intervalMs ? 'online' : 'silent';
  const issued = edge.certificates[0];
  const certificate = issued
    ? { serial: issued.serial, notAfter: iso(issued.notAfterMs), issuedAt: iso(issued.issuedAtMs) }
    : last
      ? { ...last.heartbeat.certificate, issuedAt: null }
      : null;
  return {
    edgeId: edge.edgeId,
    status,
    enrolledAt: edge.enrolledAtMs === null ? null : iso(edge.enrolledAtMs),
    firstSeenAt: iso(edge.firstSeenAtMs),
    revokedAt: edge.revokedAtMs === null ? null : iso(edge.revokedAtMs),
    revocationReason: edge.revocationReason,
    certificate,
    lastHeartbeat: last && {
      receivedAt: iso(last.receivedAtMs),
      sentAt: isoOrNull(last.heartbeat.sentAtMs),
      clockOffsetMs: last.clockOffsetMs,
      bootId: last.heartbeat.bootId,
      version: last.heartbeat.version,
      intervalMs: last.heartbeat.intervalMs,
      eventsPerSecond: last.heartbeat.eventsPerSecond,
      received: last.heartbeat.received,
      published: last.heartbeat.published,
      inFlight: last.heartbeat.inFlight,
      spool: last.heartbeat.spool ?? null,
      drops: safeRecord(last.heartbeat.drops),
      certificate: last.heartbeat.certificate,
    },
  };
}

/** A command record as the API shows it. */
export function commandView(command: CommandRecord): z.output<typeof commandRecordSchema> {
  return {
    id: command.id,
    edgeId: command.edgeId,
    action: command.action,
    args: { ...command.args },
    issuedBy: command.issuedBy,
    issuedAt: iso(command.issuedAtMs),
    expiresAt: iso(command.expiresAtMs),
    status: command.status,
    detail: command.detail,
    completedAt: command.completedAtMs === null ? null : iso(command.completedAtMs),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isoOrNull(ms: number): string | null {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Copies edge-supplied counter names without keys that could reach an object prototype. */
function safeRecord(record: Readonly<Record<string, number>>): Record<string, number> {
  const copy: Record<string, number> = {};
  for (const [key, value] of Object.entries(record)) if (!isUnsafeKey(key)) copy[key] = value;
  return copy;
}
