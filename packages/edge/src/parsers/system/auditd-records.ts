import type { EcsEvent } from '@vigil/schema';
import { decoded, plain } from './audit-record.ts';
import { compactIpv6 } from './netfilter.ts';
import { relateIp, setLabel } from './shared.ts';

// Bounds on what one record may make us build; the kernel caps a record near 8 KiB anyway.
const MAX_ARGS = 1024;
const MAX_CHUNKS = 1024;
const HEX = /^(?:[0-9A-F]{2})+$/;
const AVC_DECISION = /avc: {1,2}(denied|granted) {1,2}\{ ([^}]{0,256}) \}/;
const FILE_TYPES = new Map([
  [0o100000, 'file'],
  [0o040000, 'dir'],
  [0o120000, 'symlink'],
]);

/** An EXECVE argument: `"ls"` is literal, `2D6C61` hex (`-la`), `(null)` empty. */
function argument(raw: string): string {
  const q = raw.charCodeAt(0);
  if (q === 0x22) return raw.length >= 2 && raw.endsWith('"') ? raw.slice(1, -1) : raw.slice(1);
  if (HEX.test(raw)) return Buffer.from(raw, 'hex').toString('utf8');
  return raw === '(null)' ? '' : raw;
}

/** EXECVE `argc=3 a0="ls" a1=2D6C61 a2="/tmp"` (long arguments as `a1_len=… a1[0]=… a1[1]=…`) → process.args. */
export function mapExecve(event: EcsEvent, fields: Map<string, string>): void {
  const argcText = plain(fields.get('argc'));
  const argc = argcText && /^\d{1,6}$/.test(argcText) ? Number(argcText) : undefined;
  const limit = Math.min(argc ?? MAX_ARGS, MAX_ARGS);
  const args: string[] = [];
  for (let i = 0; i < limit; i++) {
    const raw = fields.get(`a${i}`);
    if (raw !== undefined) {
      args.push(argument(raw));
      continue;
    }
    if (!fields.has(`a${i}[0]`)) break;
    let hex = '';
    let text = '';
    let allHex = true;
    for (let j = 0; j < MAX_CHUNKS; j++) {
      const chunk = fields.get(`a${i}[${j}]`);
      if (chunk === undefined) break;
      // Chunks of one argument are decoded together so a UTF-8 character split between two survives.
      if (allHex && HEX.test(chunk)) hex += chunk;
      else allHex = false;
      text += argument(chunk);
    }
    args.push(allHex ? Buffer.from(hex, 'hex').toString('utf8') : text);
  }
  if (args.length === 0) return;
  const process = (event.process ??= {});
  process.args = args;
  process.args_count = argc ?? args.length;
  process.command_line = args.join(' ');
  nameFromArgv0(process, args[0]!);
}

// EXECVE and PROCTITLE carry no comm=; argv[0] names the program better than the syslog tag (audisp-syslog).
function nameFromArgv0(process: NonNullable<EcsEvent['process']>, argv0: string): void {
  const name = argv0.slice(argv0.lastIndexOf('/') + 1);
  if (name) process.name = name;
}

/** PROCTITLE `proctitle=2F62696E2F7368002D63…` (NUL-separated argv, hex) or `proctitle="bash"`. */
export function mapProctitle(event: EcsEvent, fields: Map<string, string>): void {
  const raw = fields.get('proctitle');
  if (!raw) return;
  let args: string[];
  if (raw.charCodeAt(0) === 0x22) {
    const title = plain(raw);
    if (!title) return;
    args = [title];
  } else if (HEX.test(raw)) {
    args = Buffer.from(raw, 'hex').toString('utf8').split('\0');
    while (args.length > 0 && args[args.length - 1] === '') args.pop();
    if (args.length === 0) return;
  } else {
    args = [raw];
  }
  const process = (event.process ??= {});
  process.args = args;
  process.args_count = args.length;
  process.command_line = args.join(' ');
  process.title = process.command_line;
  nameFromArgv0(process, args[0]!);
}

