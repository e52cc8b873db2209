import { BlockList } from 'node:net';
import type { DatabaseSync } from 'node:sqlite';

const MAX_CACHED_NETWORKS = 256;

/**
 * Registers the JavaScript functions compiled queries use:
 * - `vigil_lower(text)`: Unicode lower-casing (SQLite's lower() folds ASCII only);
 * - `vigil_ip_in(ip, 'network/prefix')`: 1 when the address is inside the network.
 */
export function registerSqlFunctions(db: DatabaseSync): void {
  db.function('vigil_lower', { deterministic: true }, (value) => (typeof value === 'string' ? value.toLowerCase() : value));
  const networks = new Map<string, BlockList>();
  db.function('vigil_ip_in', { deterministic: true }, (ip, cidr) => {
    if (typeof ip !== 'string' || typeof cidr !== 'string') return 0;
    let list = networks.get(cidr);
    if (!list) {
      list = networkList(cidr);
      if (networks.size >= MAX_CACHED_NETWORKS) networks.clear();
      networks.set(cidr, list);
    }
    const family = ip.includes(':') ? 'ipv6' : 'ipv4';
    try {
      return list.check(ip, family) ? 1 : 0;
    } catch {
      // A stored value that is not an address is simply not in the network.
      return 0;
    }
  });
}

function networkList(cidr: string): BlockList {
  const slash = cidr.lastIndexOf('/');
  const address = cidr.slice(0, slash);
  const prefix = Number(cidr.slice(slash + 1));
  const list = new BlockList();
  list.addSubnet(address, prefix, address.includes(':') ? 'ipv6' : 'ipv4');
  return list;
}
