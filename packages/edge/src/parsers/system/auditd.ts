import type { EcsEvent } from '@vigil/schema';
import type { MessageParser } from '../parser.ts';
import { auditId, decoded, looksLikeAudit, plain, readAuditRecord, type AuditRecord } from './audit-record.ts';
import { ACCOUNT_TYPES, GROUP_TYPES, RECORD_CATEGORY, syscallCategory, syscallName } from './audit-tables.ts';
import { mapAvc, mapExecve, mapPath, mapProctitle, mapSockaddr } from './auditd-records.ts';
import { relateUsers, setCommand, setLabel, setSourceHost } from './shared.ts';

const MAX_TAGS = 16;

/**
 * Linux audit records (auditd/audisp syslog output, the kernel's `audit:` lines, journald's
 * forwarded `audit` records) to ECS. Every record keeps `event.action` = its type in lower case,
 * `event.code` = the type number, `@timestamp` = the audit event time and `event.sequence` =
 * its serial (`labels.audit_event_id` = `time:serial` joins the records of one event).
 * Kernel records: `user.id` = uid, `user.effective.id` = euid, `labels.auid` = the login uid.
 * User-space records (`msg='…'`): `user.name` = acct (or `user.target.*` for account changes).
 * EXECVE and PROCTITLE arguments are hex-decoded into `process.args`/`process.command_line`;
 * the rule key is `rule.name` and `tags`.
 */
export function parseAudit(message: string, bareType: boolean): EcsEvent | null {
  const record = readAuditRecord(message, bareType);
  return record ? toEcs(record, message) : null;
}

/** auditd's own programs, and audit records recognised by content. */
export const auditdParser: MessageParser = {
  name: 'auditd',
  programs: ['audit', 'auditd', 'audispd', 'audisp', 'audisp-syslog', 'audisp-remote'],
  probe: looksLikeAudit,
  parse: (message) => parseAudit(message, true),
};

function toEcs(record: AuditRecord, message: string): EcsEvent {
  const { fields, type } = record;
  const event: EcsEvent = { event: { kind: 'event', action: type.toLowerCase(), dataset: 'auditd.log', module: 'auditd' } };
  const meta = event.event!;
  if (record.code) meta.code = record.code;
  if (record.timestamp) event['@timestamp'] = record.timestamp;
  if (record.serial !== undefined) {
    meta.sequence = record.serial;
    setLabel(event, 'audit_event_id', record.eventId!);
  }
  if (record.node) event.host = { name: record.node };
  const categorization = RECORD_CATEGORY.get(type);
  if (categorization) {
    meta.category = categorization.category.slice();
    meta.type = categorization.type.slice();
  }
  processFields(event, fields);
  if (record.inner) userSpace(event, record, record.inner);
  else kernelIdentity(event, fields);
  sessionLabels(event, fields);
  const op = plain(record.inner?.get('op') ?? fields.get('op'));
  if (op) setLabel(event, 'op', op);
  ruleKey(event, fields.get('key') ?? record.inner?.get('key'));
  outcome(event, fields, record.inner);

  switch (type) {
    case 'SYSCALL':
      syscall(event, fields);
      break;
    case 'EXECVE':
      mapExecve(event, fields);
      break;
    case 'PROCTITLE':
      mapProctitle(event, fields);
      break;
    case 'CWD': {
      const cwd = decoded(fields.get('cwd'));
      if (cwd) (event.process ??= {}).working_directory = cwd;
      break;
    }
    case 'PATH':
      mapPath(event, fields);
      break;
    case 'SOCKADDR':
      mapSockaddr(event, fields);
      break;
    case 'AVC':
    case 'USER_AVC':
      mapAvc(event, record.inner ?? fields, message);
      break;
    case 'LOGIN': {
      const auid = auditId(fields.get('auid'));
      if (auid) event.user = { id: auid };
      break;
    }
    case 'ANOM_ABEND': {
      const sig = plain(fields.get('sig'));
      if (sig) setLabel(event, 'signal', sig);
      break;
    }
  }
  return event;
}

function processFields(event: EcsEvent, fields: Map<string, string>): void {
  const process: NonNullable<EcsEvent['process']> = {};
  const pid = auditId(fields.get('pid'));
  if (pid) process.pid = Number(pid);
  const ppid = auditId(fields.get('ppid'));
  if (ppid) process.parent = { pid: Number(ppid) };
  const comm = decoded(fields.get('comm'));
  if (comm) process.name = comm;
  const exe = decoded(fields.get('exe'));
  if (exe) process.executable = exe;
  if (Object.keys(process).length > 0) event.process = process;
}

// Kernel records: the identity of the process that made the syscall.
function kernelIdentity(event: EcsEvent, fields: Map<string, string>): void {
  const uid = auditId(fields.get('uid'));
  const euid = auditId(fields.get('euid'));
  const gid = auditId(fields.get('gid'));
  const egid = auditId(fields.get('egid'));
  // auditd's enriched format adds names: UID="alice" EUID="root".
  const uidName = plain(fields.get('UID'));
  const euidName = plain(fields.get('EUID'));
  if (!uid && !euid && !uidName) return;
  const user: NonNullable<EcsEvent['user']> = {};
  if (uid) user.id = uid;
  if (uidName) user.name = uidName;
  if (gid) user.group = { id: gid };
  if (euid || euidName) {
    user.effective = {};
    if (euid) user.effective.id = euid;
    if (euidName) user.effective.name = euidName;
    if (egid) user.effective.group = { id: egid };
  }
  event.user = user;
  relateUsers(event, uidName, euidName);
}

