import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { parsePamUnix } from './pam.ts';
import { AUTH_DATASET, categorized, relateUsers, setCommand, setLabel, setReason } from './shared.ts';

const KEY = /^[A-Z]{2,10}$/;
const PASSWORD_PROBLEM = /incorrect password attempt|password is required|no password was provided|authentication failure/;

const RAN = { action: 'sudo_command', category: ['process'], type: ['start'], outcome: 'success' } as const;
const REFUSED = { action: 'sudo_command', category: ['process'], type: ['start'], outcome: 'failure' } as const;
const AUTH_FAILED = { action: 'sudo_auth', category: ['authentication'], type: ['start'], outcome: 'failure' } as const;

/**
 * sudo's command log to ECS: `alice : [reason ; ]TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=...`.
 * `user.name` is who ran sudo, `user.effective.name` the user the command runs as (`USER=`),
 * `process.*` the command (`process.parent.name: sudo`). Refusals keep sudo's reason in
 * `event.reason`; wrong passwords are `sudo_auth` failures. `pam_unix(sudo:...)` lines go to PAM.
 */
export const sudoParser: MessageParser = {
  name: 'sudo',
  programs: ['sudo'],
  probe: () => false,
  parse(message) {
    let start = 0;
    while (message.charCodeAt(start) === 0x20) start++;
    if (message.startsWith('pam_', start)) return parsePamUnix(start === 0 ? message : message.slice(start));
    const sep = message.indexOf(' : ', start);
    if (sep <= start) return null;
    return commandLog(message.slice(start, sep), message.slice(sep + 3));
  },
};

function commandLog(invoker: string, rest: string): EcsEvent | null {
  // COMMAND= is always last and may itself contain " ; ", so it is cut off before splitting.
  const commandAt = rest.startsWith('COMMAND=') ? 0 : rest.indexOf(' ; COMMAND=');
  const head = commandAt < 0 ? rest : rest.slice(0, commandAt);
  const command = commandAt < 0 ? undefined : rest.slice(commandAt === 0 ? 8 : commandAt + 11);
  let reason: string | undefined;
  let known = command !== undefined;
  const fields: Record<string, string> = {};
  if (head !== '') {
    for (const segment of head.split(' ; ')) {
      const eq = segment.indexOf('=');
      const key = eq > 0 ? segment.slice(0, eq) : '';
      if (KEY.test(key)) {
        known = true;
        if (key === 'TTY' || key === 'PWD' || key === 'USER' || key === 'GROUP' || key === 'ENV' || key === 'CHROOT') fields[key] = segment.slice(eq + 1);
      } else if (reason === undefined) {
        reason = segment.trim();
      }
    }
  }
  if (!known) return null;
  const what = reason === undefined ? RAN : PASSWORD_PROBLEM.test(reason) ? AUTH_FAILED : REFUSED;
  const event = categorized(what, AUTH_DATASET);
  if (reason) setReason(event, reason);
  const user: NonNullable<EcsEvent['user']> = { name: invoker };
  if (fields.USER || fields.GROUP) {
    user.effective = {};
    if (fields.USER) user.effective.name = fields.USER;
    if (fields.GROUP) user.effective.group = { name: fields.GROUP };
  }
  event.user = user;
  relateUsers(event, invoker, fields.USER);
  if (command !== undefined) setCommand(event, command);
  const process = (event.process ??= {});
  process.parent = { name: 'sudo' };
  if (fields.PWD) process.working_directory = fields.PWD;
  if (fields.TTY) setLabel(event, 'tty', fields.TTY);
  if (fields.ENV) setLabel(event, 'sudo_env', fields.ENV);
  if (fields.CHROOT) setLabel(event, 'sudo_chroot', fields.CHROOT);
  return event;
}
