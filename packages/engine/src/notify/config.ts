import { ALERT_SEVERITIES } from '@vigil/schema';
import { z } from 'zod';

/** What happened to an alert when the engine hands it to the notifier. */
export const ALERT_CHANGES = ['created', 'escalated', 'updated'] as const;
export type AlertChange = (typeof ALERT_CHANGES)[number];

// Permissive on purpose (internal relays use names such as `siem@mailhub`), but never lets
// whitespace, angle brackets or CR/LF through into an SMTP command or a header.
const EMAIL_ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const emailAddress = () => z.string().regex(EMAIL_ADDRESS, 'must be a plain address such as alerts@example.com');
const httpUrl = () =>
  z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    // fetch refuses URLs with user:password@, which would fail every delivery after start-up.
    .refine((url) => !/^https?:\/\/[^/?#]*@/i.test(url), 'must not contain credentials; put them in a header (webhook `headers`)');
const RESERVED_HEADERS = /^(x-vigil-.*|content-type|content-length|host|transfer-encoding|connection)$/i;

const retrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(20).default(5).describe('Attempts per notification, the first included; after the last one it counts as failed.'),
    initialDelayMs: z.number().int().min(1).default(1_000).describe('Ceiling of the random wait before the first retry; it doubles for each further retry (exponential backoff with full jitter).'),
    maxDelayMs: z.number().int().min(1).default(60_000).describe("Longest wait between two attempts. A receiver's `Retry-After` is honoured up to this long."),
  })
  .strict();

const channelFields = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash and underscore, at most 64')
    .describe('Name of the channel in delivery records, logs and metrics, e.g. `soc-slack`. Unique.'),
  on: z
    .array(z.enum(ALERT_CHANGES))
    .min(1)
    .default(['created', 'escalated'])
    .describe(
      'Which alert changes notify: `created` (a new alert), `escalated` (an existing alert whose severity rose) and `updated` (an existing alert that deduplicated more events). The default leaves out `updated`, so an ongoing attack notifies once rather than once per batch of events.',
    ),
  minSeverity: z.enum(ALERT_SEVERITIES).default('high').describe('Lowest alert severity that notifies on this channel.'),
  rules: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('Allow-list of rules, by rule id or rule title; when set only alerts of these rules notify. Omit for every rule.'),
  maxPerMinute: z
    .number()
    .int()
    .min(1)
    .max(6_000)
    .default(30)
    .describe(
      'Rate limit (token bucket, bursts up to this many). Alerts over the limit are not sent; they are counted, and one summary notification ("N alerts not sent because of the rate limit") follows as soon as the limit allows.',
    ),
  maxQueued: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1_000)
    .describe('Most notifications waiting for delivery on this channel; when full the oldest is dropped (counted), so a dead receiver never holds memory or slows detection.'),
  retry: retrySchema.prefault({}).describe('Retries of a failed delivery: network errors, timeouts, HTTP 408/429/5xx and SMTP 4xx replies. Other failures are permanent.'),
  timeoutMs: z
    .number()
    .int()
    .min(10)
    .max(300_000)
    .default(10_000)
    .describe('Time limit of one delivery attempt over HTTP, and of each step (connect, every command and its reply) over SMTP.'),
};

/** A generic HTTP receiver: JSON body, signed with HMAC-SHA256. */
export const webhookChannelSchema = z
  .object({
    kind: z.literal('webhook').describe('POST the alert as JSON to `url`, signed with `secret`.'),
    ...channelFields,
    url: httpUrl().describe('Receiver URL (http or https). Redirects are not followed.'),
    secret: z
      .string()
      .min(16)
      .describe(
        'Shared secret for the `X-Vigil-Signature` header: `sha256=` and the hex HMAC-SHA256 of `<X-Vigil-Timestamp>.<raw body>`. At least 16 characters, e.g. `openssl rand -hex 32`.',
      ),
    headers: z
      .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name'), z.string().regex(/^[^\r\n]*$/, 'must not contain line breaks'))
      .refine((headers) => Object.keys(headers).every((name) => !RESERVED_HEADERS.test(name)), 'X-Vigil-*, Content-Type, Content-Length, Host and hop-by-hop headers are set by Vigil')
      .default({})
      .describe('Extra request headers, e.g. `{"Authorization": "Bearer …"}`.'),
  })
  .strict();

