import { sql } from 'kysely';
import type { z } from 'zod';
import type { Vendor, VendorCreateInput, VendorContactInput } from '../../../src-shared/contract/purchasing';
import { type CommandContext, newRowMeta } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { claimPartnerCode } from '../partners/codes';

type ContactInput = z.output<typeof VendorContactInput>;

export const vendorSearchText = (v: { code: string; name: string; email?: string | null; ediId?: string | null }) =>
  [v.code, v.name, v.email ?? '', v.ediId ?? ''].join(' ').toLowerCase();

/** The vendor row joined with its purchasing profile; refuses customers and unknown ids. */
export async function vendorRow(db: Db | Tx, id: string) {
  const row = await db
    .selectFrom('partner as p')
    .innerJoin('vendor_profile as v', 'v.partner_id', 'p.id')
    .select(['p.id', 'p.code', 'p.name', 'p.email', 'p.phone', 'p.payment_terms_days', 'p.lead_time_days', 'p.active', 'v.currency', 'v.min_order_qty', 'v.order_multiple', 'v.edi_enabled', 'v.edi_id'])
    .where('p.id', '=', id)
    .where('p.kind', '=', 'vendor')
    .executeTakeFirst();
  return row ?? null;
}
export type VendorRow = NonNullable<Awaited<ReturnType<typeof vendorRow>>>;

export async function requireVendor(db: Db | Tx, id: string, path = 'vendorId'): Promise<VendorRow> {
  const v = await vendorRow(db, id);
  if (!v) throw new DomainError('VALIDATION', 'Vendor: no such vendor', { fields: [{ path, message: 'No such vendor' }] });
  return v;
}

export async function writeContacts(ctx: CommandContext, partnerId: string, contacts: ContactInput[], replace: boolean): Promise<void> {
  // Contacts left out of an edit are retired, never deleted (documents may name them).
  if (replace) await ctx.db.updateTable('partner_contact').set({ active: 0, updated_at: ctx.now }).where('partner_id', '=', partnerId).where('active', '=', 1).execute();
  if (contacts.length === 0) return;
  await ctx.db
    .insertInto('partner_contact')
    .values(contacts.map((c) => ({ ...newRowMeta(ctx), partner_id: partnerId, name: c.name, email: c.email, phone: c.phone, role: c.role, active: 1 })))
    .execute();
}

export async function createVendor(ctx: CommandContext, input: z.output<typeof VendorCreateInput>): Promise<string> {
  const code = await claimPartnerCode(ctx, input.code, 'V');
  if (input.ediEnabled && !input.ediId) throw new DomainError('VALIDATION', 'An EDI vendor needs its EDI id (ISA receiver id)', { fields: [{ path: 'ediId', message: 'Required for EDI' }] });
  const id = ctx.newId();
  await ctx.db
    .insertInto('partner')
    .values({
      ...newRowMeta(ctx, id),
      code,
      kind: 'vendor',
      name: input.name,
      customer_class: null,
      region: null,
      email: input.email,
      phone: input.phone,
      tax_id: null,
      credit_limit_minor: null,
      payment_terms_days: input.paymentTermsDays,
      lead_time_days: input.leadTimeDays,
      active: 1,
      search_text: vendorSearchText({ code, name: input.name, email: input.email, ediId: input.ediId }),
    })
    .execute();
  await ctx.db
    .insertInto('vendor_profile')
    .values({ ...newRowMeta(ctx), partner_id: id, currency: input.currency, min_order_qty: input.minOrderQty, order_multiple: input.orderMultiple, edi_enabled: input.ediEnabled ? 1 : 0, edi_id: input.ediId })
    .execute();
  await writeContacts(ctx, id, input.contacts, false);
  ctx.summarize(`Created vendor ${code} "${input.name}"`);
  return id;
}

/**
 * Vendor performance from receipt history (GLOSSARY):
 *  - on-time rate = receipt lines received by the promised date ÷ receipt lines;
 *  - fill rate = units received (capped at the ordered quantity) ÷ units ordered, on lines of
 *    orders that are past their expected date or fully received;
 *  - observed lead time = average days from sending the order to each receipt.
 */
