/**
 * What the engine is doing, read straight from the branch database (read-only), for the
 * update policy: unsent changes, the centre's minimum version (learned by the last sync), the
 * branch code, and whether an order import is running (import_batch.state = 'running', touched
 * in the last two hours: a batch left 'running' by a crash must not hold updates back for
 * ever). A period close is one command (lock dates), so it never spans an update check; it
 * reads as idle.
 */
import SQLite from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { IDLE, type Activity } from './policy';

const hasTable = (db: SQLite.Database, name: string) => Boolean(db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name));

/** The centre's minimum as the sync service words it when it refuses to push. */
export function minVersionFromBlockedReason(reason: string | null | undefined): string | null {
  const m = reason ? /minimum (\d+\.\d+\.\d+)/.exec(reason) : null;
  return m?.[1] ?? null;
}

/** A running import counts while it was touched this recently. */
export const IMPORT_STALE_MS = 2 * 3_600_000;

function importRunning(db: SQLite.Database, now: number): boolean {
  if (!hasTable(db, 'import_batch')) return false;
  try {
    return Boolean(db.prepare("SELECT 1 FROM import_batch WHERE state = 'running' AND updated_at > ? LIMIT 1").get(new Date(now - IMPORT_STALE_MS).toISOString()));
  } catch {
    // A schema this version does not know: say nothing rather than block updates.
    return false;
  }
}

export function readActivity(db: SQLite.Database, now: number = Date.now()): Activity & { branchCode: string | null } {
  if (!hasTable(db, 'client_state')) return { ...IDLE, branchCode: null };
  const client = db.prepare('SELECT capture, branch_id FROM client_state LIMIT 1').get() as { capture: number; branch_id: string | null } | undefined;
  const bound = client?.capture === 1;
  const unpushed = bound && hasTable(db, 'outbox') ? Number((db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n) : 0;
  const blocked = hasTable(db, 'sync_state') ? (db.prepare('SELECT blocked_reason FROM sync_state LIMIT 1').get() as { blocked_reason: string | null } | undefined)?.blocked_reason : null;
  const branchCode =
    bound && client?.branch_id && hasTable(db, 'branch') ? ((db.prepare('SELECT code FROM branch WHERE id = ?').get(client.branch_id) as { code: string } | undefined)?.code ?? null) : null;
  return { periodClose: false, importing: importRunning(db, now), unpushed, minVersion: minVersionFromBlockedReason(blocked), branchCode };
}

/** Opens the database read-only for one look (WAL lets it read while the engine writes). */
export function sqliteActivityProbe(dbFile: string, nativeBinding?: string): () => Promise<Activity & { branchCode: string | null }> {
  return async () => {
    if (!existsSync(dbFile)) return { ...IDLE, branchCode: null };
    const db = new SQLite(dbFile, { readonly: true, fileMustExist: true, timeout: 2000, ...(nativeBinding ? { nativeBinding } : {}) });
    try {
      return readActivity(db);
    } finally {
      db.close();
    }
  };
}
