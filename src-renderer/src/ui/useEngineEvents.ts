import { useEffect, useState } from 'react';
import { client } from '../rpc';

/** Reloads when a command of the given area commits (here, in another window, or by replication). */
export function useReloadOnCommit(prefix: string, reload: () => unknown, paused = false): void {
  useEffect(
    () =>
      client.onEvent((event) => {
        if (!paused && event.type === 'committed' && typeof event.method === 'string' && event.method.startsWith(prefix)) void reload();
      }),
    [prefix, reload, paused],
  );
}

export interface Progress {
  task: string;
  done: number;
  total: number;
  /** When the event arrived (Date.now()). */
  at: number;
}

/** The last progress event of a task whose name starts with `prefix` (e.g. "sync:"), or null. */
export function useProgress(prefix = ''): [Progress | null, (p: Progress | null) => void] {
  const [progress, setProgress] = useState<Progress | null>(null);
  useEffect(
    () =>
      client.onEvent((event) => {
        if (event.type === 'progress' && typeof event.done === 'number' && typeof event.total === 'number' && String(event.task ?? '').startsWith(prefix)) {
          setProgress({ task: String(event.task ?? ''), done: event.done, total: event.total, at: Date.now() });
        }
      }),
    [prefix],
  );
  return [progress, setProgress];
}

/** Percent for a progress bar: 0–100, 100 when the total is unknown (an animated full bar). */
export function percentOf(p: { done: number; total: number } | null): number {
  if (!p || p.total <= 0) return 100;
  return Math.max(0, Math.min(100, (100 * p.done) / p.total));
}
