import type { EcsEvent } from '@vigil/schema';
import { groupEvent } from './account-users.ts';
import { relateUsers, setLabel, setReason } from './shared.ts';

const NEW_GROUP = /^new group: name=([^,]+), GID=(\d{1,10})$/;
const GROUP_ADDED = /^group added to (\S+): name=([^,]+)(?:, GID=(\d{1,10}))?$/;
const GROUP_REMOVED = /^group ['`]([^']+)' removed(?: from (\S+))?$/;
const REMOVE_GROUP = /^remove group ['`]([^']+)'$/;
// groupmod: `group changed in /etc/group (group ops/1002, new name: operators)`.
const GROUP_CHANGED = /^group changed in (\S+) \(group ([^/,\s]+)(?:\/(\d{1,10}))?((?:, [^,]*)*)\)$/;
const NEW_NAME = /, new name: ([^,]+)/;
const NEW_GID = /, new gid: (\d{1,10})/;
const OLD_RENAME = /^change group ['`]([^']+)' to ['`]([^']+)'$/;
const OLD_GID = /^change GID for ['`]([^']+)' to (\d{1,10})$/;
// gpasswd: `user alice added by root to group ops`, with ` in /etc/gshadow` for the shadow file.
const GP_MEMBER = /^user (\S+) (added|removed) by (\S+) (?:to|from) group (\S+?)(?: in (\S+))?$/;
const GP_MEMBER_NEW = /^(add|remove) member (\S+) (?:to|from) group (\S+) by (\S+)$/;
const GP_GROUP = /^(password of|access to|administrators of|members of) group (\S+) (removed|restricted|set|changed) by (\S+?)(?: to (\S*?))?(?: in (\S+))?$/;
const GP_FAILED = /^(\S+) failed to (add|remove) user (\S+) (?:to|from) group (\S+?)(?: in (\S+))?$/;

const GROUP_CREATED = { action: 'group_created', category: ['iam'], type: ['group', 'creation'], outcome: 'success' } as const;
const GROUP_DELETED = { action: 'group_deleted', category: ['iam'], type: ['group', 'deletion'], outcome: 'success' } as const;
const GROUP_CHANGED_OK = { action: 'group_changed', category: ['iam'], type: ['group', 'change'], outcome: 'success' } as const;
const MEMBER_ADDED = { action: 'group_member_added', category: ['iam'], type: ['group', 'change'], outcome: 'success' } as const;
const MEMBER_REMOVED = { action: 'group_member_removed', category: ['iam'], type: ['group', 'change'], outcome: 'success' } as const;
const MEMBER_ADD_FAILED = { action: 'group_member_added', category: ['iam'], type: ['group', 'change'], outcome: 'failure' } as const;
const MEMBER_REMOVE_FAILED = { action: 'group_member_removed', category: ['iam'], type: ['group', 'change'], outcome: 'failure' } as const;

/** groupadd, groupdel, groupmod and gpasswd messages (shadow-utils) to ECS IAM events, or null. */
export function matchGroupMessage(text: string): EcsEvent | null {
  let m = NEW_GROUP.exec(text);
  if (m) return created(m[1]!, m[2], undefined);
  m = GROUP_ADDED.exec(text);
  if (m) return created(m[2]!, m[3], database(m[1]));
  m = GROUP_REMOVED.exec(text);
  if (m) return groupEvent(GROUP_DELETED, m[1]!, undefined, database(m[2]));
  m = REMOVE_GROUP.exec(text);
  if (m) return groupEvent(GROUP_DELETED, m[1]!);
  m = GROUP_CHANGED.exec(text);
  if (m) return changed(m[2]!, m[3], m[4]!, database(m[1]));
  m = OLD_RENAME.exec(text);
  if (m) {
    const event = groupEvent(GROUP_CHANGED_OK, m[1]!);
    setLabel(event, 'new_group_name', m[2]!);
    return event;
  }
  m = OLD_GID.exec(text);
  if (m) {
    const event = groupEvent(GROUP_CHANGED_OK, m[1]!);
    setLabel(event, 'new_group_id', m[2]!);
    return event;
  }
  return gpasswd(text);
}

function created(name: string, gid: string | undefined, db: string | undefined): EcsEvent {
  const event = groupEvent(GROUP_CREATED, name, undefined, db);
  if (gid) event.group!.id = gid;
  return event;
}

function changed(name: string, gid: string | undefined, details: string, db: string | undefined): EcsEvent {
  const event = groupEvent(GROUP_CHANGED_OK, name, undefined, db);
  if (gid) event.group!.id = gid;
  const newName = NEW_NAME.exec(details);
  if (newName) setLabel(event, 'new_group_name', newName[1]!);
  const newGid = NEW_GID.exec(details);
  if (newGid) setLabel(event, 'new_group_id', newGid[1]!);
  if (details.includes(', new password')) setLabel(event, 'changed_attribute', 'password');
  return event;
}

function gpasswd(text: string): EcsEvent | null {
  let m = GP_MEMBER.exec(text);
  if (m) return byActor(groupEvent(m[2] === 'added' ? MEMBER_ADDED : MEMBER_REMOVED, m[4]!, m[1]!, database(m[5]) ?? 'group'), m[3]!);
  m = GP_MEMBER_NEW.exec(text);
  if (m) return byActor(groupEvent(m[1] === 'add' ? MEMBER_ADDED : MEMBER_REMOVED, m[3]!, m[2]!), m[4]!);
  m = GP_GROUP.exec(text);
  if (m) {
    const event = byActor(groupEvent(GROUP_CHANGED_OK, m[2]!, undefined, database(m[6]) ?? 'group'), m[4]!);
    const attribute = m[1]!.slice(0, m[1]!.indexOf(' '));
    setLabel(event, 'changed_attribute', attribute === 'access' ? 'password' : attribute);
    if (m[5] !== undefined) {
      setLabel(event, 'new_value', m[5]);
      if (attribute === 'members' || attribute === 'administrators') relateUsers(event, ...m[5].split(','));
    }
    return event;
  }
  m = GP_FAILED.exec(text);
  if (m) {
    const event = byActor(groupEvent(m[2] === 'add' ? MEMBER_ADD_FAILED : MEMBER_REMOVE_FAILED, m[4]!, m[3]!, database(m[5]) ?? 'group'), m[1]!);
    setReason(event, 'gpasswd could not update the group');
    return event;
  }
  return null;
}

/** Who made the change (`user.name`), next to the account it was made to (`user.target.*`). */
function byActor(event: EcsEvent, actor: string): EcsEvent {
  (event.user ??= {}).name = actor;
  relateUsers(event, actor);
  return event;
}

/** `/etc/gshadow` → `gshadow`: which account database a line is about. */
function database(path: string | undefined): string | undefined {
  if (!path) return undefined;
  return path.slice(path.lastIndexOf('/') + 1);
}
