import { readFileSync } from 'node:fs';

/**
 * Datagrams the kernel dropped for a UDP socket because its receive buffer was full: the
 * `drops` column of /proc/net/udp and /proc/net/udp6 for the socket's local port (Linux).
 * Returns null where the files do not exist, so callers can say the figure is unavailable.
 */
export function readKernelUdpDrops(localPort: number, procFiles = ['/proc/net/udp', '/proc/net/udp6']): number | null {
  const portHex = localPort.toString(16).toUpperCase().padStart(4, '0');
  let found = false;
  let drops = 0;
  for (const file of procFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      const local = columns[1];
      if (!local || local.slice(local.lastIndexOf(':') + 1) !== portHex) continue;
      found = true;
      drops += Number(columns[columns.length - 1]) || 0;
    }
  }
  return found ? drops : null;
}
