import type { MessageParser } from '../parser.ts';
import { accountsParser } from './accounts.ts';
import { auditdParser } from './auditd.ts';
import { cronParser } from './cron.ts';
import { kernelParser } from './kernel.ts';
import { netfilterParser } from './netfilter.ts';
import { pamUnixParser } from './pam.ts';
import { sudoParser } from './sudo.ts';
import { suParser } from './su.ts';
import { systemdParser } from './systemd.ts';

/**
 * Parsers for what a Linux host logs about itself: authentication, accounts, scheduling, firewall, audit.
 * Program-owned parsers first; the content probes (pam_unix, netfilter, audit) are tried in this order
 * for programs that have no parser of their own.
 */
export const SYSTEM_PARSERS: readonly MessageParser[] = [
  sudoParser,
  suParser,
  accountsParser,
  cronParser,
  systemdParser,
  kernelParser,
  pamUnixParser,
  netfilterParser,
  auditdParser,
];
