import { z } from 'zod';
import type { AuthRepository } from '../auth/auth-repository.ts';
import { READERS } from '../auth/roles.ts';
import { apiErrors } from '../errors.ts';
import { bearerOf, defineRoute, type RouteDefinition } from '../http/route.ts';
import type { AlertFeed } from '../live/alert-feed.ts';

/** Sent on an idle stream so proxies keep it open and a client notices a dead one. */
const KEEPALIVE_MS = 15_000;

export const alertNoticeSchema = z
  .object({
    id: z.string(),
    rule: z.string().describe('Rule name.'),
    severity: z.string(),
    status: z.string(),
    count: z.number().int(),
    lastSeen: z.iso.datetime(),
    by: z.enum(['engine', 'analyst']).describe('`engine`: a new alert or new events on one; `analyst`: a triage change.'),
  })
  .strict()
  .meta({ id: 'AlertNotice', description: 'One changed alert, as the live stream announces it (fetch the alert for the rest).' });

/**
 * `GET /api/v1/alerts/live`: Server-Sent Events, one `alert` event per changed alert, for as long
 * as the caller's session or key stays valid (checked at every keep-alive). Sent with the bearer
 * header like every route, so browsers read it with `fetch`, not `EventSource`.
 */
export function liveRoutes(deps: {
  feed: AlertFeed;
  auth: AuthRepository;
  maxStreams: number;
  streams: { inc(): void; dec(): void };
  /** The security headers every answer carries (the stream is written past fastify's hooks). */
  headers: ReadonlyArray<readonly [string, string]>;
}): RouteDefinition[] {
  const { feed, auth, maxStreams, streams, headers } = deps;
  let open = 0;
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/alerts/live',
        operationId: 'streamAlerts',
        summary: 'Follow alert changes as they happen (Server-Sent Events)',
        description: `A \`text/event-stream\`: \`event: alert\` with an AlertNotice as \`data\` for every alert raised, updated by new events or triaged; a comment line every ${KEEPALIVE_MS / 1000} s. It ends when the session or key stops being valid. At most ${maxStreams} streams per API process (503 above).`,
        tags: ['alerts'],
        access: READERS,
        responses: { 200: { description: 'The stream.', schema: alertNoticeSchema, contentType: 'text/event-stream' } },
        errors: { 503: 'Too many live streams open on this API process.' },
      },
      async ({ request, reply }) => {
        if (open >= maxStreams) throw apiErrors.create('VIGIL_ERR_API_LIVE_STREAMS_FULL', { maxStreams });
        const bearer = bearerOf(request.headers.authorization)!;
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          ...Object.fromEntries(headers),
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-store',
          Connection: 'keep-alive',
          'X-Accel-Buffering': 'no',
        });
        raw.write(': connected\n\n');
        open++;
        streams.inc();
        const unsubscribe = feed.subscribe((notice) => raw.write(`event: alert\ndata: ${JSON.stringify(notice)}\n\n`));
        const keepalive = setInterval(() => {
          void auth.authenticate(bearer).then(
            (principal) => (principal && READERS.includes(principal.role) ? raw.write(': keep-alive\n\n') : raw.end()),
            () => raw.end(),
          );
        }, KEEPALIVE_MS);
        const close = () => {
          clearInterval(keepalive);
          unsubscribe();
          open--;
          streams.dec();
        };
        raw.once('close', close);
        return undefined;
      },
    ),
  ];
}
