import { useEffect } from 'react';
import { client } from '../rpc';
import { useEngineQuery } from '../ui/useEngineQuery';
import type { SyncStatus } from './status';

/**
 * sync.status, polled every `intervalMs`, and soon after anything that changes it: a commit
 * (one more change waiting) or the end of a sync step (changes sent or received).
 */
export function useSyncStatus(intervalMs: number): { status: SyncStatus | null; error: string | null; refresh(): Promise<void> } {
  const { data, error, reload } = useEngineQuery(() => client.call('sync.status', {}), []);

  useEffect(() => {
    const timer = setInterval(() => void reload(), intervalMs);
    return () => clearInterval(timer);
  }, [reload, intervalMs]);

  useEffect(() => {
    let soon: ReturnType<typeof setTimeout> | undefined;
    const off = client.onEvent((event) => {
      const stepEnded = event.type === 'progress' && String(event.task ?? '').startsWith('sync:') && Number(event.done) >= Number(event.total);
      if (event.type === 'committed' || stepEnded) {
        clearTimeout(soon);
        soon = setTimeout(() => void reload(), 400);
      }
    });
    return () => {
      off();
      clearTimeout(soon);
    };
  }, [reload]);

  return { status: data, error, refresh: reload };
}
