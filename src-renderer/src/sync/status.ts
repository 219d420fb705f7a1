import type { OutputOf } from '../../../src-shared/contract/index';

export type SyncStatus = OutputOf<'sync.status'>;
export type SyncException = OutputOf<'sync.exceptions.list'>['rows'][number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** "less than a minute", "1 minute", "3 hours", "12 days". */
export function durationInWords(ms: number): string {
  if (!Number.isFinite(ms) || ms < MINUTE) return 'less than a minute';
  if (ms < HOUR) return plural(Math.floor(ms / MINUTE), 'minute');
  if (ms < DAY) return plural(Math.floor(ms / HOUR), 'hour');
  return plural(Math.floor(ms / DAY), 'day');
}

/** "just now", "5 minutes ago", "never" (no timestamp). A time ahead of the clock counts as now. */
export function timeAgo(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const ms = now - t;
  return ms < MINUTE ? 'just now' : `${durationInWords(ms)} ago`;
}

/** The oldest pending mutation's age in words: "waiting 3 hours", or "nothing waiting". */
export function pendingAge(oldestPendingAt: string | null | undefined, now: number = Date.now()): string {
  if (!oldestPendingAt) return 'nothing waiting';
  const t = Date.parse(oldestPendingAt);
  return Number.isNaN(t) ? oldestPendingAt : `waiting ${durationInWords(now - t)}`;
}

export type BlockedKind = 'update' | 'copy' | 'retired' | 'other';

/**
 * Why the centre stopped this install, as a headline: the engine's blocked reason is a
 * sentence; its kind decides what the user can do (update the app, register again).
 */
export function blockedOf(reason: string | null | undefined): { kind: BlockedKind; title: string; message: string } | null {
  if (!reason) return null;
  if (/minimum|older than|update the app/i.test(reason)) return { kind: 'update', title: 'Update required', message: reason };
  if (/\bcopy\b|copied|restore/i.test(reason)) return { kind: 'copy', title: 'Copied database', message: reason };
  if (/retired/i.test(reason)) return { kind: 'retired', title: 'Retired at the centre', message: reason };
  return { kind: 'other', title: 'Sync blocked', message: reason };
}

/** A database address with its password hidden (the engine already hides it; this never shows one). */
export function redactAddress(address: string | null | undefined): string {
  if (!address) return '—';
  return address.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

const TASKS: Record<string, string> = {
  'sync:push': 'Sending this branch’s changes',
  'sync:pull': 'Receiving changes from the centre',
  'sync:snapshot': 'Loading the company from the centre',
};

/** "Sending this branch’s changes: 120 of 500". */
export function progressLabel(p: { task: string; done: number; total: number }): string {
  const what = TASKS[p.task] ?? p.task;
  return p.total > 0 ? `${what}: ${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')}` : what;
}

export type Health = { label: string; color: string; detail: string };

/** The one-glance state of replication for the header: standalone, blocked, offline, syncing, pending, synced. */
export function healthOf(s: SyncStatus): Health {
  const pending = s.pending === 1 ? '1 change waiting' : `${s.pending.toLocaleString('en-US')} changes waiting`;
  if (!s.bound) return { label: 'Standalone', color: 'gray', detail: 'Not registered with a central database: nothing is synced' };
  const blocked = blockedOf(s.blockedReason);
  if (blocked) return { label: blocked.title, color: 'red', detail: `${blocked.message} (${pending})` };
  if (!s.online) return { label: s.pending > 0 ? `Offline · ${s.pending.toLocaleString('en-US')} pending` : 'Offline', color: 'orange', detail: `The central database cannot be reached; work goes on here (${pending})` };
  if (s.running) return { label: 'Syncing…', color: 'indigo', detail: pending };
  if (s.pending > 0) return { label: `${s.pending.toLocaleString('en-US')} pending`, color: 'yellow', detail: `${pending}, oldest ${pendingAge(s.oldestPendingAt).replace('waiting ', '')}` };
  return { label: 'Synced', color: 'teal', detail: `Everything is sent; last sync ${timeAgo(s.lastSuccessAt)}` };
}

/**
 * First sync after joining: done once the company's users have arrived (the install is
 * initialised) and the snapshot finished — or, when no progress can be seen, once the
 * engine has been quiet for a few seconds after initialising.
 */
export function firstSyncDone(o: { initialized: boolean; snapshotFinished: boolean; lastEventAt: number | null; initializedAt: number | null; now: number; quietMs?: number }): boolean {
  if (!o.initialized) return false;
  if (o.snapshotFinished) return true;
  const quiet = o.quietMs ?? 4_000;
  const since = Math.max(o.lastEventAt ?? 0, o.initializedAt ?? 0);
  return o.now - since >= quiet;
}
