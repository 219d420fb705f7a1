import { financeMoveLockedFunction } from './0011_finance';
import { isPostgres, type MigrationDb } from './helpers';

/**
 * Centre only: a branch login could set `branchline.finance_local = on` for its session and so
 * skip the move of its late postings out of a locked period (the flag tells the trigger that
 * the centre's own engine already checked the lock). The function now honours the flag only
 * for logins that are not members of the branch group role.
 */
export async function up(db: MigrationDb): Promise<void> {
  if (!isPostgres(db)) return;
  await financeMoveLockedFunction({ branchGuard: true }).execute(db);
}
