/** Linux audit record type numbers (`type=1300` as the kernel prints them) and their names (libaudit). */
const RECORD_TYPES: readonly (readonly [number, string])[] = [
  [1006, 'LOGIN'],
  [1100, 'USER_AUTH'],
  [1101, 'USER_ACCT'],
  [1102, 'USER_MGMT'],
  [1103, 'CRED_ACQ'],
  [1104, 'CRED_DISP'],
  [1105, 'USER_START'],
  [1106, 'USER_END'],
  [1107, 'USER_AVC'],
  [1108, 'USER_CHAUTHTOK'],
  [1109, 'USER_ERR'],
  [1110, 'CRED_REFR'],
  [1111, 'USYS_CONFIG'],
  [1112, 'USER_LOGIN'],
  [1113, 'USER_LOGOUT'],
  [1114, 'ADD_USER'],
  [1115, 'DEL_USER'],
  [1116, 'ADD_GROUP'],
  [1117, 'DEL_GROUP'],
  [1118, 'DAC_CHECK'],
  [1119, 'CHGRP_ID'],
  [1120, 'TEST'],
  [1121, 'TRUSTED_APP'],
  [1122, 'USER_SELINUX_ERR'],
  [1123, 'USER_CMD'],
  [1124, 'USER_TTY'],
  [1125, 'CHUSER_ID'],
  [1126, 'GRP_AUTH'],
  [1127, 'SYSTEM_BOOT'],
  [1128, 'SYSTEM_SHUTDOWN'],
  [1129, 'SYSTEM_RUNLEVEL'],
  [1130, 'SERVICE_START'],
  [1131, 'SERVICE_STOP'],
  [1132, 'GRP_MGMT'],
  [1133, 'GRP_CHAUTHTOK'],
  [1134, 'MAC_CHECK'],
  [1135, 'ACCT_LOCK'],
  [1136, 'ACCT_UNLOCK'],
  [1137, 'USER_DEVICE'],
  [1138, 'SOFTWARE_UPDATE'],
  [1300, 'SYSCALL'],
  [1302, 'PATH'],
  [1303, 'IPC'],
  [1304, 'SOCKETCALL'],
  [1305, 'CONFIG_CHANGE'],
  [1306, 'SOCKADDR'],
  [1307, 'CWD'],
  [1309, 'EXECVE'],
  [1311, 'IPC_SET_PERM'],
  [1312, 'MQ_OPEN'],
  [1317, 'FD_PAIR'],
  [1318, 'OBJ_PID'],
  [1319, 'TTY'],
  [1320, 'EOE'],
  [1321, 'BPRM_FCAPS'],
  [1322, 'CAPSET'],
  [1323, 'MMAP'],
  [1324, 'NETFILTER_PKT'],
  [1325, 'NETFILTER_CFG'],
  [1326, 'SECCOMP'],
  [1327, 'PROCTITLE'],
  [1328, 'FEATURE_CHANGE'],
  [1329, 'REPLACE'],
  [1330, 'KERN_MODULE'],
  [1331, 'FANOTIFY'],
  [1334, 'BPF'],
  [1400, 'AVC'],
  [1401, 'SELINUX_ERR'],
  [1402, 'AVC_PATH'],
  [1403, 'MAC_POLICY_LOAD'],
  [1404, 'MAC_STATUS'],
  [1405, 'MAC_CONFIG_CHANGE'],
  [1700, 'ANOM_PROMISCUOUS'],
  [1701, 'ANOM_ABEND'],
  [1702, 'ANOM_LINK'],
  [1703, 'ANOM_CREAT'],
];

/** `'1300'` → `'SYSCALL'`. */
export const RECORD_NAME = new Map(RECORD_TYPES.map(([code, name]) => [String(code), name]));
/** `'SYSCALL'` → `'1300'`. */
export const RECORD_CODE = new Map(RECORD_TYPES.map(([code, name]) => [name, String(code)]));

/** ECS categorization of an audit record type (or of a syscall). */
export interface AuditCategory {
  category: readonly string[];
  type: readonly string[];
}

const c = (category: string, ...type: string[]): AuditCategory => ({ category: [category], type });

/** Record types whose ECS categorization does not depend on their fields. */
export const RECORD_CATEGORY = new Map<string, AuditCategory>([
  ['EXECVE', c('process', 'start')],
  ['PROCTITLE', c('process', 'info')],
  ['CWD', c('process', 'info')],
  ['SOCKADDR', c('network', 'connection')],
  ['USER_LOGIN', { category: ['authentication', 'session'], type: ['start'] }],
  ['USER_LOGOUT', c('session', 'end')],
  ['LOGIN', c('session', 'start')],
  ['USER_AUTH', c('authentication', 'info')],
  ['USER_ACCT', c('authentication', 'info')],
  ['GRP_AUTH', c('authentication', 'info')],
  ['CRED_ACQ', c('authentication', 'info')],
  ['CRED_REFR', c('authentication', 'info')],
  ['CRED_DISP', c('authentication', 'info')],
  ['USER_ERR', c('authentication', 'info')],
  ['USER_START', c('session', 'start')],
  ['USER_END', c('session', 'end')],
  ['USER_CMD', c('process', 'start')],
  ['ADD_USER', c('iam', 'user', 'creation')],
  ['DEL_USER', c('iam', 'user', 'deletion')],
  ['USER_MGMT', c('iam', 'user', 'change')],
  ['USER_CHAUTHTOK', c('iam', 'user', 'change')],
  ['ACCT_LOCK', c('iam', 'user', 'change')],
  ['ACCT_UNLOCK', c('iam', 'user', 'change')],
  ['CHUSER_ID', c('iam', 'user', 'change')],
  ['ADD_GROUP', c('iam', 'group', 'creation')],
  ['DEL_GROUP', c('iam', 'group', 'deletion')],
  ['GRP_MGMT', c('iam', 'group', 'change')],
  ['GRP_CHAUTHTOK', c('iam', 'group', 'change')],
  ['CHGRP_ID', c('iam', 'group', 'change')],
  ['SERVICE_START', c('process', 'start')],
  ['SERVICE_STOP', c('process', 'end')],
  ['SYSTEM_BOOT', c('host', 'start')],
  ['SYSTEM_SHUTDOWN', c('host', 'end')],
  ['SYSTEM_RUNLEVEL', c('host', 'change')],
  ['CONFIG_CHANGE', c('configuration', 'change')],
  ['USYS_CONFIG', c('configuration', 'change')],
  ['NETFILTER_CFG', c('configuration', 'change')],
  ['MAC_POLICY_LOAD', c('configuration', 'change')],
  ['MAC_STATUS', c('configuration', 'change')],
  ['MAC_CONFIG_CHANGE', c('configuration', 'change')],
  ['KERN_MODULE', c('driver', 'change')],
  ['SOFTWARE_UPDATE', c('package', 'change')],
  ['ANOM_PROMISCUOUS', c('host', 'change')],
  ['ANOM_ABEND', c('process', 'end')],
  ['SECCOMP', c('process', 'info')],
]);