function sessionLabels(event: EcsEvent, fields: Map<string, string>): void {
  const auid = auditId(fields.get('auid'));
  if (auid) setLabel(event, 'auid', auid);
  const auidName = plain(fields.get('AUID'));
  if (auidName && auidName !== 'unset') {
    setLabel(event, 'auid_user', auidName);
    relateUsers(event, auidName);
  }
  const ses = auditId(fields.get('ses'));
  if (ses) setLabel(event, 'ses', ses);
  const tty = plain(fields.get('tty'));
  if (tty) setLabel(event, 'tty', tty);
}

// User-space records carry what happened in `msg='op=… acct=… exe=… hostname=… addr=… terminal=… res=…'`.
function userSpace(event: EcsEvent, record: AuditRecord, inner: Map<string, string>): void {
  const type = record.type;
  const acct = decoded(inner.get('acct'));
  const id = auditId(inner.get('id'));
  const exe = decoded(inner.get('exe'));
  if (exe) (event.process ??= {}).executable = exe;
  const comm = decoded(inner.get('comm'));
  if (comm) (event.process ??= {}).name = comm;
  const grantors = plain(inner.get('grantors'));
  if (grantors) setLabel(event, 'pam_grantors', grantors);
  const terminal = plain(inner.get('terminal'));
  if (terminal) setLabel(event, 'terminal', terminal);
  const addr = plain(inner.get('addr'));
  const hostname = plain(inner.get('hostname'));
  // Without addr= the record is local (useradd on a terminal): hostname= is then this host, not a source.
  if (addr) {
    setSourceHost(event, addr);
    if (hostname && hostname !== addr) event.source!.domain = hostname;
  }

  if (GROUP_TYPES.has(type)) {
    const group = decoded(inner.get('grp')) ?? acct;
    if (group || id) event.group = { ...(group && { name: group }), ...(id && { id }) };
  } else if (ACCOUNT_TYPES.has(type)) {
    if (acct || id) {
      event.user = { target: { ...(acct && { name: acct }), ...(id && { id }) } };
      relateUsers(event, acct);
    }
  } else if (acct || id) {
    event.user = { ...(acct && { name: acct }), ...(id && { id }) };
    relateUsers(event, acct);
  }
  const actor = plain(record.fields.get('AUID'));
  if (actor && actor !== 'unset' && (ACCOUNT_TYPES.has(type) || GROUP_TYPES.has(type))) (event.user ??= {}).name = actor;

  if (type === 'USER_CMD') {
    // sudo's record: the command it ran (hex when it holds spaces) and where; the invoker is uid.
    const process = (event.process ??= {});
    delete process.executable;
    if (exe) process.parent = { ...process.parent, executable: exe };
    const cmd = decoded(inner.get('cmd'));
    if (cmd) setCommand(event, cmd);
    const cwd = decoded(inner.get('cwd'));
    if (cwd) event.process!.working_directory = cwd;
    const uid = auditId(record.fields.get('uid'));
    if (uid) (event.user ??= {}).id = uid;
  } else if (type === 'SERVICE_START' || type === 'SERVICE_STOP') {
    const unit = plain(inner.get('unit'));
    if (unit) event.service = { name: unit };
  }
}

function outcome(event: EcsEvent, fields: Map<string, string>, inner: Map<string, string> | undefined): void {
  const res = plain(inner?.get('res') ?? fields.get('res') ?? fields.get('success'));
  if (res === 'success' || res === 'yes' || res === '1') event.event!.outcome = 'success';
  else if (res === 'failed' || res === 'failure' || res === 'no' || res === '0') event.event!.outcome = 'failure';
}

// key="ssh_keys"; several keys are hex-encoded and separated by \x01.
function ruleKey(event: EcsEvent, raw: string | undefined): void {
  const key = decoded(raw);
  if (!key) return;
  const keys = key.split('\x01').filter(Boolean).slice(0, MAX_TAGS);
  if (keys.length === 0) return;
  event.rule = { name: keys[0]! };
  event.tags = keys;
}

function syscall(event: EcsEvent, fields: Map<string, string>): void {
  const number = plain(fields.get('syscall'));
  const name = plain(fields.get('SYSCALL')) ?? (number ? syscallName(plain(fields.get('arch')), number) : undefined);
  const label = name ?? number;
  if (label) setLabel(event, 'syscall', label);
  const categorization = name ? syscallCategory(name) : undefined;
  event.event!.category = categorization ? categorization.category.slice() : ['process'];
  event.event!.type = categorization ? categorization.type.slice() : ['info'];
  const exit = plain(fields.get('exit'));
  if (exit && exit.charCodeAt(0) === 0x2d) setLabel(event, 'syscall_exit', plain(fields.get('EXIT')) ?? exit);
}
