import { readFile } from 'node:fs/promises';
import { describeError, type Component, type Logger } from '@vigil/runtime';
import { NetworkMap } from '../../net/network-map.ts';
import { csvRecords } from '../intel/csv-records.ts';
import { ASSET_CRITICALITIES, type AssetCriticality } from '@vigil/schema';
import type { AssetConfig } from './config.ts';

/** One asset of the inventory. */
export interface Asset {
  /** How the inventory names it (the host when the file gives no name). */
  readonly name: string;
  readonly owner: string | undefined;
  readonly criticality: AssetCriticality;
}

/** A row the inventory could not take, with where it is. */
export interface AssetProblem {
  readonly at: string;
  readonly message: string;
}

/**
 * Assets by host name, address and network, as read from one file. An address belongs to the
 * most specific network (or single address) that holds it; a later row for the same host name,
 * address or network replaces an earlier one.
 */
export class AssetTable {
  readonly #byName = new Map<string, Asset>();
  readonly #byAddress = new NetworkMap<Asset>();
  readonly problems: AssetProblem[] = [];

  get size(): number {
    return this.#byName.size + this.#byAddress.size;
  }

  /** Reads CSV (`host,name,owner,criticality` header) or JSON (array of objects); bad rows become problems. */
  static parse(text: string, file: string): AssetTable {
    const table = new AssetTable();
    const trimmed = text.trimStart();
    if (trimmed.startsWith('[')) {
      let rows: unknown;
      try {
        rows = JSON.parse(text);
      } catch (error) {
        table.problems.push({ at: file, message: `not JSON: ${(error as Error).message}` });
        return table;
      }
      (Array.isArray(rows) ? rows : []).forEach((row, index) => {
        const record = row !== null && typeof row === 'object' ? (row as Record<string, unknown>) : {};
        table.#add(`${file} entry ${index + 1}`, cellText(record.host), cellText(record.name), cellText(record.owner), cellText(record.criticality));
      });
      return table;
    }
    let columns: string[] | undefined;
    for (const record of csvRecords(text)) {
      const at = `${file}:${record.line}`;
      if (record.error !== undefined) {
        table.problems.push({ at, message: record.error });
        continue;
      }
      if (!columns) {
        columns = record.fields.map((field) => field.trim().toLowerCase());
        if (!columns.includes('host')) table.problems.push({ at, message: 'the header row needs a host column' });
        continue;
      }
      const get = (column: string) => {
        const index = columns!.indexOf(column);
        return index < 0 ? undefined : record.fields[index]?.trim() || undefined;
      };
      table.#add(at, get('host'), get('name'), get('owner'), get('criticality'));
    }
    return table;
  }

  /** The asset an address or host name belongs to. */
  find(hostOrAddress: string): Asset | undefined {
    return this.#byAddress.get(hostOrAddress) ?? this.#byName.get(hostOrAddress.toLowerCase());
  }

  #add(at: string, host: string | undefined, name: string | undefined, owner: string | undefined, criticalityText: string | undefined): void {
    const criticality = criticalityText?.toLowerCase();
    if (!host) return void this.problems.push({ at, message: 'no host' });
    if (!criticality || !(ASSET_CRITICALITIES as readonly string[]).includes(criticality)) {
      return void this.problems.push({ at, message: `criticality must be one of ${ASSET_CRITICALITIES.join(', ')}, not ${JSON.stringify(criticalityText ?? '')}` });
    }
    const asset: Asset = { name: name ?? host, owner, criticality: criticality as AssetCriticality };
    if (this.#byAddress.set(host, asset)) return;
    if (host.includes('/')) return void this.problems.push({ at, message: `${JSON.stringify(host)} is not a network` });
    this.#byName.set(host.toLowerCase(), asset);
  }
}

function cellText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : undefined;
}

/**
 * The asset inventory as a component: read at start (a file that cannot be read stops the
 * start), read again every `refreshIntervalMs` (a failed read keeps the previous inventory and
 * is logged). `assetOf` finds the asset an event is about: its host, else its destination.
 */
export class AssetInventory implements Component {
  readonly name = 'asset-inventory';
  readonly #config: AssetConfig;
  readonly #logger: Logger;
  #table = new AssetTable();
  #timer: NodeJS.Timeout | undefined;

  constructor(config: AssetConfig, deps: { logger: Logger }) {
    this.#config = config;
    this.#logger = deps.logger;
  }

  get table(): AssetTable {
    return this.#table;
  }

  async start(): Promise<void> {
    await this.#load();
    this.#timer = setInterval(() => {
      this.#load().catch((error: unknown) => this.#logger.warn({ code: 'VIGIL_ERR_ASSETS_UNREADABLE', path: this.#config.path, err: describeError(error) }, 'asset inventory not refreshed; keeping the previous one'));
    }, this.#config.refreshIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
  }

  /** The asset of the event's host (host.hostname, host.name, host.ip), else of its destination (destination.ip, destination.domain). */
  assetOf(event: { host?: { hostname?: string; name?: string; ip?: string[] }; destination?: { ip?: string; domain?: string } }): Asset | undefined {
    const table = this.#table;
    const candidates = [event.host?.hostname, event.host?.name, ...(event.host?.ip ?? []), event.destination?.ip, event.destination?.domain];
    for (const candidate of candidates) {
      if (typeof candidate !== 'string') continue;
      const asset = table.find(candidate);
      if (asset) return asset;
    }
    return undefined;
  }

  async #load(): Promise<void> {
    const table = AssetTable.parse(await readFile(this.#config.path, 'utf8'), this.#config.path);
    for (const problem of table.problems.slice(0, 10)) this.#logger.warn({ code: 'VIGIL_ERR_ASSETS_ROW_INVALID', at: problem.at }, `asset row skipped: ${problem.message}`);
    this.#table = table;
  }
}
