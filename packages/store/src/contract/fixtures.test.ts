import { describe, expect, it } from 'vitest';
import { alertSchema, validateEvent } from '@vigil/schema';
import { FIXTURE_ALERTS } from './alert-fixtures.ts';
import { FIXTURE_EVENTS, IDS } from './event-fixtures.ts';
import { QUERY_CASES } from './event-query-cases.ts';

describe('store contract fixtures', () => {
  it('are valid ECS events with unique ids', () => {
    for (const event of FIXTURE_EVENTS) expect(validateEvent(event)).toEqual({ ok: true, event });
    expect(new Set(FIXTURE_EVENTS.map((event) => event.event.id)).size).toBe(FIXTURE_EVENTS.length);
    expect([...IDS.all].sort()).toEqual(FIXTURE_EVENTS.map((event) => event.event.id).sort());
  });

  it('are valid alerts', () => {
    for (const alert of FIXTURE_ALERTS) expect(alertSchema.safeParse(alert).success).toBe(true);
  });

  it('expect only fixture ids, each once per case', () => {
    const known = new Set(IDS.all);
    for (const { query, ids } of QUERY_CASES) {
      expect(ids.filter((id) => !known.has(id)), query).toEqual([]);
      expect(new Set(ids).size, query).toBe(ids.length);
    }
  });
});
