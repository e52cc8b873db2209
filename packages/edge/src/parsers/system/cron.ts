import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { parsePamUnix } from './pam.ts';
import { categorized, relateUsers, setLabel, type Categorization } from './shared.ts';

const DATASET = 'system.cron';
// `(user) VERB (detail)`: Vixie cron / cronie (`CRON`, `crond`) and crontab(1).
const CRON_LINE = /^\(([^()]{1,256})\) ([A-Za-z][A-Za-z ]{0,31}?) \((.*)\)$/;
const JOB_STARTED = /^Job `([^']+)' started$/;
const JOB_TERMINATED = /^Job `([^']+)' terminated(?: (.*))?$/;
const EXIT_STATUS = /\(exit status: (\d{1,3})\)/;
const WILL_RUN = /^Will run job `([^']+)' in (\d{1,9}) min\.$/;
const ANACRON_STARTED = /^Anacron (\S+) started on (\S+)$/;
const NORMAL_EXIT = /^Normal exit \((\d{1,9}) jobs? run\)$/;

// A Map, not an object: verbs come from input (`constructor` must not find Object's).
const VERBS = new Map<string, Categorization>(Object.entries({
  CMD: { action: 'cron_command', category: ['process'], type: ['start'] },
  CMDEND: { action: 'cron_command_end', category: ['process'], type: ['end'] },
  CMDOUT: { action: 'cron_command_output', category: ['process'], type: ['info'] },
  RELOAD: { action: 'crontab_reloaded', category: ['configuration'], type: ['change'] },
  REPLACE: { action: 'crontab_replaced', category: ['configuration'], type: ['change'], outcome: 'success' },
  DELETE: { action: 'crontab_deleted', category: ['configuration'], type: ['deletion'], outcome: 'success' },
  LIST: { action: 'crontab_listed', category: ['configuration'], type: ['access'] },
  'BEGIN EDIT': { action: 'crontab_edit_started', category: ['configuration'], type: ['access'] },
  'END EDIT': { action: 'crontab_edit_finished', category: ['configuration'], type: ['change'] },
  STARTUP: { action: 'cron_started', category: ['process'], type: ['start'] },
  INFO: { action: 'cron_info', category: ['process'], type: ['info'] },
  info: { action: 'cron_info', category: ['process'], type: ['info'] },
  MAIL: { action: 'cron_mail', category: ['process'], type: ['info'] },
  ERROR: { action: 'cron_error', category: ['process'], type: ['info'], outcome: 'failure' },
  DEATH: { action: 'cron_stopped', category: ['process'], type: ['end'], outcome: 'failure' },
} satisfies Record<string, Categorization>));
const OTHER_VERB: Categorization = { action: 'cron_message', category: ['process'], type: ['info'] };
const ANACRON_JOB_STARTED: Categorization = { action: 'anacron_job_started', category: ['process'], type: ['start'] };
const ANACRON_JOB_ENDED: Categorization = { action: 'anacron_job_finished', category: ['process'], type: ['end'] };
const ANACRON_JOB_SCHEDULED: Categorization = { action: 'anacron_job_scheduled', category: ['process'], type: ['info'] };
const ANACRON_STARTED_AS: Categorization = { action: 'anacron_started', category: ['process'], type: ['start'] };
const ANACRON_EXITED: Categorization = { action: 'anacron_finished', category: ['process'], type: ['end'], outcome: 'success' };

/**
 * cron, cronie, anacron and crontab messages to ECS: jobs run (`cron_command` with the user in
 * `user.name` and the command in `process.command_line`), crontab reloads and edits, daemon
 * notices and anacron jobs. `pam_unix(cron:session)` lines go to PAM.
 */
export const cronParser: MessageParser = {
  name: 'cron',
  programs: ['CRON', 'CROND', 'cron', 'crond', 'anacron', 'crontab'],
  probe: () => false,
  parse(message) {
    if (message.startsWith('pam_')) return parsePamUnix(message);
    if (message.charCodeAt(0) === 0x28) return cronLine(message);
    return anacron(message);
  },
};

function cronLine(message: string): EcsEvent | null {
  const m = CRON_LINE.exec(message);
  if (!m) return null;
  const who = m[1]!;
  const verb = m[2]!;
  const detail = m[3]!;
  const event = categorized(VERBS.get(verb) ?? OTHER_VERB, DATASET);
  // CRON and *system* (or *system*<file>) stand for the daemon and /etc/crontab, not a user.
  if (who !== 'CRON' && !who.startsWith('*system*')) {
    event.user = { name: who };
    relateUsers(event, who);
  }
  switch (verb) {
    case 'CMD':
    case 'CMDEND': {
      const command = detail.trim();
      if (command) event.process = { command_line: command };
      break;
    }
    case 'RELOAD':
      setLabel(event, 'crontab', detail);
      break;
    case 'REPLACE':
    case 'DELETE':
    case 'LIST':
    case 'BEGIN EDIT':
    case 'END EDIT':
      // crontab(1) names whose crontab it is: `(root) REPLACE (alice)`.
      if (detail) {
        (event.user ??= {}).target = { name: detail };
        relateUsers(event, detail);
      }
      break;
    default:
      if (!VERBS.has(verb)) setLabel(event, 'cron_verb', verb);
  }
  return event;
}

function anacron(message: string): EcsEvent | null {
  let m = JOB_STARTED.exec(message);
  if (m) return job(ANACRON_JOB_STARTED, m[1]!);
  m = JOB_TERMINATED.exec(message);
  if (m) {
    const event = job(ANACRON_JOB_ENDED, m[1]!);
    const status = m[2] ? EXIT_STATUS.exec(m[2]) : null;
    if (status) {
      event.process = { exit_code: Number(status[1]) };
      event.event!.outcome = status[1] === '0' ? 'success' : 'failure';
    } else {
      event.event!.outcome = 'success';
    }
    return event;
  }
  m = WILL_RUN.exec(message);
  if (m) {
    const event = job(ANACRON_JOB_SCHEDULED, m[1]!);
    setLabel(event, 'delay_minutes', m[2]!);
    return event;
  }
  m = ANACRON_STARTED.exec(message);
  if (m) {
    const event = categorized(ANACRON_STARTED_AS, DATASET);
    setLabel(event, 'anacron_version', m[1]!);
    return event;
  }
  m = NORMAL_EXIT.exec(message);
  if (m) {
    const event = categorized(ANACRON_EXITED, DATASET);
    setLabel(event, 'jobs_run', m[1]!);
    return event;
  }
  return null;
}

function job(what: Categorization, name: string): EcsEvent {
  const event = categorized(what, DATASET);
  setLabel(event, 'cron_job', name);
  return event;
}
