import { describe, expect, it } from 'vitest';
import { takeEvents } from './live.ts';

describe('takeEvents (Server-Sent Events framing)', () => {
  it('takes complete events, skips comments, and keeps a partial one for the next read', () => {
    const { events, rest } = takeEvents(': connected\n\nevent: alert\ndata: {"id":"a1"}\n\n: keep-alive\n\nevent: alert\ndata: {"id":');
    expect(events).toEqual([{ event: 'alert', data: '{"id":"a1"}' }]);
    expect(rest).toBe('event: alert\ndata: {"id":');
    expect(takeEvents(`${rest}"a2"}\n\n`).events).toEqual([{ event: 'alert', data: '{"id":"a2"}' }]);
  });

  it('joins multi-line data, defaults the event name, and reads CRLF line ends', () => {
    expect(takeEvents('data: one\r\ndata: two\r\n\r\nevent:alert\ndata:x\n\n').events).toEqual([
      { event: 'message', data: 'one\ntwo' },
      { event: 'alert', data: 'x' },
    ]);
  });
});
