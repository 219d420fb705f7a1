import { sql } from 'kysely';
import type { Db, Tx } from '../platform/db';

/**
 * Derived tables — stock levels and the AVCO valuation — recomputed for a set of products
 * from the replicated facts: moves (on hand, value), reservations (reserved) and open
 * transfer lines crossing a warehouse boundary (incoming, outgoing). One SQL text serves
 * SQLite (run directly) and PostgreSQL (wrapped in a SECURITY DEFINER function at central
 * init, so branch roles never write derived rows themselves).
 * Tokens: :ids is the set of product ids, :now the timestamp.
 */
/**
 * The stock levels of the products :ids, from their facts (one row per product, location and
 * lot). Each move counts twice — into its destination, out of its source —, from one read of
 * the product's moves (two reads, one per side, were a tenth of a push batch's recompute).
 */
export const LEVEL_FIGURES_SELECT = `SELECT f.product_id, f.location_id, f.lot_key, MAX(loc.warehouse_id), SUM(f.on_hand), SUM(f.reserved), SUM(f.incoming), SUM(f.outgoing), :now
   FROM (
     SELECT m.product_id, CASE WHEN s.side = 1 THEN m.to_location_id ELSE m.from_location_id END AS location_id, COALESCE(m.lot_id, '') AS lot_key,
       s.side * m.quantity AS on_hand, 0 AS reserved, 0 AS incoming, 0 AS outgoing
       FROM stock_move m CROSS JOIN (SELECT 1 AS side UNION ALL SELECT -1) s WHERE m.product_id IN :ids
     UNION ALL SELECT product_id, location_id, lot_key, 0, quantity, 0, 0 FROM reservation WHERE product_id IN :ids
     UNION ALL SELECT l.product_id, l.to_location_id, '', 0, 0, l.quantity - l.quantity_done, 0 FROM transfer_line l
       JOIN location a ON a.id = l.from_location_id JOIN location b ON b.id = l.to_location_id
       WHERE l.product_id IN :ids AND l.state IN ('waiting', 'ready') AND a.warehouse_id IS DISTINCT FROM b.warehouse_id
     UNION ALL SELECT l.product_id, l.from_location_id, '', 0, 0, 0, l.quantity - l.quantity_done FROM transfer_line l
       JOIN location a ON a.id = l.from_location_id JOIN location b ON b.id = l.to_location_id
       WHERE l.product_id IN :ids AND l.state IN ('waiting', 'ready') AND a.warehouse_id IS DISTINCT FROM b.warehouse_id
   ) f JOIN location loc ON loc.id = f.location_id
   GROUP BY f.product_id, f.location_id, f.lot_key`;

/** The AVCO valuation of the products :ids, from their moves (one row per product). */
export const VALUATION_FIGURES_SELECT = `SELECT m.product_id,
     SUM(CASE WHEN a.usage NOT IN ('internal', 'transit') AND b.usage IN ('internal', 'transit') THEN m.quantity
              WHEN a.usage IN ('internal', 'transit') AND b.usage NOT IN ('internal', 'transit') THEN -m.quantity ELSE 0 END),
     SUM(m.value_minor), :now
   FROM stock_move m JOIN location a ON a.id = m.from_location_id JOIN location b ON b.id = m.to_location_id
   WHERE m.product_id IN :ids
   GROUP BY m.product_id`;

export const RECOMPUTE_STATEMENTS = [
  `DELETE FROM stock_level WHERE product_id IN :ids`,
  `INSERT INTO stock_level (product_id, location_id, lot_key, warehouse_id, on_hand, reserved, incoming, outgoing, updated_at)
   ${LEVEL_FIGURES_SELECT}`,
  `DELETE FROM product_valuation WHERE product_id IN :ids`,
  `INSERT INTO product_valuation (product_id, quantity, value_minor, updated_at)
   ${VALUATION_FIGURES_SELECT}`,
];

/** Runs the recompute on SQLite (branch side, after a pull). */
export async function recomputeDerivedLocally(db: Db | Tx, productIds: string[], now: string): Promise<void> {
  for (let i = 0; i < productIds.length; i += 500) {
    const ids = JSON.stringify(productIds.slice(i, i + 500));
    for (const statement of RECOMPUTE_STATEMENTS) {
      const parts = statement.split(/(:ids|:now)/);
      const fragments = parts.map((p) => (p === ':ids' ? sql`(SELECT value FROM json_each(${ids}))` : p === ':now' ? sql`${now}` : sql.raw(p)));
      await sql.join(fragments, sql``).execute(db);
    }
  }
}

/**
 * The same figures as the body of a PostgreSQL SQL function (ids jsonb, at timestamptz), written
 * as a difference: rows whose figures changed are updated, new ones inserted, those with no
 * facts left deleted. A push batch touches a few hundred products and changes one or two of
 * each one's levels; deleting and re-inserting all of them (2,000 rows, two foreign-key checks
 * each) was most of the recompute. Same rows and figures as RECOMPUTE_STATEMENTS; a row left
 * unchanged keeps its updated_at (as the engine's own level updates do).
 */
export function recomputeFunctionBody(): string {
  // `col = ANY(ARRAY(…))`, not `col IN (SELECT jsonb_array_elements_text(…))`: the planner
  // guesses 100 ids for the set-returning function and scans all of stock_move with a hash
  // semi-join; with the array it reads the (product_id, …) indexes (8 ms → 2 ms on the
  // small demo, and it no longer grows with the ledger).
  const pg = (s: string) => s.replace(/(\S+) IN :ids/g, (_m, col: string) => `${col} = ANY(ARRAY(SELECT jsonb_array_elements_text($1)))`).replaceAll(':now', '$2');
  const body = [
    `WITH fresh AS MATERIALIZED (${pg(LEVEL_FIGURES_SELECT)}),
     gone AS (DELETE FROM stock_level s WHERE ${pg('s.product_id IN :ids')}
       AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.product_id = s.product_id AND f.location_id = s.location_id AND f.lot_key = s.lot_key))
     INSERT INTO stock_level (product_id, location_id, lot_key, warehouse_id, on_hand, reserved, incoming, outgoing, updated_at) SELECT * FROM fresh
     ON CONFLICT (product_id, location_id, lot_key) DO UPDATE SET warehouse_id = EXCLUDED.warehouse_id, on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved,
       incoming = EXCLUDED.incoming, outgoing = EXCLUDED.outgoing, updated_at = EXCLUDED.updated_at
     WHERE (stock_level.warehouse_id, stock_level.on_hand, stock_level.reserved, stock_level.incoming, stock_level.outgoing)
       IS DISTINCT FROM (EXCLUDED.warehouse_id, EXCLUDED.on_hand, EXCLUDED.reserved, EXCLUDED.incoming, EXCLUDED.outgoing)`,
    `WITH fresh AS MATERIALIZED (${pg(VALUATION_FIGURES_SELECT)}),
     gone AS (DELETE FROM product_valuation v WHERE ${pg('v.product_id IN :ids')} AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.product_id = v.product_id))
     INSERT INTO product_valuation (product_id, quantity, value_minor, updated_at) SELECT * FROM fresh
     ON CONFLICT (product_id) DO UPDATE SET quantity = EXCLUDED.quantity, value_minor = EXCLUDED.value_minor, updated_at = EXCLUDED.updated_at
     WHERE (product_valuation.quantity, product_valuation.value_minor) IS DISTINCT FROM (EXCLUDED.quantity, EXCLUDED.value_minor)`,
  ];
  if (body.some((s) => s.includes(':ids'))) throw new Error('recompute statements: every :ids must follow "column IN"');
  return body.join(';\n') + ';';
}
