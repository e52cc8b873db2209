import { readFileSync } from 'node:fs';
import { getCACertificates } from 'node:tls';
import { describeError } from '@vigil/runtime';
import { alertFacts, alertLink, alertSubject, headline, suppressedText } from './alert-text.ts';
import type { EmailChannelConfig } from './config.ts';
import { notifyErrors } from './errors.ts';
import { sendMail, type SmtpOptions } from './smtp-client.ts';
import { buildMessage, type MailContent } from './smtp-message.ts';
import type { Channel, DeliveryReceipt, Notification } from './types.ts';

/**
 * The mail for a notification: subject `[Vigil] HIGH: <rule title> (<group>)` and a
 * plain-text body with the alert message, its facts as aligned lines, and the dashboard link.
 * The Message-ID is made from the delivery id, so a mail sent again after a lost reply has
 * the same id and mail systems can drop the duplicate.
 */
export function alertMail(notification: Notification, channel: Pick<EmailChannelConfig, 'name' | 'from' | 'to'>, date: Date, dashboardUrl?: string): MailContent {
  const domain = channel.from.slice(channel.from.lastIndexOf('@') + 1);
  const common = { from: channel.from, to: channel.to, date, messageId: `${notification.deliveryId}@${domain}` };
  const footer = ['', '-- ', `Sent by Vigil, notification channel ${channel.name}, delivery ${notification.deliveryId}.`];
  if (notification.kind === 'suppressed') {
    const { count } = notification.suppressed;
    return {
      ...common,
      subject: `[Vigil] ${count} more alert${count === 1 ? '' : 's'} not sent (rate limit)`,
      text: [suppressedText(notification.suppressed), ...footer].join('\n'),
      headers: { 'X-Vigil-Event': 'suppressed' },
    };
  }
  const { alert, event } = notification;
  const facts = alertFacts(alert);
  const width = Math.max(...facts.map(([label]) => label.length)) + 1;
  const link = alertLink(dashboardUrl, alert.id);
  const text = [
    `${headline(event)}: [${alert.vigil.alert.severity.toUpperCase()}] ${alert.rule.name}`,
    '',
    alert.message,
    '',
    ...facts.map(([label, value]) => `${`${label}:`.padEnd(width + 1)}${value}`),
    ...(alert.rule.description ? ['', alert.rule.description] : []),
    ...(link ? ['', `Open in Vigil: ${link}`] : []),
    ...footer,
  ].join('\n');
  return { ...common, subject: alertSubject(alert, event), text, headers: { 'X-Vigil-Alert-Id': alert.id, 'X-Vigil-Event': event } };
}

/**
 * Email over SMTP with Vigil's own client (see `sendMail`): one plain-text mail per
 * notification to every address in `to`. The CA file is read when the channel is made, so
 * a wrong path stops start-up instead of failing every delivery.
 */
export class SmtpChannel implements Channel {
  readonly name: string;
  readonly #config: EmailChannelConfig;
  readonly #smtp: SmtpOptions;
  readonly #dashboardUrl: string | undefined;
  readonly #now: () => number;

  constructor(config: EmailChannelConfig, options: { dashboardUrl?: string; now?: () => number } = {}) {
    this.name = config.name;
    this.#config = config;
    this.#dashboardUrl = options.dashboardUrl;
    this.#now = options.now ?? Date.now;
    this.#smtp = {
      host: config.host,
      port: config.port,
      secure: config.secure,
      startTls: config.startTls,
      ...(config.username !== undefined ? { username: config.username, password: config.password ?? '' } : {}),
      rejectUnauthorized: config.rejectUnauthorized,
      // Node's `ca` option replaces the default trust list; the configured CA adds to it.
      ...(config.ca !== undefined ? { ca: [...getCACertificates('default'), readCa(config.name, config.ca)] } : {}),
      timeoutMs: config.timeoutMs,
    };
  }

  async send(notification: Notification, signal: AbortSignal): Promise<DeliveryReceipt> {
    const mail = alertMail(notification, this.#config, new Date(this.#now()), this.#dashboardUrl);
    const result = await sendMail(this.#smtp, { from: this.#config.from, to: this.#config.to }, buildMessage(mail), signal);
    if (result.rejected.length === 0) return { detail: result.reply };
    const refused = result.rejected.map(({ address, reply }) => `${address} (${reply})`).join(', ');
    return { detail: `${result.reply}; refused recipients: ${refused}` };
  }
}

function readCa(channel: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw notifyErrors.create('VIGIL_ERR_NOTIFY_CA_UNREADABLE', { channel, path, reason: describeError(error) });
  }
}
