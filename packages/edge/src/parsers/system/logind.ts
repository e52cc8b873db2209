import type { EcsEvent } from '@vigil/schema';
import { categorized, relateUsers, setLabel, type Categorization } from './shared.ts';

/** `event.dataset` of systemd and systemd-logind messages. */
export const SYSTEMD_DATASET = 'system.systemd';

const NEW_SESSION = /^New session (\S+) of user (.+)\.$/;
const REMOVED_SESSION = /^Removed session (\S+)\.$/;
const LOGGED_OUT = /^Session (\S+) logged out\. Waiting for processes to exit\.$/;
const SYSTEM_STATE = /^System is (rebooting|powering down|halting|going down for reboot|suspending|hibernating)\.?$/;

const SESSION_NEW: Categorization = { action: 'session_created', category: ['session'], type: ['start'], outcome: 'success' };
const SESSION_REMOVED: Categorization = { action: 'session_removed', category: ['session'], type: ['end'], outcome: 'success' };
const SESSION_LOGGED_OUT: Categorization = { action: 'session_logged_out', category: ['session'], type: ['end'], outcome: 'success' };
const HOST_STATE: Record<string, Categorization> = {
  rebooting: { action: 'system_reboot', category: ['host'], type: ['end'] },
  'going down for reboot': { action: 'system_reboot', category: ['host'], type: ['end'] },
  'powering down': { action: 'system_shutdown', category: ['host'], type: ['end'] },
  halting: { action: 'system_halt', category: ['host'], type: ['end'] },
  suspending: { action: 'system_suspend', category: ['host'], type: ['change'] },
  hibernating: { action: 'system_hibernate', category: ['host'], type: ['change'] },
};

/**
 * systemd-logind session and power messages to ECS: `session_created` (`user.name`,
 * `labels.session_id`), `session_removed`, `session_logged_out`, and reboot/shutdown notices.
 */
export function matchLogind(message: string): EcsEvent | null {
  let m = NEW_SESSION.exec(message);
  if (m) {
    const event = session(SESSION_NEW, m[1]!);
    event.user = { name: m[2]! };
    relateUsers(event, m[2]);
    return event;
  }
  m = REMOVED_SESSION.exec(message);
  if (m) return session(SESSION_REMOVED, m[1]!);
  m = LOGGED_OUT.exec(message);
  if (m) return session(SESSION_LOGGED_OUT, m[1]!);
  m = SYSTEM_STATE.exec(message);
  // The alternation above lists exactly HOST_STATE's keys.
  if (m) return categorized(HOST_STATE[m[1]!]!, SYSTEMD_DATASET);
  return null;
}

function session(what: Categorization, id: string): EcsEvent {
  const event = categorized(what, SYSTEMD_DATASET);
  setLabel(event, 'session_id', id);
  return event;
}
