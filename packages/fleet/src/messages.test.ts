import { describe, expect, it } from 'vitest';
import { MAX_HEARTBEAT_INTERVAL_MS, heartbeatSchema } from './messages.ts';

const heartbeat = {
  type: 'heartbeat',
  edgeId: 'edge-1',
  bootId: 'boot-1',
  version: '0.1.0',
  sentAtMs: 1_795_525_840_322,
  startedAtMs: 1_795_525_800_000,
  intervalMs: 5_000,
  eventsPerSecond: 12.5,
  received: 100,
  published: 100,
  inFlight: 0,
  drops: {},
  certificate: { serial: '0A', notAfter: '2027-11-24T00:00:00.000Z' },
};

describe('heartbeatSchema', () => {
  it('takes a heartbeat as edges send it', () => {
    expect(heartbeatSchema.safeParse(heartbeat).success).toBe(true);
  });

  it('refuses an interval longer than any edge may be configured with, so an edge cannot go quiet unnoticed', () => {
    expect(heartbeatSchema.safeParse({ ...heartbeat, intervalMs: MAX_HEARTBEAT_INTERVAL_MS }).success).toBe(true);
    expect(heartbeatSchema.safeParse({ ...heartbeat, intervalMs: MAX_HEARTBEAT_INTERVAL_MS + 1 }).success).toBe(false);
  });
});
