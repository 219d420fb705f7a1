import { sql } from 'kysely';
import { installCaptureTriggers } from './0005_replication';
import type { MigrationDb } from './helpers';

/**
 * Finance taxes on documents: the company's tax rounding rule (`line`: each invoice line's tax
 * rounded; `total`: once per rate on the invoice), a fiscal position per partner (replaces the
 * product's tax, e.g. export → zero rate), 8 % rates (the demo's products), purchase 10 %, 8 % and zero rates, and
 * an EXPORT position. Central master data (company, partner, tax_rate, fiscal_position are
 * replicated already; the capture triggers are reinstalled for the new columns).
 */
export const EXPORT_POSITION_ID = '01900000-0000-7000-8000-500000000001';

export async function up(db: MigrationDb): Promise<void> {
  await db.schema
    .alterTable('company')
    .addColumn('tax_rounding', 'text', (c) => c.notNull().defaultTo('line').check(sql`tax_rounding in ('line', 'total')`))
    .execute();
  await db.schema.alterTable('partner').addColumn('fiscal_position_id', 'text').execute();

  const epoch = '2026-01-01T00:00:00.000Z';
  const meta = { branch_id: 'central', created_at: epoch, updated_at: epoch, version: 1 };
  const account = (code: string) => `01900000-0000-7000-8000-1${code.padStart(11, '0')}`;
  await db
    .insertInto('tax_rate')
    .values([
      { ...meta, id: '01900000-0000-7000-8000-400000000005', code: 'S8', name: 'Sales VAT 8%', scope: 'sales', rate_bp: 800, price_included: 0, account_id: account('2200'), active: 1 },
      { ...meta, id: '01900000-0000-7000-8000-400000000006', code: 'P0', name: 'Purchase zero rate', scope: 'purchase', rate_bp: 0, price_included: 0, account_id: account('1400'), active: 1 },
      { ...meta, id: '01900000-0000-7000-8000-400000000007', code: 'P10', name: 'Purchase VAT 10%', scope: 'purchase', rate_bp: 1000, price_included: 0, account_id: account('1400'), active: 1 },
      { ...meta, id: '01900000-0000-7000-8000-400000000008', code: 'P8', name: 'Purchase VAT 8%', scope: 'purchase', rate_bp: 800, price_included: 0, account_id: account('1400'), active: 1 },
    ])
    .execute();
  await db
    .insertInto('fiscal_position')
    .values({
      ...meta,
      id: EXPORT_POSITION_ID,
      code: 'EXPORT',
      name: 'Export outside the tax area (zero rate)',
      tax_map: JSON.stringify([
        { from: 'S20', to: 'S0' },
        { from: 'S10', to: 'S0' },
        { from: 'S8', to: 'S0' },
        { from: 'P20', to: 'P0' },
        { from: 'P10', to: 'P0' },
        { from: 'P8', to: 'P0' },
      ]),
    })
    .execute();

  await installCaptureTriggers(db);
}
