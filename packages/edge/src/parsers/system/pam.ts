import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { AUTH_DATASET, categorized, relateUsers, setLabel, setReason, setSourceHost } from './shared.ts';

// `pam_unix(<service>:<management group>): <text>`; service names carry '-' and digits (`su-l`, `polkit-1`).
const PAM_UNIX = /^pam_unix\(([^:()\s]{1,64}):(auth|account|session|password|chauthtok|setcred)\): /;
const UID_SUFFIX = /\(uid=(\d{1,10})\)$/;
const BRACKETED = /\[(.*)\]$/;
const ACCOUNT_EXPIRED = /^account (.+) has expired \(([^)]*)\)$/;
const PASSWORD_EXPIRED = /^expired password for user (.+) \(([^)]*)\)$/;

const SESSION_OPENED = { action: 'pam_session_opened', category: ['session'], type: ['start'], outcome: 'success' } as const;
const SESSION_CLOSED = { action: 'pam_session_closed', category: ['session'], type: ['end'], outcome: 'success' } as const;
const AUTH_FAILURE = { action: 'pam_auth_failure', category: ['authentication'], type: ['info'], outcome: 'failure' } as const;
const USER_UNKNOWN = { action: 'pam_user_unknown', category: ['authentication'], type: ['info'], outcome: 'failure' } as const;
const PASSWORD_CHANGED = { action: 'password_changed', category: ['iam'], type: ['user', 'change'], outcome: 'success' } as const;
const ACCOUNT_REFUSED = { action: 'pam_account_expired', category: ['authentication'], type: ['info'], outcome: 'failure' } as const;

/**
 * A `pam_unix(service:group): ...` line from any program to ECS, or null when it is not one.
 * Sessions: `user.name`/`user.id` are the session's user; who opened it (`by alice(uid=1000)`)
 * goes to `labels.pam_origin_user`/`labels.pam_origin_uid` and `related.user`.
 */
export function parsePamUnix(message: string): EcsEvent | null {
  const head = PAM_UNIX.exec(message);
  if (!head) return null;
  const service = head[1]!;
  const text = message.slice(head[0].length);
  let event: EcsEvent | null;
  if (text.startsWith('session opened for user ')) event = sessionOpened(text.slice(24));
  else if (text.startsWith('session closed for user ')) event = withUser(categorized(SESSION_CLOSED, AUTH_DATASET), text.slice(24).trim());
  else if (text.startsWith('authentication failure;')) event = authFailure(text.slice(23));
  else if (text.startsWith('password changed for ')) event = passwordChanged(text.slice(21).trim());
  else if (text.startsWith('check pass; user unknown')) event = categorized(USER_UNKNOWN, AUTH_DATASET);
  else event = refusal(text);
  if (!event) return null;
  setLabel(event, 'pam_module', 'pam_unix');
  setLabel(event, 'pam_service', service);
  return event;
}

/** `pam_unix` lines chosen by content, for programs without a parser of their own (`login`, `polkitd`, `gdm-password`). */
export const pamUnixParser: MessageParser = {
  name: 'pam_unix',
  programs: [],
  probe: (message) => message.startsWith('pam_unix('),
  parse: parsePamUnix,
};

function sessionOpened(rest: string): EcsEvent | null {
  const by = rest.lastIndexOf(' by ');
  const forUser = splitUid(by < 0 ? rest : rest.slice(0, by));
  if (!forUser.name && !forUser.uid) return null;
  const event = categorized(SESSION_OPENED, AUTH_DATASET);
  const user: NonNullable<EcsEvent['user']> = {};
  if (forUser.name) user.name = forUser.name;
  if (forUser.uid) user.id = forUser.uid;
  event.user = user;
  relateUsers(event, forUser.name);
  if (by >= 0) {
    const origin = splitUid(rest.slice(by + 4));
    if (origin.name) setLabel(event, 'pam_origin_user', origin.name);
    if (origin.uid) setLabel(event, 'pam_origin_uid', origin.uid);
    relateUsers(event, origin.name);
  }
  return event;
}

/** `root(uid=0)` → name and uid; `(uid=0)` → uid only; `alice` → name only. */
function splitUid(text: string): { name: string; uid?: string } {
  const trimmed = text.trim();
  const uid = UID_SUFFIX.exec(trimmed);
  if (!uid) return { name: trimmed };
  return { name: trimmed.slice(0, uid.index), uid: uid[1] };
}

function withUser(event: EcsEvent, name: string): EcsEvent | null {
  if (!name) return null;
  event.user = { name };
  relateUsers(event, name);
  return event;
}

// `logname= uid=0 euid=0 tty=/dev/tty1 ruser= rhost=  user=bob`; values never hold spaces.
function authFailure(fields: string): EcsEvent {
  const event = categorized(AUTH_FAILURE, AUTH_DATASET);
  let user: string | undefined;
  let rhost: string | undefined;
  for (const token of fields.split(' ')) {
    const eq = token.indexOf('=');
    if (eq <= 0 || eq === token.length - 1) continue;
    const value = token.slice(eq + 1);
    switch (token.slice(0, eq)) {
      case 'user':
        user = value;
        break;
      case 'rhost':
        rhost = value;
        break;
      case 'ruser':
        setLabel(event, 'pam_ruser', value);
        relateUsers(event, value);
        break;
      case 'logname':
        setLabel(event, 'pam_logname', value);
        break;
      case 'tty':
        setLabel(event, 'tty', value);
        break;
      case 'uid':
        setLabel(event, 'pam_uid', value);
        break;
    }
  }
  if (user) {
    event.user = { name: user };
    relateUsers(event, user);
  }
  setSourceHost(event, rhost);
  setReason(event, 'authentication failure');
  return event;
}

function passwordChanged(name: string): EcsEvent | null {
  if (!name) return null;
  const event = categorized(PASSWORD_CHANGED, AUTH_DATASET);
  event.user = { target: { name } };
  relateUsers(event, name);
  return event;
}

function refusal(text: string): EcsEvent | null {
  let m = ACCOUNT_EXPIRED.exec(text) ?? PASSWORD_EXPIRED.exec(text);
  if (m) {
    const event = withUser(categorized(ACCOUNT_REFUSED, AUTH_DATASET), m[1]!)!;
    if (text.startsWith('expired password')) event.event!.action = 'pam_password_expired';
    setReason(event, m[2]!);
    return event;
  }
  if (text.startsWith('auth could not identify password for ') || text.startsWith('bad username ')) {
    m = BRACKETED.exec(text);
    const event = categorized(text.startsWith('bad') ? USER_UNKNOWN : AUTH_FAILURE, AUTH_DATASET);
    setReason(event, text.startsWith('bad') ? 'bad username' : 'could not identify password');
    if (m?.[1]) withUser(event, m[1]);
    return event;
  }
  return null;
}
