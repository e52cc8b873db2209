import { describe, expect, it } from 'vitest';
import { eventTimeMs } from './event-time.ts';

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

describe('event time', () => {
  it('uses the source timestamp when it is plausible', () => {
    expect(eventTimeMs({ '@timestamp': '2026-11-20T03:14:07.250Z', event: { created: '2026-11-20T03:14:08Z' } }, DAY)).toBe(at('2026-11-20T03:14:07.250Z'));
  });

  it('never puts an event after the edge received it or the core ingested it', () => {
    expect(eventTimeMs({ '@timestamp': '2027-01-01T00:00:00Z', event: { created: '2026-11-20T03:14:08Z' } }, DAY)).toBe(at('2026-11-20T03:14:08Z'));
    expect(eventTimeMs({ '@timestamp': '2026-11-20T03:20:00Z', event: { created: '2026-11-20T03:20:00Z', ingested: '2026-11-20T03:15:00Z' } }, DAY)).toBe(at('2026-11-20T03:15:00Z'));
  });

  it('never puts an event further back than the allowed delay before its receipt', () => {
    expect(eventTimeMs({ '@timestamp': '1970-01-01T00:00:00Z', event: { created: '2026-11-20T03:14:08Z' } }, DAY)).toBe(at('2026-11-19T03:14:08Z'));
  });

  it('falls back to receipt times when the source time is missing or unreadable', () => {
    expect(eventTimeMs({ event: { created: '2026-11-20T03:14:08Z' } }, DAY)).toBe(at('2026-11-20T03:14:08Z'));
    expect(eventTimeMs({ '@timestamp': 'yesterday', event: { ingested: '2026-11-20T03:14:09Z' } } as never, DAY)).toBe(at('2026-11-20T03:14:09Z'));
    expect(eventTimeMs({ message: 'no time at all' }, DAY)).toBeUndefined();
  });
});
