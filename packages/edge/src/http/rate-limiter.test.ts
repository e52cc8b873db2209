import { describe, expect, it } from 'vitest';
import { KeyRateLimiter } from './rate-limiter.ts';

const alice = { id: 'a1', name: 'alice' };
const bob = { id: 'b2', name: 'bob' };

describe('per-key rate limits', () => {
  it('lets a key send its burst, then its rate, and says how long to wait', () => {
    let clock = 0;
    const limiter = new KeyRateLimiter({ eventsPerSecond: 100, burstEvents: 500, now: () => clock });
    expect(limiter.take(alice, 400)).toEqual({ ok: true });
    expect(limiter.take(alice, 200)).toMatchObject({ ok: false, retryAfterSeconds: 1 });
    // Another key has its own bucket.
    expect(limiter.take(bob, 500)).toEqual({ ok: true });
    clock = 1_000;
    expect(limiter.take(alice, 200)).toEqual({ ok: true });
    expect(limiter.take(alice, 300)).toMatchObject({ ok: false, retryAfterSeconds: 3 });
  });

  it('lets a request larger than the bucket through once the bucket is full, leaving it in debt', () => {
    let clock = 0;
    const limiter = new KeyRateLimiter({ eventsPerSecond: 100, burstEvents: 50, now: () => clock });
    expect(limiter.take(alice, 120)).toEqual({ ok: true });
    expect(limiter.take(alice, 1)).toMatchObject({ ok: false });
    clock = 600;
    expect(limiter.take(alice, 1)).toMatchObject({ ok: false, retryAfterSeconds: 1 });
    clock = 800;
    expect(limiter.take(alice, 1)).toEqual({ ok: true });
  });

  it('applies overrides by key name or id, and 0 turns the limit off', () => {
    const limiter = new KeyRateLimiter({
      eventsPerSecond: 10,
      burstEvents: 10,
      perKey: { alice: { eventsPerSecond: 0, burstEvents: 1 }, b2: { eventsPerSecond: 1, burstEvents: 2 } },
      now: () => 0,
    });
    expect(limiter.take(alice, 1_000_000)).toEqual({ ok: true });
    expect(limiter.take(bob, 2)).toEqual({ ok: true });
    expect(limiter.take(bob, 1)).toMatchObject({ ok: false, limit: { eventsPerSecond: 1, burstEvents: 2 } });
    expect(limiter.limitFor({ id: 'c3', name: 'carol' })).toEqual({ eventsPerSecond: 10, burstEvents: 10 });
  });

  it('forgets idle keys rather than growing without bound', () => {
    let clock = 0;
    const limiter = new KeyRateLimiter({ eventsPerSecond: 10, burstEvents: 10, maxKeys: 2, now: () => clock });
    expect(limiter.take(alice, 10)).toEqual({ ok: true });
    clock = 5_000;
    for (let i = 0; i < 5; i++) expect(limiter.take({ id: `k${i}`, name: `k${i}` }, 1)).toEqual({ ok: true });
    // A busy key keeps its debt while idle ones are forgotten.
    expect(limiter.take(bob, 10)).toEqual({ ok: true });
    expect(limiter.take(bob, 5)).toMatchObject({ ok: false });
  });
});
