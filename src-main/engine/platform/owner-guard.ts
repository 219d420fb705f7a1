import { sql } from 'kysely';
import type { Db } from './db';
import { DomainError } from './errors';
import { boundToCentre } from './series';

/**
 * The clerk's side of the owner guards (migration 0029): on an install bound to a centre, a
 * command that changes another branch's row, or central master data, is refused by a SQLite
 * trigger with `BL_NOT_OWNER <table> <id>` or `BL_CENTRAL <table>`. The centre would refuse the
 * same write at push (row-level security) and set the whole mutation aside; here the command fails
 * at once, nothing is written, and the message names who can make the change.
 */
const GUARD = /^BL_(NOT_OWNER|CENTRAL) (\w+)(?: (\S+))?/;

/** What a clerk calls a row of each guarded table ("… belongs to branch B01"). */
const ROW_LABEL: Record<string, string> = {
  partner: 'This customer or vendor',
  partner_address: 'This address',
  partner_contact: 'This contact',
  lot: 'This lot',
  vendor_profile: "This vendor's terms",
  vendor_price: 'This vendor price',
  product_vendor: 'This preferred vendor',
  reorder_rule: 'This reorder rule',
  import_mapping: 'This import mapping',
  sku_alias: 'This SKU alias',
  notification_template: 'This message template',
  classifier_example: 'This classifier example',
  sync_exception: 'This sync exception',
  branch_lock: "This branch's lock date",
  stock_move: 'This stock move',
};

/** Master data as a clerk names it ("… is kept by the centre"). */
const MASTER_LABEL: Record<string, string> = {
  product: 'Products',
  category: 'Categories',
  uom: 'Units of measure',
  uom_conversion: 'Unit conversions',
  warehouse: 'Warehouses',
  location: 'Locations',
  pricelist: 'Price lists',
  price_rule: 'Price rules',
  app_user: 'Users',
  purchase_category_policy: "Categories' receiving rules",
  dropship_product: "Products' drop-ship settings",
};

/**
 * Who owns a shared row, when it is not this install's to change: `B01 "Head Office"` for
 * another branch's row on an install bound to a centre, else null (forms show it read-only).
 */
export async function ownedElsewhere(db: Db, here: string | null, rowBranchId: string): Promise<string | null> {
  if (rowBranchId === here || !(await boundToCentre(db))) return null;
  const owner = (await sql<{ code: string; name: string }>`SELECT code, name FROM branch WHERE id = ${rowBranchId}`.execute(db)).rows[0];
  return owner ? `${owner.code} "${owner.name}"` : 'another branch';
}

/** The refusal for an error a guard raised, or null when the error is anything else. */
export async function ownerRefusal(db: Db, error: unknown): Promise<DomainError | null> {
  if (!(error instanceof Error)) return null;
  const m = GUARD.exec(error.message);
  if (!m) return null;
  const [, kind, table, id] = m as unknown as [string, string, string, string | undefined];
  if (kind === 'CENTRAL') {
    const what = MASTER_LABEL[table] ?? `Master data (${table.replaceAll('_', ' ')})`;
    return new DomainError('BUSINESS_RULE', `${what} are kept by the centre: change them there; the change reaches this branch with its next sync. Nothing was changed.`);
  }
  const owner = id
    ? (await sql<{ code: string; name: string; partner: string | null }>`SELECT b.code, b.name, ${table === 'partner' ? sql`CASE t.kind WHEN 'vendor' THEN 'Vendor ' ELSE 'Customer ' END || t.code || ' "' || t.name || '"'` : sql`NULL`} AS partner
        FROM ${sql.table(table)} AS t JOIN branch AS b ON b.id = t.branch_id WHERE t.id = ${id}`.execute(db)).rows[0]
    : undefined;
  const what = owner?.partner ? `${owner.partner}` : (ROW_LABEL[table] ?? `This ${table.replaceAll('_', ' ')}`);
  const whose = owner ? `branch ${owner.code} "${owner.name}"` : 'another branch';
  return new DomainError('BUSINESS_RULE', `${what} belongs to ${whose}: only that branch can change it (its changes reach every branch with the sync). Nothing was changed.`, { ownerBranch: owner?.code ?? null });
}
