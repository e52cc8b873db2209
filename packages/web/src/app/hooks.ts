import { useCallback, useEffect, useEffectEvent, useRef, useState } from 'react';
import { messageOf } from './api.ts';

/** What `useLoaded` gives: the data once loaded, the last error (cleared by the next success), and a way to load again now. */
export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string;
  readonly reload: () => void;
}

/**
 * Loads data from the API while the component shows it: again whenever `key` changes (the
 * request it stands for changed), every `refreshMs` if given (live views), and on `reload()`.
 * A failed refresh keeps the last data and reports the error. `key` null loads nothing.
 */
export function useLoaded<T>(key: string | null, load: () => Promise<T>, refreshMs?: number): Loaded<T> {
  const [result, setResult] = useState<{ data: T | undefined; error: string }>({ data: undefined, error: '' });
  const [round, setRound] = useState(0);
  const loadNow = useEffectEvent(load);
  useEffect(() => {
    if (key === null) return;
    let live = true;
    const fetchOnce = () => {
      loadNow().then(
        (data) => live && setResult({ data, error: '' }),
        (error: unknown) => live && setResult((previous) => ({ ...previous, error: messageOf(error) })),
      );
    };
    fetchOnce();
    const timer = refreshMs === undefined ? undefined : window.setInterval(fetchOnce, refreshMs);
    return () => {
      live = false;
      if (timer !== undefined) window.clearInterval(timer);
    };
  }, [key, refreshMs, round]);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  return { data: result.data, error: result.error, reload };
}

/** What `useAction` gives: the last action's error ('' after a success) and a way to run one. */
export interface Actions {
  readonly error: string;
  /** Runs an action (API calls that change something); true when it succeeded, else its error is kept to show. */
  readonly run: (action: () => Promise<unknown>) => Promise<boolean>;
}

/** Runs the changes a page makes (create, revoke, triage), keeping the last failure's message. */
export function useAction(): Actions {
  const [error, setError] = useState('');
  const run = useCallback(async (action: () => Promise<unknown>) => {
    try {
      await action();
      setError('');
      return true;
    } catch (failure) {
      setError(messageOf(failure));
      return false;
    }
  }, []);
  return { error, run };
}

/** `action`, run at most once per `waitMs` however often the returned function is called (a burst of live notices, one reload). */
export function useCoalesced(action: () => void, waitMs: number): () => void {
  const timer = useRef<number | undefined>(undefined);
  const latest = useRef(action);
  useEffect(() => {
    latest.current = action;
  });
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = window.setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, waitMs);
  }, [waitMs]);
}
