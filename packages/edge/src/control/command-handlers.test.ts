import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from '@vigil/fleet';
import { Metrics, createLogger, parseConfig, silentLogger } from '@vigil/runtime';
import { edgeConfigSchema, type EdgeConfig } from '../config.ts';
import { EdgeCommandHandler } from './command-handlers.ts';
import { ConfigReloader, changedPaths } from './config-reloader.ts';
import { SourceAccessList } from './source-access-list.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function command(fields: Pick<Command, 'action' | 'args'>): Command {
  return { type: 'command', id: randomUUID(), edgeId: 'edge-test-1', issuedAtMs: Date.now(), expiresAtMs: Date.now() + 60_000, issuedBy: 'alice', ...fields } as Command;
}

/** What the CLI's edge role reloads: the log level and the edge section, from a JSON file as an operator edits it. */
interface EdgeSettings {
  logLevel: string;
  edge: EdgeConfig;
}

function readSettings(file: string): EdgeSettings {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { logLevel?: string; edge?: unknown };
  return { logLevel: raw.logLevel ?? 'info', edge: parseConfig(edgeConfigSchema, raw.edge ?? {}, file) };
}

describe('edge command handlers', () => {
  it('set-log-level changes the level of the process logger and of the loggers made from it', async () => {
    const logger = createLogger({ level: 'warn' });
    const child = logger.child({ role: 'edge' }).child({ part: 'syslog' });
    const handler = new EdgeCommandHandler({ logger, accessList: new SourceAccessList({ metrics: new Metrics({ defaultMetrics: false }), logger }), reloader: { reload: async () => ({ applied: [], needsRestart: [] }) } });
    expect(child.isLevelEnabled('debug')).toBe(false);
    expect(await handler.execute(command({ action: 'set-log-level', args: { level: 'debug' } }))).toEqual({ status: 'succeeded', detail: 'log level warn → debug' });
    expect(child.isLevelEnabled('debug')).toBe(true);
    expect(await handler.execute(command({ action: 'set-log-level', args: { level: 'debug' } }))).toEqual({ status: 'succeeded', detail: 'log level was already debug' });
  });

  it('reload-config applies the log level and blocked sources live and names what needs a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-reload-'));
    dirs.push(dir);
    const file = join(dir, 'vigil.json');
    writeFileSync(file, JSON.stringify({ logLevel: 'info', edge: { http: { port: 8088 }, blockedSources: ['198.51.100.0/24'] } }));
    const logger = createLogger({ level: 'info' });
    const initial = readSettings(file);
    const accessList = new SourceAccessList({ configured: initial.edge.blockedSources, stateFile: join(dir, 'blocked-sources.json'), metrics: new Metrics({ defaultMetrics: false }), logger: silentLogger() });
    const reloader = new ConfigReloader<EdgeSettings>({
      initial,
      load: () => readSettings(file),
      live: [
        { path: 'logLevel', apply: (next) => void (logger.level = next.logLevel) },
        {
          path: 'edge.blockedSources',
          apply: (next) => {
            const { added, removed } = accessList.setConfigured(next.edge.blockedSources);
            return `${added.length} added, ${removed.length} removed`;
          },
        },
      ],
    });
    const handler = new EdgeCommandHandler({ logger, accessList, reloader });
    const reload = () => handler.execute(command({ action: 'reload-config', args: {} }));

    expect(await reload()).toEqual({ status: 'succeeded', detail: 'nothing to apply live' });
    writeFileSync(file, JSON.stringify({ logLevel: 'debug', edge: { http: { port: 9088, maxBodyBytes: 1_048_576 }, blockedSources: ['192.0.2.0/24', '2001:db8::/48'] } }));
    expect(await reload()).toEqual({
      status: 'succeeded',
      detail: 'applied: logLevel, edge.blockedSources (2 added, 1 removed); needs a restart: edge.http.maxBodyBytes, edge.http.port',
    });
    expect(logger.level).toBe('debug');
    expect(accessList.isBlocked('192.0.2.77')).toBe(true);
    expect(accessList.isBlocked('2001:db8:0:1::5')).toBe(true);
    expect(accessList.isBlocked('198.51.100.4')).toBe(false);
    // Still waiting for a restart, so said again; the live settings did not change since.
    expect((await reload()).detail).toBe('nothing to apply live; needs a restart: edge.http.maxBodyBytes, edge.http.port');

    writeFileSync(file, JSON.stringify({ logLevel: 'trace', edge: { http: { port: 'eighty' } } }));
    const failed = await reload();
    expect(failed.status).toBe('failed');
    expect(failed.detail).toMatch(/could not be reloaded, nothing was changed: [^]*http\.port/);
    expect(logger.level).toBe('debug');
    expect(accessList.isBlocked('192.0.2.77')).toBe(true);
  });

  it('compares configurations by leaf, arrays as one value', () => {
    expect(changedPaths({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { b: 1, c: [1, 3] }, d: 'y', e: true })).toEqual(['a.c', 'd', 'e']);
  });
});
