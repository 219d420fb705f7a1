import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { messageOf } from '../rpc';

export interface EngineQuery<T> {
  data: T;
  error: string | null;
  /** Asks again; an answer to an older request never overwrites a newer one. */
  reload(): Promise<void>;
  setData(data: T): void;
  setError(error: string | null): void;
}

/**
 * The result of an engine call (or several), fetched when `deps` change and on reload().
 * Until it arrives, `data` is `initial` (or null).
 */
export function useEngineQuery<T>(fetch: () => Promise<T>, deps: DependencyList, initial: T): EngineQuery<T>;
export function useEngineQuery<T>(fetch: () => Promise<T>, deps: DependencyList): EngineQuery<T | null>;
export function useEngineQuery<T>(fetch: () => Promise<T>, deps: DependencyList, initial?: T): EngineQuery<T | null> {
  const [data, setData] = useState<T | null>(initial ?? null);
  const [error, setError] = useState<string | null>(null);
  const fetchRef = useRef(fetch);
  fetchRef.current = fetch;
  const latest = useRef(0);

  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    try {
      const value = await fetchRef.current();
      if (ticket !== latest.current) return;
      setData(value);
      setError(null);
    } catch (e) {
      if (ticket === latest.current) setError(messageOf(e));
    }
  }, []);

  useEffect(() => {
    void reload();
    // The caller's deps decide when to ask again; `fetch` is read through a ref.
  }, [reload, ...deps]);

  return { data, error, reload, setData, setError };
}
