import { isIP } from 'node:net';
import type { EcsEvent } from '@vigil/schema';

/** ECS `event.outcome`. */
export type Outcome = 'success' | 'failure' | 'unknown';

/** The ECS categorization of one kind of message. */
export interface Categorization {
  action: string;
  category: readonly string[];
  type: readonly string[];
  outcome?: Outcome;
}

/** `event.dataset`/`event.module` of the system parsers. */
export const AUTH_DATASET = 'system.auth';

/**
 * Starts an event with its ECS categorization. `category`/`type` arrays are copied so a
 * shared constant never ends up inside (and mutable through) an emitted event.
 */
export function categorized(what: Categorization, dataset: string, module = 'system'): EcsEvent {
  const event: NonNullable<EcsEvent['event']> = {
    kind: 'event',
    category: what.category.slice(),
    type: what.type.slice(),
    action: what.action,
    dataset,
    module,
  };
  if (what.outcome) event.outcome = what.outcome;
  return { event };
}

/** Adds names to `related.user`, once each, skipping empty ones. */
export function relateUsers(event: EcsEvent, ...names: (string | undefined)[]): void {
  for (const name of names) {
    if (!name) continue;
    const related = (event.related ??= {});
    const users = (related.user ??= []);
    if (!users.includes(name)) users.push(name);
  }
}

/** Adds an address to `related.ip`, once. */
export function relateIp(event: EcsEvent, ip: string): void {
  const related = (event.related ??= {});
  const ips = (related.ip ??= []);
  if (!ips.includes(ip)) ips.push(ip);
}

/**
 * Fills `source.address` and either `source.ip` (and `related.ip`) or `source.domain` from a
 * remote host as logged (`rhost=`, `addr=`, `hostname=`). Placeholders (`?`, empty) are skipped.
 */
export function setSourceHost(event: EcsEvent, host: string | undefined): void {
  if (!host || host === '?' || host === '(none)') return;
  const source = (event.source ??= {});
  source.address = host;
  if (isIP(host) !== 0) {
    source.ip = host;
    relateIp(event, host);
  } else {
    source.domain = host;
  }
}

/** Sets `event.reason`. */
export function setReason(event: EcsEvent, reason: string): void {
  event.event!.reason = reason;
}

/** Sets one `labels.<key>` (keys are ours, never from input). */
export function setLabel(event: EcsEvent, key: string, value: string): void {
  (event.labels ??= {})[key] = value;
}

const SPACES = / +/;

/**
 * A command line as programs like sudo log it (arguments joined by single spaces, no quoting)
 * split back into `process.command_line`, `process.args`, `process.executable` and `process.name`.
 */
export function setCommand(event: EcsEvent, commandLine: string): void {
  const trimmed = commandLine.trim();
  if (trimmed === '') return;
  const args = trimmed.split(SPACES);
  const process = (event.process ??= {});
  process.command_line = trimmed;
  process.args = args;
  process.args_count = args.length;
  const executable = args[0]!;
  if (executable.charCodeAt(0) === 0x2f) {
    process.executable = executable;
    process.name = executable.slice(executable.lastIndexOf('/') + 1);
  } else {
    process.name = executable;
  }
}

/** `'name'` or `` `name' `` (older shadow-utils quoting) → `name`; anything else unchanged. */
export function unquote(value: string): string {
  const first = value.charCodeAt(0);
  if ((first === 0x27 || first === 0x60) && value.length >= 2 && value.charCodeAt(value.length - 1) === 0x27) return value.slice(1, -1);
  return value;
}

/** Strips a trailing line feed or rsyslog's escaped form of it (`#012`). */
export function trimLineEnd(message: string): string {
  let end = message.length;
  while (end > 0) {
    if (message.charCodeAt(end - 1) === 0x0a || message.charCodeAt(end - 1) === 0x20) end--;
    else if (end >= 4 && message.startsWith('#012', end - 4)) end -= 4;
    else break;
  }
  return end === message.length ? message : message.slice(0, end);
}
