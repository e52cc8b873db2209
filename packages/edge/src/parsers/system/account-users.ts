import type { EcsEvent } from '@vigil/schema';
import { AUTH_DATASET, categorized, relateUsers, setLabel, setReason, type Categorization } from './shared.ts';

// shadow-utils quotes names as 'name' (newer) or `name' (older); names never hold a quote.
const NEW_USER = /^new user: name=([^,]+), UID=(\d{1,10}), GID=(\d{1,10}), home=([^,]*), shell=([^,]*)(?:, from=(.*))?$/;
const DELETE_USER = /^delete user ['`]([^']+)'$/;
const ADD_TO_GROUP = /^add ['`]([^']+)' to (shadow )?group ['`]([^']+)'$/;
const DELETE_FROM_GROUP = /^delete ['`]([^']+)' from (shadow )?group ['`]([^']+)'$/;
const REMOVED_GROUP = /^removed (shadow )?group ['`]([^']+)' owned by ['`]([^']+)'$/;
const PASSWORD_STATE = /^(lock|unlock|change) user ['`]([^']+)' password$/;
const RENAME = /^change user name ['`]([^']+)' to ['`]([^']+)'$/;
const CHANGE = /^change user ['`]([^']+)' (UID|GID|home|shell|inactive|expiration) from ['`]([^']*)' to ['`]([^']*)'$/;
const MEMBER_RENAME = /^change (admin )?['`]([^']+)' to ['`]([^']+)' in (shadow )?group ['`]([^']+)'$/;
const FAILED_ADD = /^failed adding user ['`]([^']+)', (.+)$/;
const CHFN = /^changed user ['`]([^']+)' information$/;
const CHSH = /^changed user ['`]([^']+)' shell to ['`]([^']*)'$/;

const USER_CREATED = { action: 'user_created', category: ['iam'], type: ['user', 'creation'], outcome: 'success' } as const;
const USER_NOT_CREATED = { action: 'user_created', category: ['iam'], type: ['user', 'creation'], outcome: 'failure' } as const;
const USER_DELETED = { action: 'user_deleted', category: ['iam'], type: ['user', 'deletion'], outcome: 'success' } as const;
const USER_CHANGED = { action: 'user_changed', category: ['iam'], type: ['user', 'change'], outcome: 'success' } as const;
const USER_RENAMED = { action: 'user_renamed', category: ['iam'], type: ['user', 'change'], outcome: 'success' } as const;
const USER_LOCKED = { action: 'user_locked', category: ['iam'], type: ['user', 'change'], outcome: 'success' } as const;
const USER_UNLOCKED = { action: 'user_unlocked', category: ['iam'], type: ['user', 'change'], outcome: 'success' } as const;
const PASSWORD_CHANGED = { action: 'password_changed', category: ['iam'], type: ['user', 'change'], outcome: 'success' } as const;
const MEMBER_ADDED = { action: 'group_member_added', category: ['iam'], type: ['group', 'change'], outcome: 'success' } as const;
const MEMBER_REMOVED = { action: 'group_member_removed', category: ['iam'], type: ['group', 'change'], outcome: 'success' } as const;
const MEMBER_RENAMED = { action: 'group_member_renamed', category: ['iam'], type: ['group', 'change'], outcome: 'success' } as const;
const GROUP_DELETED = { action: 'group_deleted', category: ['iam'], type: ['group', 'deletion'], outcome: 'success' } as const;

/** An event about one account (`user.target.*`), the account in `related.user`. */
export function accountEvent(what: Categorization, name: string, id?: string): EcsEvent {
  const event = categorized(what, AUTH_DATASET);
  event.user = { target: id === undefined ? { name } : { name, id } };
  relateUsers(event, name);
  return event;
}

/** An event about one group (`group.*`), optionally about one member (`user.target.name`). */
export function groupEvent(what: Categorization, group: string, member?: string, database?: string): EcsEvent {
  const event = member === undefined ? categorized(what, AUTH_DATASET) : accountEvent(what, member);
  event.group = { name: group };
  if (database) setLabel(event, 'account_database', database);
  return event;
}

/** useradd, userdel, usermod, chfn and chsh messages (shadow-utils) to ECS IAM events, or null. */
export function matchUserMessage(text: string): EcsEvent | null {
  switch (text.charCodeAt(0)) {
    case 0x6e: // n
      return newUser(text);
    case 0x61: // a
      return membership(ADD_TO_GROUP.exec(text), MEMBER_ADDED);
    case 0x64: {
      // d
      const m = DELETE_USER.exec(text);
      if (m) return accountEvent(USER_DELETED, m[1]!);
      return membership(DELETE_FROM_GROUP.exec(text), MEMBER_REMOVED);
    }
    case 0x72: {
      // r
      const m = REMOVED_GROUP.exec(text);
      if (!m) return null;
      const event = groupEvent(GROUP_DELETED, m[2]!, undefined, m[1] ? 'gshadow' : 'group');
      setLabel(event, 'group_owner', m[3]!);
      relateUsers(event, m[3]);
      return event;
    }
    case 0x6c: // l
    case 0x75: // u
      return passwordState(text);
    case 0x63: // c
      return change(text);
    case 0x66: {
      // f
      const m = FAILED_ADD.exec(text);
      if (!m) return null;
      const event = accountEvent(USER_NOT_CREATED, m[1]!);
      setReason(event, m[2]!);
      return event;
    }
    default:
      return null;
  }
}

function newUser(text: string): EcsEvent | null {
  const m = NEW_USER.exec(text);
  if (!m) return null;
  const event = accountEvent(USER_CREATED, m[1]!, m[2]!);
  event.user!.target!.group = { id: m[3]! };
  if (m[4]) setLabel(event, 'user_home', m[4]);
  if (m[5]) setLabel(event, 'user_shell', m[5]);
  if (m[6] && m[6] !== 'none') setLabel(event, 'tty', m[6]);
  return event;
}

function membership(m: RegExpExecArray | null, what: Categorization): EcsEvent | null {
  return m ? groupEvent(what, m[3]!, m[1]!, m[2] ? 'gshadow' : 'group') : null;
}

function passwordState(text: string): EcsEvent | null {
  const m = PASSWORD_STATE.exec(text);
  if (!m) return null;
  return accountEvent(m[1] === 'lock' ? USER_LOCKED : m[1] === 'unlock' ? USER_UNLOCKED : PASSWORD_CHANGED, m[2]!);
}

function change(text: string): EcsEvent | null {
  let m = CHANGE.exec(text);
  if (m) {
    const event = accountEvent(USER_CHANGED, m[1]!);
    const attribute = m[2]!;
    if (attribute === 'UID') event.user!.changes = { id: m[4]! };
    else if (attribute === 'GID') event.user!.changes = { group: { id: m[4]! } };
    setLabel(event, 'changed_attribute', attribute.toLowerCase());
    setLabel(event, 'old_value', m[3]!);
    setLabel(event, 'new_value', m[4]!);
    return event;
  }
  m = RENAME.exec(text);
  if (m) {
    const event = accountEvent(USER_RENAMED, m[1]!);
    event.user!.changes = { name: m[2]! };
    relateUsers(event, m[2]);
    return event;
  }
  m = PASSWORD_STATE.exec(text);
  if (m) return accountEvent(PASSWORD_CHANGED, m[2]!);
  m = MEMBER_RENAME.exec(text);
  if (m) {
    const event = groupEvent(MEMBER_RENAMED, m[5]!, m[2]!, m[4] ? 'gshadow' : 'group');
    event.user!.changes = { name: m[3]! };
    relateUsers(event, m[3]);
    if (m[1]) setLabel(event, 'group_role', 'admin');
    return event;
  }
  m = CHFN.exec(text);
  if (m) {
    const event = accountEvent(USER_CHANGED, m[1]!);
    setLabel(event, 'changed_attribute', 'information');
    return event;
  }
  m = CHSH.exec(text);
  if (m) {
    const event = accountEvent(USER_CHANGED, m[1]!);
    setLabel(event, 'changed_attribute', 'shell');
    setLabel(event, 'new_value', m[2]!);
    return event;
  }
  return null;
}
