import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { matchLogind, SYSTEMD_DATASET } from './logind.ts';
import { parsePamUnix } from './pam.ts';
import { categorized, relateUsers, setLabel, setReason, type Categorization } from './shared.ts';

const UNIT_SUFFIX = '(?:service|socket|target|timer|mount|automount|swap|path|slice|scope|device)';
// Unit names hold escapes (`dev-disk-by\x2duuid-….device`), instances (`user@1000.service`) and dots.
const UNIT = new RegExp(`^([\\w@:.\\\\-]{1,256}\\.${UNIT_SUFFIX})(?: - (.*))?$`);
const UNIT_PREFIXED = new RegExp(`^([\\w@:.\\\\-]{1,256}\\.${UNIT_SUFFIX}): (.*)$`);
const LIFECYCLE =
  /^(Starting|Started|Stopping|Stopped|Reloading|Reloaded|Failed to start|Failed to stop|Finished|Listening on|Closed|Reached target|Stopped target|Mounting|Mounted|Unmounting|Unmounted|Created slice|Removed slice|Activating swap|Activated swap|Deactivating swap|Deactivated swap) (.+)$/;
const EXITED = /^(Main|Control) process exited, code=(\w+), status=(\d{1,10})(?:\/(\S+))?$/;
const FAILED_RESULT = /^Failed with result '([^']*)'\.?$/;
const RESTART = /^Scheduled restart job, restart counter is at (\d{1,10})\.$/;
const SESSION = /^Session (\S+) of [Uu]ser (.+)$/;
const USER_MANAGER = /^User Manager for UID (\d{1,10})$/;
const RELOAD_REQUESTED = /^Reloading requested from client PID (\d{1,10}) \('([^']*)'\)/;
const RELOAD_FINISHED = /^Reloading finished in (\d{1,10}) ms\.$/;

const start = (action: string, outcome?: 'success' | 'failure'): Categorization => ({ action, category: ['process'], type: ['start'], ...(outcome && { outcome }) });
const end = (action: string, outcome?: 'success' | 'failure'): Categorization => ({ action, category: ['process'], type: ['end'], ...(outcome && { outcome }) });
const change = (action: string, outcome?: 'success' | 'failure'): Categorization => ({ action, category: ['process'], type: ['change'], ...(outcome && { outcome }) });

const VERBS = new Map<string, Categorization>([
  ['Starting', start('unit_starting')],
  ['Started', start('unit_started', 'success')],
  ['Stopping', end('unit_stopping')],
  ['Stopped', end('unit_stopped', 'success')],
  ['Reloading', change('unit_reloading')],
  ['Reloaded', change('unit_reloaded', 'success')],
  ['Failed to start', start('unit_start_failed', 'failure')],
  ['Failed to stop', end('unit_stop_failed', 'failure')],
  ['Finished', end('unit_finished', 'success')],
  ['Listening on', start('socket_listening', 'success')],
  ['Closed', end('socket_closed', 'success')],
  ['Reached target', start('target_reached', 'success')],
  ['Stopped target', end('target_stopped', 'success')],
  ['Mounting', start('unit_mounting')],
  ['Mounted', start('unit_mounted', 'success')],
  ['Unmounting', end('unit_unmounting')],
  ['Unmounted', end('unit_unmounted', 'success')],
  ['Created slice', start('unit_created', 'success')],
  ['Removed slice', end('unit_removed', 'success')],
  ['Activating swap', start('unit_activating')],
  ['Activated swap', start('unit_activated', 'success')],
  ['Deactivating swap', end('unit_deactivating')],
  ['Deactivated swap', end('unit_deactivated', 'success')],
]);

const UNIT_EXITED_OK = end('process_exited', 'success');
const UNIT_EXITED_BAD = end('process_exited', 'failure');
const UNIT_FAILED = end('unit_failed', 'failure');
const UNIT_DEACTIVATED = end('unit_deactivated', 'success');
const UNIT_RATE_LIMITED = start('unit_start_rate_limited', 'failure');
const UNIT_RESTART: Categorization = { action: 'unit_restart_scheduled', category: ['process'], type: ['info'] };
const UNIT_CONSUMED: Categorization = { action: 'unit_resources_consumed', category: ['process'], type: ['info'] };
const UNIT_OTHER: Categorization = { action: 'unit_message', category: ['process'], type: ['info'] };
const DAEMON_RELOAD: Categorization = { action: 'daemon_reload', category: ['configuration'], type: ['change'] };
const DAEMON_RELOADED: Categorization = { action: 'daemon_reload_finished', category: ['configuration'], type: ['change'], outcome: 'success' };
const STARTUP_FINISHED: Categorization = { action: 'system_startup_finished', category: ['host'], type: ['start'], outcome: 'success' };

