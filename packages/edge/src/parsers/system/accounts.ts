import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { matchGroupMessage } from './account-groups.ts';
import { accountEvent, matchUserMessage } from './account-users.ts';
import { parsePamUnix } from './pam.ts';
import { AUTH_DATASET, categorized, relateUsers, setReason, trimLineEnd, unquote } from './shared.ts';

const CHANGED_BY = /^password for (['`][^']+'|\S+) changed by (['`][^']+'|\S+)$/;
const EXPIRY = /^changed password expiry for (\S+)$/;
const REFUSED = /^(password locked for|now < minimum age for|incorrect password for) (['`][^']+'|\S+)$/;

const PASSWORD_CHANGED = { action: 'password_changed', category: ['iam'], type: ['user', 'change'], outcome: 'success' } as const;
const EXPIRY_CHANGED = { action: 'password_expiry_changed', category: ['iam'], type: ['user', 'change'], outcome: 'success' } as const;
const CHANGE_REFUSED = { action: 'password_changed', category: ['iam'], type: ['user', 'change'], outcome: 'failure' } as const;
const WRONG_PASSWORD = { action: 'passwd_auth', category: ['authentication'], type: ['start'], outcome: 'failure' } as const;

/**
 * Account management (shadow-utils: useradd, userdel, usermod, groupadd, groupdel, groupmod,
 * gpasswd, passwd, chpasswd, chage, chfn, chsh) to ECS IAM events: `event.category: iam`,
 * `event.type: [user|group, creation|deletion|change]`, the account changed in `user.target.*`,
 * the group in `group.*`, who made the change (when logged) in `user.name`.
 */
export const accountsParser: MessageParser = {
  name: 'accounts',
  programs: ['useradd', 'userdel', 'usermod', 'groupadd', 'groupdel', 'groupmod', 'gpasswd', 'passwd', 'chpasswd', 'chage', 'chfn', 'chsh', 'newusers'],
  probe: () => false,
  parse(message) {
    const text = trimLineEnd(message);
    if (text.startsWith('pam_')) return parsePamUnix(text);
    return matchUserMessage(text) ?? matchGroupMessage(text) ?? matchPasswordMessage(text);
  },
};

function matchPasswordMessage(text: string): EcsEvent | null {
  let m = CHANGED_BY.exec(text);
  if (m) {
    const event = accountEvent(PASSWORD_CHANGED, unquote(m[1]!));
    const actor = unquote(m[2]!);
    event.user!.name = actor;
    relateUsers(event, actor);
    return event;
  }
  m = EXPIRY.exec(text);
  if (m) return accountEvent(EXPIRY_CHANGED, m[1]!);
  m = REFUSED.exec(text);
  if (m) {
    const name = unquote(m[2]!);
    const reason = m[1]!;
    if (reason.startsWith('incorrect')) {
      const event = categorized(WRONG_PASSWORD, AUTH_DATASET);
      event.user = { name };
      relateUsers(event, name);
      setReason(event, 'incorrect password');
      return event;
    }
    const event = accountEvent(CHANGE_REFUSED, name);
    setReason(event, reason.startsWith('now') ? 'minimum password age not reached' : 'password locked');
    return event;
  }
  return null;
}
