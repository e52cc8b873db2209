import { isIP } from 'node:net';
import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from './parser.ts';

type Outcome = 'failure' | 'success' | 'unknown';

// Precompiled once; each message tries them in order of how common they are on an exposed host.
const FAILED = /^Failed (\S+) for (invalid user )?(.*?) from (\S+) port (\d{1,5})(?: ssh\d)?$/;
const ACCEPTED = /^Accepted (\S+) for (.*?) from (\S+) port (\d{1,5})(?: ssh\d)?(?:: (\S+) (\S+)(?: .*)?)?$/;
const INVALID_USER = /^Invalid user (.*?) from (\S+)(?: port (\d{1,5}))?$/;
const CONNECTION_CLOSED = /^Connection closed by (?:(authenticating|invalid) user (.*?) )?(\S+) port (\d{1,5})(?: \[preauth\])?$/;
const DISCONNECTED = /^Disconnected from (?:(invalid|authenticating) user (.*?) |user (.*?) )?(\S+) port (\d{1,5})(?: \[preauth\])?$/;
const REVERSE_MAPPING = /^reverse mapping checking getaddrinfo for (\S+) \[(\S+)\] failed(?: - POSSIBLE BREAK-IN ATTEMPT!)?$/;
const PAM_AUTH_FAILURE = /^pam_unix\(sshd:auth\): authentication failure; (.*)$/;
const PAM_FIELD = /(\w+)=(\S*)/g;
const PROBE = /^(?:Failed|Accepted) \S+ for .* port \d|^pam_unix\(sshd:|^reverse mapping checking getaddrinfo/;

interface AuthFields {
  action: string;
  type: 'start' | 'end' | 'info';
  outcome: Outcome;
  address?: string;
  port?: string;
  user?: string;
  reason?: string;
  labels?: Record<string, string>;
  domain?: string;
}

/**
 * OpenSSH authentication messages (sshd, and sshd-session since OpenSSH 9.8) to ECS:
 * logins (`ssh_login`), unknown users (`ssh_invalid_user`), disconnects (`ssh_disconnect`),
 * failed reverse lookups (`ssh_reverse_mapping_failed`) and PAM failures (`ssh_pam_auth_failure`).
 */
export const sshdParser: MessageParser = {
  name: 'sshd',
  programs: ['sshd', 'sshd-session', 'sshd-auth'],
  probe: (message) => PROBE.test(message),
  parse(message) {
    const fields = match(message);
    return fields ? toEcs(fields) : null;
  },
};

function match(message: string): AuthFields | null {
  let m = FAILED.exec(message);
  if (m) {
    return {
      action: 'ssh_login',
      type: 'start',
      outcome: 'failure',
      user: m[3],
      address: m[4],
      port: m[5],
      labels: { ssh_method: m[1]! },
      ...(m[2] && { reason: 'invalid user' }),
    };
  }
  m = ACCEPTED.exec(message);
  if (m) {
    const labels: Record<string, string> = { ssh_method: m[1]! };
    if (m[5] && m[6]) {
      labels.ssh_key_type = m[5];
      labels.ssh_key_fingerprint = m[6];
    }
    return { action: 'ssh_login', type: 'start', outcome: 'success', user: m[2], address: m[3], port: m[4], labels };
  }
  m = INVALID_USER.exec(message);
  if (m) return { action: 'ssh_invalid_user', type: 'info', outcome: 'failure', user: m[1], address: m[2], port: m[3], reason: 'invalid user' };
  m = CONNECTION_CLOSED.exec(message);
  if (m) return disconnect(m[1], m[2], m[3]!, m[4]!, message.endsWith('[preauth]'));
  m = DISCONNECTED.exec(message);
  if (m) return disconnect(m[1], m[2] ?? m[3], m[4]!, m[5]!, message.endsWith('[preauth]'));
  m = REVERSE_MAPPING.exec(message);
  if (m) {
    return { action: 'ssh_reverse_mapping_failed', type: 'info', outcome: 'failure', address: m[2], domain: m[1], reason: 'reverse mapping check failed' };
  }
  m = PAM_AUTH_FAILURE.exec(message);
  if (m) {
    const pam: Record<string, string> = {};
    for (const [, key, value] of m[1]!.matchAll(PAM_FIELD)) if (key === 'rhost' || key === 'user' || key === 'tty') pam[key] = value!;
    return { action: 'ssh_pam_auth_failure', type: 'info', outcome: 'failure', address: pam.rhost, user: pam.user };
  }
  return null;
}

function disconnect(state: string | undefined, user: string | undefined, address: string, port: string, preauth: boolean): AuthFields {
  const fields: AuthFields = { action: 'ssh_disconnect', type: 'end', outcome: 'unknown', user, address, port };
  if (state === 'invalid') fields.reason = 'invalid user';
  else if (preauth) fields.reason = 'closed before authentication';
  return fields;
}

function toEcs(fields: AuthFields): EcsEvent {
  const event: EcsEvent = {
    event: {
      kind: 'event',
      category: ['authentication'],
      type: [fields.type],
      action: fields.action,
      outcome: fields.outcome,
      dataset: 'sshd.auth',
      module: 'sshd',
      ...(fields.reason && { reason: fields.reason }),
    },
  };
  const source: NonNullable<EcsEvent['source']> = {};
  const related: NonNullable<EcsEvent['related']> = {};
  if (fields.address) {
    source.address = fields.address;
    if (isIP(fields.address) !== 0) {
      source.ip = fields.address;
      related.ip = [fields.address];
    } else {
      source.domain = fields.address;
    }
  }
  if (fields.domain) {
    source.domain = fields.domain;
    related.hosts = [fields.domain];
  }
  if (fields.port) source.port = Number(fields.port);
  if (Object.keys(source).length > 0) event.source = source;
  if (fields.user) {
    event.user = { name: fields.user };
    related.user = [fields.user];
  }
  if (Object.keys(related).length > 0) event.related = related;
  if (fields.labels) event.labels = fields.labels;
  return event;
}
