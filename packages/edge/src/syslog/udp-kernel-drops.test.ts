import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readKernelUdpDrops } from './udp-kernel-drops.ts';

const HEADER = '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops';

describe('kernel UDP drops', () => {
  it('reads the drops column of the socket bound to the port, over IPv4 and IPv6 tables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-proc-'));
    writeFileSync(join(dir, 'udp'), `${HEADER}\n  412: 0100007F:158A 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 98765 2 0000000000000000 17\n  413: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 98766 2 0000000000000000 99\n`);
    writeFileSync(join(dir, 'udp6'), `${HEADER}\n  100: 00000000000000000000000000000000:158A 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5555 2 0000000000000000 3\n`);
    expect(readKernelUdpDrops(5514, [join(dir, 'udp'), join(dir, 'udp6')])).toBe(20);
    expect(readKernelUdpDrops(9999, [join(dir, 'udp')])).toBeNull();
    expect(readKernelUdpDrops(5514, [join(dir, 'missing')])).toBeNull();
  });
});
