import { sql } from 'kysely';
import type { MigrationDb } from './helpers';

/**
 * Reorder rules are each branch's own: unique per (branch, product, warehouse), not per
 * (product, warehouse). Two branches that set a rule for the same product and warehouse while
 * offline made two rows with one key: the second failed at the centre and at every branch that
 * pulled it (the multi-branch simulation found it). A branch's replenishment reads its own rules.
 */
export async function up(db: MigrationDb): Promise<void> {
  await sql`DROP INDEX IF EXISTS reorder_rule_key`.execute(db);
  await db.schema.createIndex('reorder_rule_key').on('reorder_rule').columns(['branch_id', 'product_id', 'warehouse_id']).unique().execute();
}