export async function vendorPerformance(db: Db | Tx, vendorIds: string[], now: string) {
  const out = new Map<string, z.infer<typeof Vendor>['performance']>();
  if (vendorIds.length === 0) return out;
  const receipts = await db
    .selectFrom('purchase_receipt_line')
    .select((eb) => ['vendor_id', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('on_time').as('on_time'), eb.fn.sum<number>('lead_days').as('lead')])
    .where('vendor_id', 'in', vendorIds)
    .groupBy('vendor_id')
    .execute();
  const fills = await db
    .selectFrom('purchase_order_line as l')
    .innerJoin('purchase_order as o', 'o.id', 'l.order_id')
    .select((eb) => [
      'o.vendor_id',
      eb.fn.sum<number>('l.quantity').as('ordered'),
      eb.fn.sum<number>(sql`CASE WHEN l.qty_received > l.quantity THEN l.quantity ELSE l.qty_received END`).as('received'),
    ])
    .where('o.vendor_id', 'in', vendorIds)
    .where((eb) => eb.or([eb('o.state', 'in', ['received', 'billed', 'done']), eb.and([eb('o.state', 'in', ['sent', 'confirmed', 'partially_received']), eb('o.expected_date', '<', now)])]))
    .groupBy('o.vendor_id')
    .execute();
  for (const id of vendorIds) {
    const r = receipts.find((x) => x.vendor_id === id);
    const f = fills.find((x) => x.vendor_id === id);
    const n = Number(r?.n ?? 0);
    const ordered = Number(f?.ordered ?? 0);
    out.set(id, {
      receiptLines: n,
      onTimeRateBp: n > 0 ? Math.round((Number(r!.on_time) * 10_000) / n) : null,
      fillRateBp: ordered > 0 ? Math.round((Number(f!.received) * 10_000) / ordered) : null,
      observedLeadDays: n > 0 ? Math.round((Number(r!.lead) / n) * 10) / 10 : null,
    });
  }
  return out;
}

export async function loadVendor(db: Db | Tx, id: string, now: string): Promise<Vendor> {
  const v = await vendorRow(db, id);
  if (!v) throw notFound('Vendor');
  const contacts = await db.selectFrom('partner_contact').select(['id', 'name', 'email', 'phone', 'role']).where('partner_id', '=', id).where('active', '=', 1).orderBy('name').execute();
  const perf = (await vendorPerformance(db, [id], now)).get(id)!;
  return { ...toVendorHeader(v), contacts, performance: perf };
}

export function toVendorHeader(v: VendorRow) {
  return {
    id: v.id,
    code: v.code,
    name: v.name,
    email: v.email,
    phone: v.phone,
    paymentTermsDays: Number(v.payment_terms_days),
    leadTimeDays: Number(v.lead_time_days ?? 0),
    currency: v.currency,
    minOrderQty: Number(v.min_order_qty),
    orderMultiple: Number(v.order_multiple),
    ediEnabled: v.edi_enabled === 1,
    ediId: v.edi_id,
    active: v.active === 1,
  };
}

/** The vendor's price for a quantity on a date: the largest quantity break reached, valid that day, newest first. */
export async function findVendorPrice(db: Db | Tx, p: { vendorId: string; productId: string; quantity: number; date: string }) {
  const row = await db
    .selectFrom('vendor_price')
    .select(['price_minor', 'min_quantity'])
    .where('vendor_id', '=', p.vendorId)
    .where('product_id', '=', p.productId)
    .where('active', '=', 1)
    .where('min_quantity', '<=', p.quantity)
    .where((eb) => eb.or([eb('valid_from', 'is', null), eb('valid_from', '<=', p.date)]))
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>=', p.date)]))
    .orderBy('min_quantity', 'desc')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row ? { priceMinor: Number(row.price_minor), minQuantity: Number(row.min_quantity) } : null;
}

/**
 * One preferred vendor per (product, warehouse), as a table to join: each branch sets its own
 * (unique per branch, migration 0029, like reorder rules), so `branchId`'s row comes first, else
 * the first any branch set. `branchId` null (a company-wide report): the first set.
 */
export function preferredVendorTable(branchId: string | null) {
  return sql<{ product_id: string; warehouse_id: string; vendor_id: string }>`(SELECT product_id, warehouse_id, vendor_id FROM (
      SELECT product_id, warehouse_id, vendor_id,
        row_number() OVER (PARTITION BY product_id, warehouse_id ORDER BY CASE WHEN branch_id = ${branchId} THEN 0 ELSE 1 END, created_at, id) AS rank
      FROM product_vendor) AS ranked WHERE rank = 1)`;
}

/** Rounds a need up to the vendor's minimum order quantity and order multiple. */
export function roundToVendor(need: number, moq: number, multiple: number): number {
  const q = Math.max(need, moq);
  return Math.ceil(q / multiple) * multiple;
}
