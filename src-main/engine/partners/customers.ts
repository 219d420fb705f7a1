import type { z } from 'zod';
import type { AddressInput, ContactInput, Customer, CustomerSummary } from '../../../src-shared/contract/partners';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import type { PartnerTable } from '../platform/schema';

export const CUSTOMER_COLUMNS = [
  'id',
  'code',
  'name',
  'legal_name',
  'tax_id',
  'customer_class',
  'region',
  'pricelist_id',
  'payment_terms_days',
  'credit_limit_minor',
  'invoice_policy',
  'grace_days',
  'email',
  'phone',
  'gln',
  'external_id',
  'tax_rate_bp',
  'active',
  'merged_into_id',
  'version',
  'created_at',
  'updated_at',
] as const;

export type CustomerRow = Pick<PartnerTable, (typeof CUSTOMER_COLUMNS)[number]>;

export function toCustomerSummary(r: CustomerRow): CustomerSummary {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    legalName: r.legal_name ?? null,
    taxId: r.tax_id,
    customerClass: r.customer_class ?? 'regular',
    region: r.region,
    pricelistId: r.pricelist_id ?? null,
    paymentTermsDays: r.payment_terms_days,
    creditLimitMinor: r.credit_limit_minor === null ? null : Number(r.credit_limit_minor),
    invoicePolicy: r.invoice_policy ?? 'on_delivery',
    graceDays: r.grace_days ?? 0,
    email: r.email,
    phone: r.phone,
    gln: r.gln ?? null,
    externalId: r.external_id ?? null,
    taxRateBp: r.tax_rate_bp ?? null,
    active: r.active === 1,
    mergedIntoId: r.merged_into_id ?? null,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const customerById = preparedQuery<{ id: string }, CustomerRow>(['id'], (db, p) => db.selectFrom('partner').select(CUSTOMER_COLUMNS).where('id', '=', p.id).where('kind', '=', 'customer'));

export async function getCustomerRow(db: Db | Tx, id: string): Promise<CustomerRow> {
  const row = await customerById.first(db, { id });
  if (!row) throw notFound('Customer');
  return row;
}

export async function loadCustomer(db: Db | Tx, id: string): Promise<Customer> {
  const row = await getCustomerRow(db, id);
  const [addresses, contacts] = await Promise.all([
    db.selectFrom('partner_address').selectAll().where('partner_id', '=', id).where('active', '=', 1).orderBy('kind').orderBy('is_default', 'desc').orderBy('created_at').execute(),
    db.selectFrom('partner_contact').selectAll().where('partner_id', '=', id).where('active', '=', 1).orderBy('created_at').execute(),
  ]);
  return {
    ...toCustomerSummary(row),
    addresses: addresses.map((a) => ({
      id: a.id,
      kind: a.kind,
      label: a.label,
      line1: a.line1,
      line2: a.line2,
      city: a.city,
      postalCode: a.postal_code,
      region: a.region,
      country: a.country,
      gln: a.gln,
      isDefault: a.is_default === 1,
    })),
    contacts: contacts.map((c) => ({ id: c.id, name: c.name, email: c.email, phone: c.phone, role: c.role })),
  };
}

/** What customer search looks in: code, names, e-mail and identifiers, lower-cased. */
export function customerSearchText(c: { code: string; name: string; legalName?: string | null; email?: string | null; taxId?: string | null; gln?: string | null; externalId?: string | null }): string {
  return [c.code, c.name, c.legalName, c.email, c.taxId, c.gln, c.externalId]
    .filter((x): x is string => !!x)
    .join(' ')
    .toLowerCase();
}

type Addr = z.output<typeof AddressInput>;
type Cont = z.output<typeof ContactInput>;

/**
 * Writes a customer's addresses: given ones are updated (by id) or added; with `replace`, the
 * active ones not given are retired (kept for the orders that point at them). One default per kind.
 */
export async function writeAddresses(ctx: CommandContext, partnerId: string, given: Addr[], replace: boolean): Promise<void> {
  const existing = await ctx.db.selectFrom('partner_address').select(['id', 'kind']).where('partner_id', '=', partnerId).where('active', '=', 1).execute();
  const known = new Set(existing.map((e) => e.id));
  for (const [i, a] of given.entries()) {
    if (a.id && !known.has(a.id)) throw new DomainError('VALIDATION', `Address ${i + 1}: it does not belong to this customer`, { fields: [{ path: `addresses.${i}.id`, message: 'Unknown address' }] });
  }
  // One default per kind: the first flagged one, else the first of the kind.
  const defaults = new Map<string, number>();
  for (const [i, a] of given.entries()) if (a.isDefault && !defaults.has(a.kind)) defaults.set(a.kind, i);
  for (const [i, a] of given.entries()) if (!defaults.has(a.kind)) defaults.set(a.kind, i);
  const keep = new Set<string>();
  for (const [i, a] of given.entries()) {
    const values = {
      kind: a.kind,
      label: a.label,
      line1: a.line1,
      line2: a.line2,
      city: a.city,
      postal_code: a.postalCode,
      region: a.region,
      country: a.country,
      gln: a.gln,
      is_default: defaults.get(a.kind) === i ? 1 : 0,
      updated_at: ctx.now,
    };
    if (a.id) {
      keep.add(a.id);
      await ctx.db.updateTable('partner_address').set((eb) => ({ ...values, version: eb('version', '+', 1) })).where('id', '=', a.id).execute();
    } else {
      await ctx.db
        .insertInto('partner_address')
        .values({ ...values, id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, version: 1, partner_id: partnerId, active: 1 })
        .execute();
    }
  }
  if (replace) {
    const retire = existing.filter((e) => !keep.has(e.id)).map((e) => e.id);
    if (retire.length) await ctx.db.updateTable('partner_address').set((eb) => ({ active: 0, is_default: 0, updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', 'in', retire).execute();
  }
}

export async function writeContacts(ctx: CommandContext, partnerId: string, given: Cont[], replace: boolean): Promise<void> {
  const existing = await ctx.db.selectFrom('partner_contact').select('id').where('partner_id', '=', partnerId).where('active', '=', 1).execute();
  const known = new Set(existing.map((e) => e.id));
  const keep = new Set<string>();
  for (const [i, c] of given.entries()) {
    const values = { name: c.name, email: c.email, phone: c.phone, role: c.role, updated_at: ctx.now };
    if (c.id) {
      if (!known.has(c.id)) throw new DomainError('VALIDATION', `Contact ${i + 1}: it does not belong to this customer`, { fields: [{ path: `contacts.${i}.id`, message: 'Unknown contact' }] });
      keep.add(c.id);
      await ctx.db.updateTable('partner_contact').set((eb) => ({ ...values, version: eb('version', '+', 1) })).where('id', '=', c.id).execute();
    } else {
      await ctx.db.insertInto('partner_contact').values({ ...values, id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, version: 1, partner_id: partnerId, active: 1 }).execute();
    }
  }
  if (replace) {
    const retire = existing.filter((e) => !keep.has(e.id)).map((e) => e.id);
    if (retire.length) await ctx.db.updateTable('partner_contact').set((eb) => ({ active: 0, updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', 'in', retire).execute();
  }
}

/** Refuses a pricelist that does not exist, and an external id another active customer already has. */
export async function assertCustomerRefs(db: Tx, c: { pricelistId?: string | null; externalId?: string | null }, exceptId?: string): Promise<void> {
  if (c.pricelistId) {
    const pl = await db.selectFrom('pricelist').select('id').where('id', '=', c.pricelistId).executeTakeFirst();
    if (!pl) throw new DomainError('VALIDATION', 'Pricelist: no such pricelist', { fields: [{ path: 'pricelistId', message: 'No such pricelist' }] });
  }
  if (c.externalId) {
    let q = db.selectFrom('partner').select(['id', 'code', 'name']).where('kind', '=', 'customer').where('external_id', '=', c.externalId).where('active', '=', 1);
    if (exceptId) q = q.where('id', '!=', exceptId);
    const other = await q.executeTakeFirst();
    if (other) {
      throw new DomainError('CONFLICT', `External id ${c.externalId} is already used by customer ${other.code} "${other.name}"`, {
        fields: [{ path: 'externalId', message: `Already used by ${other.code}` }],
        existingId: other.id,
      });
    }
  }
}
