import { sql } from 'kysely';
import { isPostgres, type MigrationDb } from './helpers';
import { REPLICATED_TABLES, REPLICATED_TABLE_NAMES } from './replicated-tables';

/**
 * Rows every branch sees, written offline by more than one branch, must never clash at merge.
 * A mutation the centre cannot apply is set aside there (quarantined, with an exception): the
 * branch's whole command — the receipt, the import with its order — never reaches the centre
 * or the other branches, and the branch's books and stock no longer match the centre's.
 *
 * - Keys per branch: `lot` is unique per (branch, product, name) — two branches receive the
 *   same vendor lot offline; each keeps its own row, and a branch that can see another's lot
 *   uses it instead of making its own. `product_vendor` (the preferred vendor of a product for a
 *   warehouse) is each branch's own, as reorder rules are since 0028.
 * - Owner guards (SQLite, bound installs only, i.e. while capture is on): a command may not
 *   update or delete another branch's row, nor write central master data. The centre's
 *   row-level security refuses both anyway — but only at push, where the whole mutation was
 *   set aside; now the clerk's command is refused when it runs, with the owner named (the bus turns `BL_NOT_OWNER` / `BL_CENTRAL` into a clerk's message).
 *   Pulls write with capture off, so they are not guarded.
 *
 * `purchase_category_policy` and `dropship_product` became central master data (ownership
 * table): a category's receiving rule and a product's drop-ship route are catalog facts,
 * edited at the centre like the category and the product.
 */
export async function up(db: MigrationDb): Promise<void> {
  await sql`DROP INDEX IF EXISTS lot_product_name`.execute(db);
  await db.schema.createIndex('lot_branch_product_name').on('lot').columns(['branch_id', 'product_id', 'name']).unique().execute();
  await db.schema.createIndex('lot_product_name').on('lot').columns(['product_id', 'name']).execute();
  await sql`DROP INDEX IF EXISTS product_vendor_key`.execute(db);
  await db.schema.createIndex('product_vendor_key').on('product_vendor').columns(['branch_id', 'product_id', 'warehouse_id']).unique().execute();
  if (!isPostgres(db)) await installOwnerGuards(db);
}

/** (Re)creates the owner guards of every replicated table that exists (see above). */
export async function installOwnerGuards(db: MigrationDb): Promise<void> {
  const bound = `(SELECT capture FROM client_state WHERE singleton = 1) = 1`;
  const mine = `(SELECT branch_id FROM client_state WHERE singleton = 1)`;
  for (const table of REPLICATED_TABLE_NAMES) {
    const exists = await sql<{ n: number }>`SELECT count(*) AS n FROM pragma_table_info(${table})`.execute(db);
    if (Number(exists.rows[0]?.n ?? 0) === 0) continue;
    const spec: { class: string; private?: boolean } = REPLICATED_TABLES[table];
    for (const op of ['insert', 'update', 'delete'] as const) {
      const name = `${table}_owner_${op}`;
      await sql`DROP TRIGGER IF EXISTS ${sql.raw(name)}`.execute(db);
      // A branch's private rows are only ever its own on its database: nothing to guard. Rows
      // a command inserts carry its own branch (newRowMeta); guarding every insert would tax
      // the hot paths (each stock move) for what the centre's row-level security backs anyway.
      if (spec.class === 'branch' && spec.private) continue;
      if (spec.class !== 'central' && op === 'insert') continue;
      let when: string;
      let message: string;
      if (spec.class === 'central') {
        when = bound;
        message = `'BL_CENTRAL ${table}'`;
      } else {
        // An update may not hand the row to another branch either.
        const target = op === 'update' ? `(OLD.branch_id IS NOT ${mine} OR NEW.branch_id IS NOT OLD.branch_id)` : `OLD.branch_id IS NOT ${mine}`;
        when = `${bound} AND ${target}`;
        message = `'BL_NOT_OWNER ${table} ' || OLD.id`;
      }
      await sql`CREATE TRIGGER ${sql.raw(name)} BEFORE ${sql.raw(op.toUpperCase())} ON ${sql.table(table)}
        WHEN ${sql.raw(when)}
        BEGIN SELECT RAISE(ABORT, ${sql.raw(message)}); END`.execute(db);
    }
  }
}
