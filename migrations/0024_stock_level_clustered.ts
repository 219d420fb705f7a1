import { sql } from 'kysely';
import { isPostgres, type MigrationDb } from './helpers';

/**
 * Branch (SQLite) only: the stock summary becomes a table clustered on its key (WITHOUT
 * ROWID), and the covering (product, warehouse, on_hand, reserved) index goes. A move or a
 * reservation changed three B-trees per product before — the row, the key index and the
 * covering index, whose entry moves whenever on_hand or reserved change — each a random page
 * written at commit. Now it changes one. A product's rows (one per location and lot) sit
 * together under its key, so availability reads them from one page, as it read the index.
 * The centre keeps its table: PostgreSQL has no clustered tables, and it is written in bulk.
 */
export async function up(db: MigrationDb): Promise<void> {
  if (isPostgres(db)) return;
  await sql`CREATE TABLE stock_level_clustered (
    product_id text NOT NULL REFERENCES product (id),
    location_id text NOT NULL REFERENCES location (id),
    lot_key text NOT NULL,
    warehouse_id text,
    on_hand integer DEFAULT 0 NOT NULL,
    reserved integer DEFAULT 0 NOT NULL CHECK (reserved >= 0),
    incoming integer DEFAULT 0 NOT NULL CHECK (incoming >= 0),
    outgoing integer DEFAULT 0 NOT NULL CHECK (outgoing >= 0),
    updated_at text NOT NULL,
    CONSTRAINT stock_level_pk PRIMARY KEY (product_id, location_id, lot_key)
  ) WITHOUT ROWID`.execute(db);
  await sql`INSERT INTO stock_level_clustered (product_id, location_id, lot_key, warehouse_id, on_hand, reserved, incoming, outgoing, updated_at)
    SELECT product_id, location_id, lot_key, warehouse_id, on_hand, reserved, incoming, outgoing, updated_at FROM stock_level`.execute(db);
  await sql`DROP TABLE stock_level`.execute(db);
  await sql`ALTER TABLE stock_level_clustered RENAME TO stock_level`.execute(db);
  await sql`CREATE INDEX stock_level_location ON stock_level (location_id, product_id)`.execute(db);
}
