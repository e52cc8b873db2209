import type { SlackChannelConfig } from './config.ts';
import { alertFacts, alertLink, headline, oneLine, suppressedText } from './alert-text.ts';
import { postJson } from './http-post.ts';
import type { Channel, DeliveryReceipt, Notification } from './types.ts';

/** A Slack Block Kit block, as far as this channel uses them. */
export type SlackBlock = Readonly<Record<string, unknown>>;

/** The body of a Slack incoming-webhook request. */
export interface SlackMessage {
  /** Fallback text for notifications and clients without blocks. */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

// Slack's limits: header 150 characters, section text 3000, a field 2000, ten fields.
const HEADER_MAX = 150;
const TEXT_MAX = 3000;
const FIELD_MAX = 2000;
const FACTS_SHOWN = new Set(['Severity', 'Rule', 'Group', 'Events', 'First seen', 'Last seen', 'ATT&CK']);

/**
 * The Slack message for a notification: `text` (the fallback Slack shows in notifications)
 * and `blocks`: a header, the alert message, fields (severity, rule, group, count, first and
 * last seen, ATT&CK), a button to the dashboard when `dashboardUrl` is set, and the alert id.
 * Alert text can come from the watched systems, so mrkdwn control characters are escaped:
 * an event cannot turn into a link or an `@channel` mention.
 */
export function slackMessage(notification: Notification, dashboardUrl?: string): SlackMessage {
  if (notification.kind === 'suppressed') {
    const text = suppressedText(notification.suppressed);
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text) } }] };
  }
  const { alert, event } = notification;
  const severity = alert.vigil.alert.severity.toUpperCase();
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: oneLine(`${headline(event)}: [${severity}] ${alert.rule.name}`, HEADER_MAX) } },
    { type: 'section', text: { type: 'mrkdwn', text: escapedClip(alert.message, TEXT_MAX) } },
    {
      type: 'section',
      fields: alertFacts(alert)
        .filter(([label]) => FACTS_SHOWN.has(label))
        .map(([label, value]) => ({ type: 'mrkdwn', text: `*${escapeMrkdwn(label)}*\n${escapedClip(value, FIELD_MAX - 40)}` })),
    },
  ];
  const link = alertLink(dashboardUrl, alert.id);
  if (link) blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Vigil' }, url: link }] });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(`Alert ${alert.id} · ${alert.vigil.alert.status}`) }] });
  const text = escapeMrkdwn(oneLine(`${headline(event)}: [${severity}] ${alert.rule.name}: ${alert.message}`, TEXT_MAX));
  return { text, blocks };
}

/** Escapes the three characters Slack gives meaning to in mrkdwn (`&`, `<`, `>`). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped, then cut to `max` characters without leaving half an entity or surrogate pair at the end. */
function escapedClip(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  return `${escaped.slice(0, max - 1).replace(/&[a-z]*$|[\uD800-\uDBFF]$/, '')}…`;
}

/**
 * Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat). Delivered on 2xx;
 * 408, 429 (Slack's rate limit, with `Retry-After`), 5xx and network errors are retried;
 * other answers (Slack's 400 `invalid_payload`, 403, 404 `no_service`) are permanent.
 */
export class SlackChannel implements Channel {
  readonly name: string;
  readonly #config: SlackChannelConfig;
  readonly #dashboardUrl: string | undefined;

  constructor(config: SlackChannelConfig, dashboardUrl?: string) {
    this.name = config.name;
    this.#config = config;
    this.#dashboardUrl = dashboardUrl;
  }

  send(notification: Notification, signal: AbortSignal): Promise<DeliveryReceipt> {
    return postJson({
      url: this.#config.url,
      body: JSON.stringify(slackMessage(notification, this.#dashboardUrl)),
      headers: { 'user-agent': 'Vigil-Notifier/1' },
      timeoutMs: this.#config.timeoutMs,
      signal,
    });
  }
}
