import type { Metrics } from '@vigil/runtime';
import { validateEvent, type EcsEvent } from '@vigil/schema';
import { normalizeSyslog } from '../normalize.ts';
import type { EdgeInput } from '../metrics.ts';
import { ParserRegistry } from '../parsers/registry.ts';
import { sshdParser } from '../parsers/sshd.ts';
import type { ProcessingSource } from './config.ts';

/**
 * Test support for the processing stage (not exported from the package): real-looking syslog
 * lines turned into events by the edge's own normalizer, and counter readings.
 */

export const RECEIVED = '2025-03-14T12:00:01.250Z';

// Only the sshd parser, so these tests do not move when other program parsers change.
const parsers = new ParserRegistry([sshdParser]);

export const LINES = {
  failedPassword: '<38>Mar 14 12:00:01 bastion-01 sshd[4211]: Failed password for invalid user alice from 203.0.113.7 port 51122 ssh2',
  failedPasswordRepeated: '<38>Mar 14 12:00:09 bastion-01 sshd[4211]: message repeated 3 times: [ Failed password for invalid user alice from 203.0.113.7 port 51122 ssh2]',
  acceptedKey: '<86>Mar 14 12:00:02 bastion-01 sshd[4212]: Accepted publickey for deploy from 198.51.100.23 port 40022 ssh2: ED25519 SHA256:3n2QjLbFqA0uU9y1kZtq8wXx',
  failedPasswordV6: '<38>1 2025-03-14T12:00:01.250Z bastion-01 sshd 4211 - - Failed password for root from 2001:db8::7 port 51122 ssh2',
  debug: '<15>Mar 14 12:00:03 web-02 systemd[1]: Started Session 42 of user deploy.',
  cron: '<78>Mar 14 12:00:04 web-02 CRON[9911]: (root) CMD (/usr/local/bin/backup.sh)',
  firewall: '<165>1 2025-03-14T12:00:05.003Z fw-01 kernel - - - DROP IN=eth0 SRC=10.20.0.5 DST=192.0.2.10',
} as const;

/** The event the edge makes of `line`, received at `receivedAt` on `input`. */
export function syslogEvent(line: string, input: ProcessingSource = 'syslog_udp', receivedAt = RECEIVED): EcsEvent {
  return normalizeSyslog(line, receivedAt, input as EdgeInput, parsers, Date.parse(receivedAt)).event;
}

/** The problems `validateEvent` finds in an event (an empty list when it is valid). */
export function problems(event: EcsEvent): unknown[] {
  const result = validateEvent(event);
  return result.ok ? [] : result.problems;
}

/** A counter's value for the given labels (0 when it was never incremented). */
export async function counterValue(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const wanted = Object.entries(labels);
  const match = values.find((value) => wanted.every(([key, expected]) => value.labels[key] === expected));
  return match?.value ?? 0;
}
