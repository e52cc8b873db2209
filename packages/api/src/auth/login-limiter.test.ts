import { describe, expect, it } from 'vitest';
import { LoginLimiter } from './login-limiter.ts';

describe('login limiter', () => {
  it('blocks a username from one address after the allowed failures, until the window ends', () => {
    const limiter = new LoginLimiter({ maxFailures: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) limiter.recordFailure('admin', '203.0.113.50', 1_000 + i);
    expect(limiter.retryAfterSeconds('admin', '203.0.113.50', 2_000)).toBe(59);
    expect(limiter.retryAfterSeconds('admin', '198.51.100.7', 2_000)).toBe(0);
    expect(limiter.retryAfterSeconds('alice', '203.0.113.50', 2_000)).toBe(0);
    expect(limiter.retryAfterSeconds('admin', '203.0.113.50', 61_000)).toBe(0);
  });

  it('forgets failures after a success and stays bounded under a username spray', () => {
    const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 60_000, maxEntries: 100 });
    limiter.recordFailure('admin', '203.0.113.50', 0);
    limiter.recordSuccess('admin', '203.0.113.50');
    limiter.recordFailure('admin', '203.0.113.50', 1);
    expect(limiter.retryAfterSeconds('admin', '203.0.113.50', 2)).toBe(0);
    for (let i = 0; i < 1_000; i++) limiter.recordFailure(`user${i}`, '203.0.113.50', 10);
    limiter.recordFailure('user999', '203.0.113.50', 11);
    expect(limiter.retryAfterSeconds('user999', '203.0.113.50', 12)).toBeGreaterThan(0);
  });
});
