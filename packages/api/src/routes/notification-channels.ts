import { z } from 'zod';
import { createChannel, type NotifyConfig } from '@vigil/engine';
import { ALERT_SEVERITIES, SEVERITY_SCORE, type Alert } from '@vigil/schema';
import { describeError } from '@vigil/runtime';
import { ADMINS, actorName } from '../auth/roles.ts';
import { apiErrors } from '../errors.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';

/** How long a test delivery may take. */
const TEST_TIMEOUT_MS = 15_000;

export const notificationChannelSchema = z
  .object({
    name: z.string(),
    kind: z.enum(['webhook', 'slack', 'email']),
    target: z.string().describe('Where it delivers: the receiver\'s origin for webhook and Slack (the path, which may hold a token, is left out), `smtp-host:port → recipients` for email.'),
    on: z.array(z.string()).describe('Alert changes that notify.'),
    minSeverity: z.enum(ALERT_SEVERITIES),
    rules: z.array(z.string()).nullable().describe('Only these rules notify; null for every rule.'),
    maxPerMinute: z.number().int(),
  })
  .strict()
  .meta({ id: 'NotificationChannel', description: 'A configured notification channel, without its secrets.' });

export const channelNameParamsSchema = z.object({ name: z.string().min(1).max(64).describe('Channel name.') }).strict();

/** The notification channels the engines deliver to (from `engine.notify`), for admins: listed without secrets, and tested. */
export function notificationChannelRoutes(deps: { notify: NotifyConfig | undefined }): RouteDefinition[] {
  const channels = deps.notify?.channels ?? [];
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/notification-channels',
        operationId: 'listNotificationChannels',
        summary: 'The configured notification channels (secrets left out)',
        description: 'As configured in `engine.notify.channels` of this process\'s configuration, which the engines share.',
        tags: ['notifications'],
        access: ADMINS,
        responses: { 200: { description: 'By name, as configured.', schema: z.object({ channels: z.array(notificationChannelSchema) }).strict() } },
      },
      async () => ({
        channels: channels.map((channel) => ({
          name: channel.name,
          kind: channel.kind,
          target: channel.kind === 'email' ? `${channel.host}:${channel.port} → ${channel.to.join(', ')}` : new URL(channel.url).origin,
          on: [...channel.on],
          minSeverity: channel.minSeverity,
          rules: channel.rules ? [...channel.rules] : null,
          maxPerMinute: channel.maxPerMinute,
        })),
      }),
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/notification-channels/:name/test',
        operationId: 'testNotificationChannel',
        summary: 'Send a test notification on a channel',
        description: 'Delivers one made-up alert ("Vigil test notification") now, once, without retries or rate limit, and answers with how it went: a receiver that refuses is a 502 with its reason.',
        tags: ['notifications'],
        access: ADMINS,
        params: channelNameParamsSchema,
        responses: { 200: { description: 'Delivered.', schema: z.object({ delivered: z.literal(true), detail: z.string().nullable() }).strict() } },
        errors: { 404: 'No channel has this name.', 502: 'The receiver refused the notification or could not be reached (`details.reason`).' },
      },
      async ({ params, principal }) => {
        const config = channels.find((channel) => channel.name === params.name);
        if (!config) throw apiErrors.create('VIGIL_ERR_API_CHANNEL_NOT_FOUND', { name: params.name });
        const channel = createChannel(config, deps.notify?.dashboardUrl);
        const alert = testAlert(actorName(principal));
        try {
          const receipt = await channel.send({ kind: 'alert', deliveryId: `test-${alert.id}`, event: 'created', alert }, AbortSignal.timeout(TEST_TIMEOUT_MS));
          return { delivered: true as const, detail: receipt.detail ?? null };
        } catch (error) {
          throw apiErrors.create('VIGIL_ERR_API_CHANNEL_TEST_FAILED', { name: params.name, reason: describeError(error) });
        }
      },
    ),
  ];
}

/** A made-up alert that says what it is. */
function testAlert(requestedBy: string): Alert {
  const now = new Date().toISOString();
  const id = `vigil-test-${Date.now()}`;
  return {
    id,
    '@timestamp': now,
    message: `Vigil test notification, sent by ${requestedBy}: this channel works`,
    event: { kind: 'alert', severity: SEVERITY_SCORE.high, risk_score: SEVERITY_SCORE.high, created: now },
    rule: { id: 'vigil-test-notification', name: 'Vigil test notification', type: 'test', description: 'Sent from the dashboard to check a notification channel.' },
    vigil: {
      alert: {
        severity: 'high',
        status: 'open',
        assignee: null,
        dedup_key: id,
        group: {},
        count: 1,
        first_seen: now,
        last_seen: now,
        event_ids: [],
        comments: [],
        history: [],
      },
    },
  };
}
