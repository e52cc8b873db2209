import type { MessageParser } from '../parser.ts';
import { looksLikeAudit } from './audit-record.ts';
import { parseAudit } from './auditd.ts';
import { looksLikeNetfilter, parseNetfilter } from './netfilter.ts';

/**
 * The `kernel` program: netfilter LOG lines (iptables, nftables, ufw, firewalld) and audit
 * records the kernel prints itself (`audit: type=1400 audit(…): apparmor="DENIED" …`).
 * Other kernel messages are not understood (null → partial).
 */
export const kernelParser: MessageParser = {
  name: 'kernel',
  programs: ['kernel'],
  probe: () => false,
  parse(message) {
    if (looksLikeNetfilter(message)) return parseNetfilter(message);
    if (looksLikeAudit(message)) return parseAudit(message, false);
    return null;
  },
};
