import { ediAcknowledgementsOwed } from '../imports/outbound';
import type { Db } from '../platform/db';
import { creditReleasesOwed } from '../sales/credit-release';

/**
 * After a sync: what a pull may leave this branch owing for changes another install made to
 * its documents. Today the 855 of an EDI order whose credit hold (or approval) was released
 * at the centre: only the importing install holds the 850 it answers (import batches stay
 * local), so that install makes it; and the delivery flow of an order whose credit hold was
 * released at the centre (only the owning branch writes its flow) — both through the
 * `sync.followUp` command. Looked up first:
 * a command always leaves a mutation, and most syncs owe nothing. Returns how many were made.
 */
export async function followUpAfterPull(db: Db, branchId: string | null, run: () => Promise<{ acknowledged: number }>): Promise<number> {
  if ((await ediAcknowledgementsOwed(db)).length === 0 && (await creditReleasesOwed(db, branchId)).length === 0) return 0;
  return (await run()).acknowledged;
}