/**
 * systemd (PID 1 and user managers) and systemd-logind messages to ECS: unit lifecycle
 * (`unit_started`, `unit_stopped`, `unit_start_failed`, … with the unit in `service.name`),
 * main-process exits (`process.exit_code`, or the signal in `labels.signal`), failures
 * (`event.reason`), daemon reloads, and logind sessions. Session scopes are `event.category: session`
 * with `user.name`. `pam_unix(systemd-user:session)` lines go to PAM.
 */
export const systemdParser: MessageParser = {
  name: 'systemd',
  programs: ['systemd', 'systemd-logind'],
  probe: () => false,
  parse(message) {
    if (message.startsWith('pam_')) return parsePamUnix(message);
    const logind = matchLogind(message);
    if (logind) return logind;
    if (message.startsWith('Reloading')) {
      const reload = daemonReload(message);
      if (reload) return reload;
    }
    const lifecycle = LIFECYCLE.exec(message);
    if (lifecycle) return unitLifecycle(VERBS.get(lifecycle[1]!)!, lifecycle[2]!);
    const prefixed = UNIT_PREFIXED.exec(message);
    if (prefixed) return unitMessage(prefixed[1]!, prefixed[2]!);
    if (message.startsWith('Startup finished in ')) return categorized(STARTUP_FINISHED, SYSTEMD_DATASET);
    return null;
  },
};

function daemonReload(message: string): EcsEvent | null {
  if (message === 'Reloading.' || message === 'Reloading...') return categorized(DAEMON_RELOAD, SYSTEMD_DATASET);
  let m = RELOAD_REQUESTED.exec(message);
  if (m) {
    const event = categorized(DAEMON_RELOAD, SYSTEMD_DATASET);
    setLabel(event, 'client_pid', m[1]!);
    setLabel(event, 'client_name', m[2]!);
    return event;
  }
  m = RELOAD_FINISHED.exec(message);
  if (m) {
    const event = categorized(DAEMON_RELOADED, SYSTEMD_DATASET);
    event.event!.duration = Number(m[1]) * 1_000_000;
    return event;
  }
  return null;
}

function unitLifecycle(what: Categorization, subject: string): EcsEvent {
  // `nginx.service - A high performance web server...`, or only the description (systemd < 247).
  let end = subject.length;
  if (subject.endsWith('...')) end -= 3;
  else if (subject.endsWith('.')) end -= 1;
  const text = subject.slice(0, end);
  const unit = UNIT.exec(text);
  const name = unit ? unit[1]! : undefined;
  const description = unit ? unit[2] : text;
  const event = categorized(what, SYSTEMD_DATASET);
  if (name) {
    event.service = { name };
    const dot = name.lastIndexOf('.');
    const kind = name.slice(dot + 1);
    if (kind !== 'service' && kind !== 'scope' && kind !== 'socket') event.event!.category = ['host'];
  }
  if (description) {
    const session = SESSION.exec(description);
    if (session) {
      event.event!.category = ['session'];
      setLabel(event, 'session_id', session[1]!);
      event.user = { name: session[2]! };
      relateUsers(event, session[2]);
    } else {
      const manager = USER_MANAGER.exec(description);
      if (manager) event.user = { id: manager[1]! };
    }
  }
  return event;
}

function unitMessage(unit: string, text: string): EcsEvent {
  let event: EcsEvent;
  let m = EXITED.exec(text);
  if (m) {
    const code = m[2]!;
    const status = m[3]!;
    const ok = code === 'exited' && status === '0';
    event = categorized(ok ? UNIT_EXITED_OK : UNIT_EXITED_BAD, SYSTEMD_DATASET);
    if (code === 'exited') {
      event.process = { exit_code: Number(status) };
    } else {
      // code=killed/dumped: status is the signal (`9/KILL`), not an exit code.
      setLabel(event, 'signal', m[4] ?? status);
      setReason(event, code === 'dumped' ? 'dumped core' : 'killed by signal');
    }
    if (m[1] === 'Control') setLabel(event, 'systemd_process', 'control');
  } else if ((m = FAILED_RESULT.exec(text))) {
    event = categorized(UNIT_FAILED, SYSTEMD_DATASET);
    setReason(event, m[1]!);
  } else if (text === 'Deactivated successfully.' || text === 'Succeeded.') {
    event = categorized(UNIT_DEACTIVATED, SYSTEMD_DATASET);
  } else if (text === 'Unit entered failed state.') {
    event = categorized(UNIT_FAILED, SYSTEMD_DATASET);
  } else if (text === 'Start request repeated too quickly.') {
    event = categorized(UNIT_RATE_LIMITED, SYSTEMD_DATASET);
    setReason(event, 'start request repeated too quickly');
  } else if ((m = RESTART.exec(text))) {
    event = categorized(UNIT_RESTART, SYSTEMD_DATASET);
    setLabel(event, 'restart_count', m[1]!);
  } else if (text.startsWith('Consumed ')) {
    event = categorized(UNIT_CONSUMED, SYSTEMD_DATASET);
  } else {
    event = categorized(UNIT_OTHER, SYSTEMD_DATASET);
  }
  event.service = { name: unit };
  return event;
}