/** A Slack incoming webhook (or a compatible receiver such as Mattermost). */
export const slackChannelSchema = z
  .object({
    kind: z.literal('slack').describe('POST a Slack incoming-webhook message (`text` and `blocks`) to `url`.'),
    ...channelFields,
    url: httpUrl().describe('Incoming-webhook URL, e.g. `https://hooks.slack.com/services/…`. Treat it as a secret.'),
  })
  .strict();

/** An SMTP relay; one plain-text mail per notification to every address in `to`. */
export const emailChannelSchema = z
  .object({
    kind: z.literal('email').describe('Send a plain-text mail through an SMTP server.'),
    ...channelFields,
    host: z.string().min(1).describe('SMTP server host name or IP address.'),
    port: z.number().int().min(1).max(65_535).default(587).describe('SMTP server port: usually 587 (submission, STARTTLS) or 465 (`secure`).'),
    secure: z.boolean().default(false).describe('Implicit TLS from the first byte (port 465). When true, `startTls` does not apply.'),
    startTls: z
      .enum(['required', 'opportunistic', 'never'])
      .default('required')
      .describe(
        'STARTTLS when not `secure`: `required` fails (permanently) when the server does not offer it; `opportunistic` uses it when offered; `never` stays in clear text. Credentials are sent over a clear-text connection only with `never`.',
      ),
    username: z.string().min(1).optional().describe('SMTP AUTH user (PLAIN, else LOGIN, whichever the server offers). Omit to send without authenticating.'),
    password: z.string().optional().describe('SMTP AUTH password; required with `username`.'),
    from: emailAddress().describe('Envelope sender and `From:` address.'),
    to: z.array(emailAddress()).min(1).max(100).describe('Recipients; each gets the same mail.'),
    rejectUnauthorized: z.boolean().default(true).describe("Verify the server's TLS certificate and host name. Turn off only for a test relay."),
    ca: z.string().min(1).optional().describe("Path of a PEM file of CA certificates to trust for the server's certificate (e.g. an internal CA), in addition to the system's."),
  })
  .strict()
  .refine((channel) => (channel.username === undefined) === (channel.password === undefined), { message: 'username and password go together', path: ['password'] });

/** One notification channel, by `kind`. */
export const channelSchema = z.discriminatedUnion('kind', [webhookChannelSchema, slackChannelSchema, emailChannelSchema]);

/** Alert notifications: where alerts are sent, which ones, and how hard Vigil tries. */
export const notifyConfigSchema = z
  .object({
    channels: z
      .array(channelSchema)
      .default([])
      .refine((channels) => new Set(channels.map((channel) => channel.name)).size === channels.length, 'channel names must be unique')
      .describe('Notification channels. Each has its own queue, rate limit and retries, so a slow or failing receiver never delays detection or the other channels.'),
    dashboardUrl: httpUrl()
      .optional()
      .describe('Dashboard address as analysts reach it, e.g. `https://vigil.example.com/`; Slack messages and mails then link to `<dashboardUrl>#/alerts/<alert id>`.'),
    stopTimeoutMs: z
      .number()
      .int()
      .min(0)
      .max(120_000)
      .default(5_000)
      .describe('On shutdown, how long queued and in-flight notifications may still be delivered; what is left after that is counted as dropped.'),
  })
  .strict();

/** Parsed notification settings. */
export type NotifyConfig = z.output<typeof notifyConfigSchema>;
/** Notification settings as written (defaults optional). */
export type NotifyConfigInput = z.input<typeof notifyConfigSchema>;
/** One parsed channel. */
export type ChannelConfig = z.output<typeof channelSchema>;
export type WebhookChannelConfig = z.output<typeof webhookChannelSchema>;
export type SlackChannelConfig = z.output<typeof slackChannelSchema>;
export type EmailChannelConfig = z.output<typeof emailChannelSchema>;
