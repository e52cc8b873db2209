import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Heartbeat } from '@vigil/fleet';
import type { FleetRepository } from './fleet-repository.ts';
import { createSqliteFleetRepository } from './sqlite-fleet-repository.ts';

const T0 = Date.parse('2026-02-03T10:00:00.000Z');
const COMMAND_ID = '5b0b6f56-3d3a-4a44-9d55-0e5b2f1b7c01';

let dir: string;
let path: string;
let repository: FleetRepository;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-fleet-repo-'));
  path = join(dir, 'auth.db');
  repository = createSqliteFleetRepository(path);
});

afterEach(async () => {
  await repository.close();
  rmSync(dir, { recursive: true, force: true });
});

function heartbeat(sentAtMs: number, bootId = 'boot-1'): Heartbeat {
  return {
    type: 'heartbeat', edgeId: 'dc1-fw-edge', bootId, version: '0.4.0', sentAtMs, startedAtMs: T0 - 60_000, intervalMs: 5_000,
    eventsPerSecond: 120, received: 9_000, published: 8_990, inFlight: 10, drops: { 'udp-buffer-full': 3 },
    certificate: { serial: '6A1F', notAfter: '2027-02-03T10:00:00.000Z' },
  };
}

describe('enrollment tokens', () => {
  it('keeps only a hash of the token, which works once and only until it expires', async () => {
    const created = await repository.createEnrollmentToken({ edgeId: 'dc1-fw-edge', ttlMs: 3_600_000 }, T0);
    expect(created.token).toMatch(/^vget_[A-Za-z0-9_-]{43}$/);
    expect(created.expiresAtMs).toBe(T0 + 3_600_000);
    await repository.close();
    expect(readFileSync(path).includes(created.token.slice(5))).toBe(false);
    repository = createSqliteFleetRepository(path);

    expect(await repository.findEnrollmentToken(created.token, T0 + 1000)).toBe('dc1-fw-edge');
    expect(await repository.findEnrollmentToken(created.token, T0 + 3_600_000)).toBeNull();
    const [first, second] = await Promise.all([repository.consumeEnrollmentToken(created.token, T0 + 1000), repository.consumeEnrollmentToken(created.token, T0 + 1000)]);
    expect([first, second].sort()).toEqual(['dc1-fw-edge', null].sort());
    expect(await repository.findEnrollmentToken(created.token, T0 + 2000)).toBeNull();
    expect(await repository.consumeEnrollmentToken(created.token, T0 + 2000)).toBeNull();
  });

  it('refuses expired, unknown and malformed tokens', async () => {
    const created = await repository.createEnrollmentToken({ edgeId: 'dc2-edge', ttlMs: 60_000 }, T0);
    expect(await repository.consumeEnrollmentToken(created.token, T0 + 60_000)).toBeNull();
    expect(await repository.consumeEnrollmentToken(`vget_${'A'.repeat(43)}`, T0)).toBeNull();
    expect(await repository.consumeEnrollmentToken("vget_' OR 1=1 --", T0)).toBeNull();
  });

  it('makes a new database file private to its owner', () => {
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe('edges, certificates and revocations', () => {
  it('records enrollment once and every certificate, newest first', async () => {
    await repository.recordCertificate('dc1-fw-edge', { serial: 'A1', notAfterMs: T0 + 365 * 86_400_000, via: 'enroll' }, T0);
    await repository.recordCertificate('dc1-fw-edge', { serial: 'B2', notAfterMs: T0 + 700 * 86_400_000, via: 'renew' }, T0 + 5000);
    const edge = await repository.getEdge('dc1-fw-edge');
    expect(edge).toMatchObject({ edgeId: 'dc1-fw-edge', enrolledAtMs: T0, firstSeenAtMs: T0, revokedAtMs: null, lastHeartbeat: null });
    expect(edge?.certificates.map((certificate) => [certificate.serial, certificate.via])).toEqual([['B2', 'renew'], ['A1', 'enroll']]);
    expect(await repository.getEdge('nope')).toBeNull();
  });

  it('revokes idempotently, even edges never seen, with a list whose issue time grows with every revocation', async () => {
    const first = await repository.revokeEdge('lost-laptop', 'stolen', T0);
    expect(first).toMatchObject({ edgeId: 'lost-laptop', revokedAtMs: T0, revocationReason: 'stolen', enrolledAtMs: null });
    const again = await repository.revokeEdge('lost-laptop', 'other reason', T0 + 10);
    expect(again).toMatchObject({ revokedAtMs: T0, revocationReason: 'stolen' });

    const before = await repository.revocations();
    // Same millisecond: the list must still be newer, or readers would keep the old one.
    await repository.revokeEdge('dc2-edge', 'decommissioned', T0);
    const after = await repository.revocations();
    expect(after.issuedAtMs).toBeGreaterThan(before.issuedAtMs);
    expect(after.revoked).toEqual([
      { edgeId: 'lost-laptop', revokedAtMs: T0, reason: 'stolen' },
      { edgeId: 'dc2-edge', revokedAtMs: T0 + 1, reason: 'decommissioned' },
    ]);
    expect((await repository.listEdges()).map((edge) => edge.edgeId)).toEqual(['dc2-edge', 'lost-laptop']);
  });
});

describe('heartbeats', () => {
  it('keeps the newest heartbeat of a boot with the clock offset, ignoring late ones, and accepts a new boot with a clock set back', async () => {
    expect(await repository.recordHeartbeat(heartbeat(T0), T0 + 250)).toBe(true);
    expect(await repository.recordHeartbeat(heartbeat(T0 + 5000), T0 + 5300)).toBe(true);
    expect(await repository.recordHeartbeat(heartbeat(T0), T0 + 9000)).toBe(false);
    let edge = await repository.getEdge('dc1-fw-edge');
    expect(edge?.lastHeartbeat).toMatchObject({ receivedAtMs: T0 + 5300, clockOffsetMs: 300, heartbeat: { sentAtMs: T0 + 5000 } });
    expect(edge?.firstSeenAtMs).toBe(T0 + 250);
    expect(edge?.enrolledAtMs).toBeNull();

    expect(await repository.recordHeartbeat(heartbeat(T0 - 120_000, 'boot-2'), T0 + 10_000)).toBe(true);
    edge = await repository.getEdge('dc1-fw-edge');
    expect(edge?.lastHeartbeat?.clockOffsetMs).toBe(130_000);
  });
});

describe('commands', () => {
  const command = { id: COMMAND_ID, edgeId: 'dc1-fw-edge', action: 'block-source' as const, args: { address: '203.0.113.50' }, issuedBy: 'admin', issuedAtMs: T0, expiresAtMs: T0 + 300_000 };
  const result = { type: 'command-result' as const, commandId: COMMAND_ID, edgeId: 'dc1-fw-edge', action: 'block-source' as const, detail: 'blocked 203.0.113.50', atMs: T0 + 2000 };

  beforeEach(async () => {
    await repository.recordCertificate('dc1-fw-edge', { serial: 'A1', notAfterMs: T0 + 86_400_000, via: 'enroll' }, T0);
  });

  it('moves a pending command to the status its result reports, once', async () => {
    expect(await repository.createCommand(command)).toMatchObject({ status: 'pending', detail: null, completedAtMs: null });
    expect(await repository.recordCommandResult({ ...result, status: 'succeeded' }, T0 + 2500)).toBe('recorded');
    expect(await repository.recordCommandResult({ ...result, status: 'failed', detail: 'again' }, T0 + 3000)).toBe('already-final');
    expect(await repository.getCommand(COMMAND_ID, T0 + 3000)).toMatchObject({ status: 'succeeded', detail: 'blocked 203.0.113.50', completedAtMs: T0 + 2500, args: { address: '203.0.113.50' } });
  });

  it('ignores results for unknown commands and for commands of another edge', async () => {
    await repository.createCommand(command);
    expect(await repository.recordCommandResult({ ...result, commandId: '00000000-0000-4000-8000-000000000000', status: 'succeeded' }, T0)).toBe('unknown-command');
    expect(await repository.recordCommandResult({ ...result, edgeId: 'dc2-edge', status: 'succeeded' }, T0)).toBe('edge-mismatch');
    expect((await repository.getCommand(COMMAND_ID, T0))?.status).toBe('pending');
  });

  it('marks commands expired when read after their expiry, and lets a late result from the edge replace that', async () => {
    await repository.createCommand(command);
    const second = { ...command, id: '7c1e2d3a-0b4f-4c5d-8e6f-1a2b3c4d5e6f', action: 'reload-config' as const, args: {}, issuedAtMs: T0 + 1000, expiresAtMs: T0 + 900_000 };
    await repository.createCommand(second);
    const listed = await repository.listCommands('dc1-fw-edge', 10, T0 + 300_000);
    expect(listed.map((entry) => [entry.id, entry.status])).toEqual([[second.id, 'pending'], [COMMAND_ID, 'expired']]);
    expect(listed[1]).toMatchObject({ detail: 'no result from the edge before the command expired', completedAtMs: T0 + 300_000 });
    expect(await repository.recordCommandResult({ ...result, status: 'succeeded' }, T0 + 300_500)).toBe('recorded');
    expect((await repository.getCommand(COMMAND_ID, T0 + 301_000))?.status).toBe('succeeded');
    expect(await repository.listCommands('dc1-fw-edge', 1, T0)).toHaveLength(1);
  });

  it('closes a command the core could not deliver', async () => {
    await repository.createCommand(command);
    await repository.closeCommand(COMMAND_ID, 'failed', 'not published to the bus: broker down', T0 + 100);
    expect(await repository.getCommand(COMMAND_ID, T0 + 200)).toMatchObject({ status: 'failed', detail: 'not published to the bus: broker down' });
  });
});
