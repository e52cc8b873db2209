import { useEffect, useEffectEvent, useState } from 'react';
import { openStream } from './api.ts';
import type { components } from './api-types.ts';

export type AlertNotice = components['schemas']['AlertNotice'];
export type LiveState = 'connecting' | 'live' | 'offline';

/** How long to wait before reconnecting a live stream that failed or ended. */
const RECONNECT_MS = 5_000;

/** The `event:` and `data:` of each complete Server-Sent Event in `buffer`, and what is left over. */
export function takeEvents(buffer: string): { events: { event: string; data: string }[]; rest: string } {
  const events: { event: string; data: string }[] = [];
  let rest = buffer.replace(/\r\n?/g, '\n');
  for (let end = rest.indexOf('\n\n'); end >= 0; end = rest.indexOf('\n\n')) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'event') event = value;
      else if (name === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}

/**
 * Follows `GET /api/v1/alerts/live` while the component is shown and calls `onNotice` for every
 * changed alert; reconnects after a failure. Says whether the stream is up, so a page can tell
 * the analyst it is live (and fall back to refreshing now and then when it is not).
 */
export function useLiveAlerts(onNotice: (notice: AlertNotice) => void): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const notify = useEffectEvent(onNotice);
  useEffect(() => {
    const controller = new AbortController();
    let retry: number | undefined;
    const connect = async () => {
      try {
        const reader = (await openStream('/api/v1/alerts/live', controller.signal)).getReader();
        setState('live');
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const taken = takeEvents(buffer + decoder.decode(value, { stream: true }));
          buffer = taken.rest;
          for (const { event, data } of taken.events) if (event === 'alert') notify(JSON.parse(data) as AlertNotice);
        }
      } catch {
        // Refused, dropped or aborted: reconnect below unless the page went away.
      }
      if (controller.signal.aborted) return;
      setState('offline');
      retry = window.setTimeout(() => void connect(), RECONNECT_MS);
    };
    void connect();
    return () => {
      controller.abort();
      window.clearTimeout(retry);
    };
  }, []);
  return state;
}
