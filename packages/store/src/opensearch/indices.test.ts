import { describe, expect, it } from 'vitest';
import { FIXTURE_EVENTS } from '../contract/event-fixtures.ts';
import type { StorableEvent } from '../store.ts';
import { eventsIndexFor, eventsIndexSpan, indexNames, nextPeriodStart, routingTime } from './indices.ts';
import { ismRetentionPolicy } from './ism-policy.ts';

const names = indexNames('vigil');
const ms = (iso: string) => Date.parse(iso);

describe('events indices', () => {
  it('routes an event by the edge’s receipt time, falling back to @timestamp, so a replay lands in the same index', () => {
    const event = structuredClone(FIXTURE_EVENTS[0]!);
    expect(routingTime(event)).toBe(ms('2024-05-14T08:00:00Z'));
    const stamped: StorableEvent = { ...event, event: { ...event.event, created: '2024-05-14T23:59:59.999+00:00' } };
    expect(routingTime(stamped)).toBe(ms('2024-05-14T23:59:59.999Z'));
    const skewed: StorableEvent = { ...stamped, '@timestamp': '2031-01-01T00:00:00Z' };
    expect(eventsIndexFor(names, 'day', routingTime(skewed)!)).toBe('vigil-events-2024.05.14');
  });

  it('names an index per hour, day or month in UTC', () => {
    const at = ms('2024-05-14T10:09:00+02:00');
    expect(eventsIndexFor(names, 'hour', at)).toBe('vigil-events-2024.05.14.08');
    expect(eventsIndexFor(names, 'day', at)).toBe('vigil-events-2024.05.14');
    expect(eventsIndexFor(names, 'month', at)).toBe('vigil-events-2024.05');
  });

  it('knows when the next period starts, across month and year ends', () => {
    expect(nextPeriodStart('day', ms('2024-02-29T12:00:00Z'))).toBe(ms('2024-03-01T00:00:00Z'));
    expect(nextPeriodStart('month', ms('2024-12-31T23:59:59Z'))).toBe(ms('2025-01-01T00:00:00Z'));
    expect(nextPeriodStart('hour', ms('2024-12-31T23:10:00Z'))).toBe(ms('2025-01-01T00:00:00Z'));
  });

  it('reads the span an index covers back from its name, whatever the period, and ignores names it did not make', () => {
    expect(eventsIndexSpan(names, 'vigil-events-2024.05.14')).toEqual({ start: ms('2024-05-14T00:00:00Z'), end: ms('2024-05-15T00:00:00Z') });
    expect(eventsIndexSpan(names, 'vigil-events-2024.05.14.23')).toEqual({ start: ms('2024-05-14T23:00:00Z'), end: ms('2024-05-15T00:00:00Z') });
    expect(eventsIndexSpan(names, 'vigil-events-2024.12')).toEqual({ start: ms('2024-12-01T00:00:00Z'), end: ms('2025-01-01T00:00:00Z') });
    for (const other of ['vigil-events-000001', 'vigil-events-2024.13', 'vigil-alerts', 'other-events-2024.05.14', 'vigil-events-2024.05.14-restored']) {
      expect(eventsIndexSpan(names, other), other).toBeNull();
    }
  });
});

describe('ISM retention policy', () => {
  it('deletes events indices no sooner than Vigil’s own retention, and is absent when retention is off', () => {
    const policy = ismRetentionPolicy({ indexPrefix: 'vigil', eventsRetentionDays: 30, rollover: { period: 'day', checkIntervalMs: 60_000 } });
    expect(policy).toMatchObject({
      policy: {
        default_state: 'hot',
        states: [
          { name: 'hot', transitions: [{ state_name: 'delete', conditions: { min_index_age: '768h' } }] },
          { name: 'delete', actions: [{ delete: {} }] },
        ],
        ism_template: [{ index_patterns: ['vigil-events-*'] }],
      },
    });
    expect(ismRetentionPolicy({ indexPrefix: 'vigil', eventsRetentionDays: null, rollover: { period: 'day', checkIntervalMs: 60_000 } })).toBeNull();
  });
});