/** Record types about an account (`user.target.*`) rather than the acting user. */
export const ACCOUNT_TYPES = new Set(['ADD_USER', 'DEL_USER', 'USER_MGMT', 'USER_CHAUTHTOK', 'ACCT_LOCK', 'ACCT_UNLOCK', 'CHUSER_ID']);
/** Record types about a group (`group.*`). */
export const GROUP_TYPES = new Set(['ADD_GROUP', 'DEL_GROUP', 'GRP_MGMT', 'GRP_CHAUTHTOK', 'CHGRP_ID']);

const SYSCALL_CATEGORY = new Map<string, AuditCategory>();
for (const [category, type, names] of [
  ['process', 'start', 'execve execveat clone clone3 fork vfork'],
  ['process', 'change', 'setuid setgid setreuid setregid setresuid setresgid capset unshare setns'],
  ['process', 'access', 'ptrace process_vm_readv process_vm_writev'],
  ['process', 'info', 'kill tkill tgkill'],
  ['network', 'connection', 'connect accept accept4'],
  ['network', 'start', 'bind listen'],
  ['network', 'info', 'socket'],
  ['file', 'access', 'open openat openat2'],
  ['file', 'creation', 'creat mkdir mkdirat link linkat symlink symlinkat'],
  ['file', 'deletion', 'unlink unlinkat rmdir'],
  ['file', 'change', 'rename renameat renameat2 chmod fchmod fchmodat chown fchown lchown fchownat truncate ftruncate setxattr mount umount2 chroot pivot_root'],
  ['driver', 'start', 'init_module finit_module'],
  ['driver', 'end', 'delete_module'],
  ['host', 'change', 'sethostname reboot bpf'],
] as const) {
  for (const name of names.split(' ')) SYSCALL_CATEGORY.set(name, c(category, type));
}

/** The ECS categorization of a syscall by name. */
export function syscallCategory(name: string): AuditCategory | undefined {
  return SYSCALL_CATEGORY.get(name);
}

// x86_64 (arch=c000003e) and aarch64 (arch=c00000b7) numbers of the syscalls above.
const X86_64 =
  '2 open,41 socket,42 connect,43 accept,49 bind,50 listen,56 clone,57 fork,58 vfork,59 execve,62 kill,76 truncate,77 ftruncate,82 rename,83 mkdir,84 rmdir,85 creat,86 link,87 unlink,88 symlink,90 chmod,91 fchmod,92 chown,93 fchown,94 lchown,101 ptrace,105 setuid,106 setgid,113 setreuid,114 setregid,117 setresuid,119 setresgid,126 capset,155 pivot_root,161 chroot,165 mount,166 umount2,169 reboot,170 sethostname,175 init_module,176 delete_module,188 setxattr,200 tkill,234 tgkill,257 openat,258 mkdirat,260 fchownat,263 unlinkat,264 renameat,265 linkat,266 symlinkat,268 fchmodat,272 unshare,288 accept4,308 setns,310 process_vm_readv,311 process_vm_writev,313 finit_module,316 renameat2,321 bpf,322 execveat,435 clone3,437 openat2';
const AARCH64 =
  '5 setxattr,34 mkdirat,35 unlinkat,36 symlinkat,37 linkat,38 renameat,39 umount2,40 mount,41 pivot_root,45 truncate,46 ftruncate,51 chroot,52 fchmod,53 fchmodat,54 fchownat,55 fchown,56 openat,91 capset,97 unshare,105 init_module,106 delete_module,117 ptrace,129 kill,130 tkill,131 tgkill,142 reboot,143 setregid,144 setgid,145 setreuid,146 setuid,147 setresuid,149 setresgid,161 sethostname,198 socket,200 bind,201 listen,202 accept,203 connect,220 clone,221 execve,242 accept4,268 setns,270 process_vm_readv,271 process_vm_writev,273 finit_module,276 renameat2,280 bpf,281 execveat,435 clone3,437 openat2';

const table = (list: string) => new Map(list.split(',').map((entry) => entry.split(' ') as [string, string]));
const SYSCALLS = new Map([
  ['c000003e', table(X86_64)],
  ['c00000b7', table(AARCH64)],
]);

/** `('c000003e', '59')` → `'execve'`; undefined for other architectures and numbers. */
export function syscallName(arch: string | undefined, number: string): string | undefined {
  return arch ? SYSCALLS.get(arch)?.get(number) : undefined;
}