/** PATH `item=0 name="/etc/shadow" inode=… dev=fd:01 mode=0100640 ouid=0 ogid=42 nametype=NORMAL` → file.*. */
export function mapPath(event: EcsEvent, fields: Map<string, string>): void {
  const file: NonNullable<EcsEvent['file']> = {};
  const path = decoded(fields.get('name'));
  if (path) {
    file.path = path;
    const slash = path.lastIndexOf('/');
    if (slash >= 0 && slash < path.length - 1) {
      file.name = path.slice(slash + 1);
      if (path.charCodeAt(0) === 0x2f) file.directory = slash === 0 ? '/' : path.slice(0, slash);
    } else if (slash < 0) {
      file.name = path;
    }
  }
  const inode = plain(fields.get('inode'));
  if (inode) file.inode = inode;
  const device = plain(fields.get('dev'));
  if (device) file.device = device;
  const mode = plain(fields.get('mode'));
  if (mode && /^[0-7]{1,7}$/.test(mode)) {
    const bits = parseInt(mode, 8);
    file.mode = (bits & 0o7777).toString(8).padStart(4, '0');
    const type = FILE_TYPES.get(bits & 0o170000);
    if (type) file.type = type;
  }
  const ouid = plain(fields.get('ouid'));
  if (ouid) file.uid = ouid;
  const ogid = plain(fields.get('ogid'));
  if (ogid) file.gid = ogid;
  if (Object.keys(file).length > 0) event.file = file;
  const nametype = plain(fields.get('nametype'));
  if (nametype) setLabel(event, 'nametype', nametype);
  event.event!.category = ['file'];
  event.event!.type = [nametype === 'CREATE' ? 'creation' : nametype === 'DELETE' ? 'deletion' : 'info'];
}

/** SOCKADDR `saddr=0200…` (a hex struct sockaddr) → destination.ip/port for AF_INET and AF_INET6. */
export function mapSockaddr(event: EcsEvent, fields: Map<string, string>): void {
  const hex = fields.get('saddr');
  if (!hex || !HEX.test(hex)) return;
  const family = parseInt(hex.slice(2, 4) + hex.slice(0, 2), 16);
  let ip: string | undefined;
  if (family === 2 && hex.length >= 16) {
    ip = [8, 10, 12, 14].map((at) => parseInt(hex.slice(at, at + 2), 16)).join('.');
  } else if (family === 10 && hex.length >= 48) {
    const groups: string[] = [];
    for (let at = 16; at < 48; at += 4) groups.push(hex.slice(at, at + 4).toLowerCase());
    ip = compactIpv6(groups.join(':'));
  } else if (family === 1) {
    const path = Buffer.from(hex.slice(4), 'hex').toString('utf8');
    const nul = path.indexOf('\0');
    const socketPath = nul < 0 ? path : path.slice(0, nul);
    if (socketPath) setLabel(event, 'socket_path', socketPath);
    setLabel(event, 'socket_family', 'unix');
    return;
  }
  if (!ip) return;
  const destination: NonNullable<EcsEvent['destination']> = { ip };
  const port = parseInt(hex.slice(4, 8), 16);
  if (port > 0) destination.port = port;
  event.destination = destination;
  event.network = { type: family === 2 ? 'ipv4' : 'ipv6' };
  relateIp(event, ip);
}

/** AVC: AppArmor (`apparmor="DENIED" operation="open" profile=… name=…`) and SELinux (`avc:  denied  { read } for …`). */
export function mapAvc(event: EcsEvent, fields: Map<string, string>, message: string): void {
  const meta = event.event!;
  const apparmor = plain(fields.get('apparmor'));
  let decision: 'denied' | 'allowed' | undefined;
  if (apparmor) {
    if (apparmor === 'DENIED') decision = 'denied';
    else if (apparmor === 'ALLOWED') decision = 'allowed';
    setLabel(event, 'apparmor', apparmor);
    const profile = decoded(fields.get('profile'));
    if (profile) event.rule = { ...event.rule, ruleset: 'apparmor', name: event.rule?.name ?? profile };
    for (const key of ['operation', 'requested_mask', 'denied_mask', 'class'] as const) {
      const value = plain(fields.get(key));
      if (value) setLabel(event, key, value);
    }
  } else {
    const avc = AVC_DECISION.exec(message);
    if (avc) {
      decision = avc[1] === 'denied' ? 'denied' : 'allowed';
      setLabel(event, 'selinux_permissions', avc[2]!.trim());
    }
    for (const [key, label] of [
      ['scontext', 'selinux_scontext'],
      ['tcontext', 'selinux_tcontext'],
      ['tclass', 'selinux_tclass'],
      ['permissive', 'selinux_permissive'],
    ] as const) {
      const value = plain(fields.get(key));
      if (value) setLabel(event, label, value);
    }
  }
  const name = decoded(fields.get('path')) ?? decoded(fields.get('name'));
  if (name) event.file = name.charCodeAt(0) === 0x2f ? { path: name } : { name };
  meta.category = [name ? 'file' : 'process'];
  meta.type = decision ? ['access'] : ['info'];
  if (decision) meta.outcome = decision === 'denied' ? 'failure' : 'success';
}
