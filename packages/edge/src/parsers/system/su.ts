import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { parsePamUnix } from './pam.ts';
import { AUTH_DATASET, categorized, relateUsers, setLabel } from './shared.ts';

// util-linux: `(to root) alice on pts/1`, `FAILED SU (to root) bob on pts/0`; the user name may hold spaces.
const TO = /^(FAILED SU )?\(to ([^)]+)\) (.+) on (\S+)$/;
// shadow-utils: `Successful su for root by alice`, `FAILED su for root by bob`.
const FOR_BY = /^(Successful|FAILED) su for (\S+) by (\S+)$/;
// shadow-utils sulog style: `+ pts/1 alice:root`, `- pts/0 bob:root`.
const SULOG = /^([+-]) (\S+) ([^:\s]+):(\S+)$/;

const SWITCHED = { action: 'su', category: ['authentication'], type: ['start'], outcome: 'success' } as const;
const FAILED = { action: 'su', category: ['authentication'], type: ['start'], outcome: 'failure' } as const;

/**
 * su to ECS: `user.name` is who ran su, `user.effective.name` the user switched to, the
 * terminal in `labels.tty`. `pam_unix(su:...)`/`pam_unix(su-l:...)` lines go to PAM.
 */
export const suParser: MessageParser = {
  name: 'su',
  programs: ['su'],
  probe: () => false,
  parse(message) {
    if (message.startsWith('pam_')) return parsePamUnix(message);
    let m = TO.exec(message);
    if (m) return switched(m[1] === undefined, m[3]!, m[2]!, m[4]);
    m = FOR_BY.exec(message);
    if (m) return switched(m[1] === 'Successful', m[3]!, m[2]!, undefined);
    m = SULOG.exec(message);
    if (m) return switched(m[1] === '+', m[3]!, m[4]!, m[2]);
    return null;
  },
};

function switched(ok: boolean, invoker: string, target: string, tty: string | undefined): EcsEvent {
  const event = categorized(ok ? SWITCHED : FAILED, AUTH_DATASET);
  event.user = { name: invoker, effective: { name: target } };
  relateUsers(event, invoker, target);
  if (tty && tty !== 'none') setLabel(event, 'tty', tty);
  return event;
}
